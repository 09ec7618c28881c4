#include "scenarios/language/request_source.hpp"

#include "scenarios/language/journey_runner.hpp"

#include <algorithm>
#include <stdexcept>

namespace volley::scenarios {
namespace {

// Per-variable stream, independent of the request mix's stream.
std::uint64_t feeder_seed(std::uint64_t run_seed, std::size_t worker_index, std::size_t variable) {
    std::uint64_t state = run_seed ^ worker_index;
    state ^= 0xa0761d6478bd642fULL * (variable + 1);
    return splitmix64(state);
}

constexpr std::size_t kInitialBufferBytes = 512;

}  // namespace

TemplatedRequestSource::TemplatedRequestSource(const Plan& plan, std::size_t worker_index,
                                               std::size_t worker_count)
    : random_(plan.run.seed ^ worker_index) {
    if (plan.requests.empty()) throw std::invalid_argument("the plan has no requests");
    if (worker_count == 0) worker_count = 1;
    for (std::size_t i = 0; i < plan.variables.size(); ++i) {
        feeders_.push_back(make_feeder(plan.variables[i],
                                       feeder_seed(plan.run.seed, worker_index, i), worker_index,
                                       worker_count));
    }
    const TemplateCompiler compiler(plan, feeders_);
    double total_weight = 0;
    const std::size_t mix = plan.journeys.empty() ? plan.requests.size() : plan.mix_requests;
    for (std::size_t index = 0; index < mix; ++index) {
        CompiledRequest request = compile_request(compiler, plan, index);
        if (!request.varies) {
            request.static_key = index + 1;
            render_template(request.path, feeders_, nullptr, request.static_path);
            render_template(request.headers, feeders_, nullptr, request.static_headers);
            render_template(request.body, feeders_, nullptr, request.static_body);
        }
        requests_.push_back(std::move(request));
        total_weight += plan.requests[index].weight;
        cumulative_weights_.push_back(total_weight);
    }
    if (!plan.journeys.empty()) {
        journeys_ = std::make_unique<JourneyRunner>(plan, feeders_, plan.run.seed ^ worker_index);
        for (const auto& journey : plan.journeys) {
            total_weight += journey.weight;
            cumulative_weights_.push_back(total_weight);
        }
    }
    rendered_.reserve(kInitialBufferBytes);
}

TemplatedRequestSource::~TemplatedRequestSource() = default;

std::size_t TemplatedRequestSource::pick() {
    if (cumulative_weights_.size() == 1) return 0;
    const double point = random_.uniform() * cumulative_weights_.back();
    const auto found =
        std::upper_bound(cumulative_weights_.begin(), cumulative_weights_.end(), point);
    return std::min(static_cast<std::size_t>(found - cumulative_weights_.begin()),
                    cumulative_weights_.size() - 1);
}

bool TemplatedRequestSource::next(engine::PreparedRequest& out) { return draw(std::nullopt, out); }

bool TemplatedRequestSource::begin(std::size_t slot, engine::PreparedRequest& out) {
    return draw(slot, out);
}

bool TemplatedRequestSource::draw(std::optional<std::size_t> slot, engine::PreparedRequest& out) {
    if (!exhausted_reason_.empty()) return false;
    const std::size_t index = pick();
    if (index >= requests_.size()) {
        const std::size_t journey = index - requests_.size();
        const bool started = slot ? journeys_->start(*slot, journey, out, exhausted_reason_)
                                  : journeys_->first_request(journey, out);
        return started;
    }
    const CompiledRequest& request = requests_[index];
    out = engine::PreparedRequest{};
    out.name_index = static_cast<std::uint32_t>(index);
    out.method = request.method;
    out.static_key = request.static_key;
    if (request.static_key != 0) {
        out.target = request.static_path;
        out.headers = request.static_headers;
        out.body = request.static_body;
        return true;
    }
    if (!advance_feeders(feeders_, request.variables, exhausted_reason_)) return false;
    render_request(request, feeders_, nullptr, rendered_);
    rendered_.view_into(out);
    return true;
}

engine::FlowDecision TemplatedRequestSource::after_completion(std::size_t slot,
                                                              const engine::Completion& completion,
                                                              engine::SourceCounters& counters) {
    if (!journeys_) return {};
    return journeys_->after_completion(slot, completion, counters);
}

bool TemplatedRequestSource::next_step(std::size_t slot, engine::PreparedRequest& out) {
    return journeys_ && journeys_->next_step(slot, out);
}

std::unique_ptr<engine::RequestSource> make_request_source(const Plan& plan,
                                                           std::size_t worker_index,
                                                           std::size_t worker_count) {
    return std::make_unique<TemplatedRequestSource>(plan, worker_index, worker_count);
}

}  // namespace volley::scenarios
