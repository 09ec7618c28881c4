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

// Cuts the profile at every edge of a `during` window; each phase lists the entries (the mix's
// requests, then the journeys, always active) active from its start to the next phase's.
// A phase where nothing is active (only past the profile's end: the loader checks the profile
// is covered) takes the entries of the phase before it.
std::vector<MixPhase> build_phases(const Plan& plan, std::size_t mix) {
    std::vector<Nanos> edges{Nanos{0}};
    for (std::size_t i = 0; i < mix; ++i) {
        if (const auto& during = plan.requests[i].during) {
            edges.push_back(during->from);
            edges.push_back(during->until);
        }
    }
    std::sort(edges.begin(), edges.end());
    edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
    std::vector<MixPhase> phases;
    for (const Nanos from : edges) {
        MixPhase phase{from, {}, {}};
        double total = 0;
        const auto add = [&](std::size_t entry, double weight) {
            total += weight;
            phase.cumulative.push_back(total);
            phase.entries.push_back(static_cast<std::uint32_t>(entry));
        };
        for (std::size_t i = 0; i < mix; ++i) {
            const auto& request = plan.requests[i];
            if (!request.during || request.during->contains(from)) add(i, request.weight);
        }
        for (std::size_t j = 0; j < plan.journeys.size(); ++j)
            add(mix + j, plan.journeys[j].weight);
        if (phase.entries.empty() && !phases.empty()) {
            phase.cumulative = phases.back().cumulative;
            phase.entries = phases.back().entries;
        }
        phases.push_back(std::move(phase));
    }
    return phases;
}

}  // namespace

TemplatedRequestSource::TemplatedRequestSource(const Plan& plan, std::size_t worker_index,
                                               std::size_t worker_count)
    : warmup_(plan.run.warmup), random_(plan.run.seed ^ worker_index) {
    if (plan.requests.empty()) throw std::invalid_argument("the plan has no requests");
    if (worker_count == 0) worker_count = 1;
    for (std::size_t i = 0; i < plan.variables.size(); ++i) {
        feeders_.push_back(make_feeder(plan.variables[i],
                                       feeder_seed(plan.run.seed, worker_index, i), worker_index,
                                       worker_count));
    }
    const TemplateCompiler compiler(plan, feeders_);
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
    }
    if (!plan.journeys.empty())
        journeys_ = std::make_unique<JourneyRunner>(plan, feeders_, plan.run.seed ^ worker_index);
    phases_ = build_phases(plan, mix);
    if (phases_.front().entries.empty())
        throw std::invalid_argument("no request is active at the start of the profile");
    rendered_.reserve(kInitialBufferBytes);
}

TemplatedRequestSource::~TemplatedRequestSource() = default;

std::size_t TemplatedRequestSource::pick(Nanos intended) {
    const MixPhase* phase = &phases_.front();
    if (phases_.size() > 1) {
        const Nanos profile_time = intended - warmup_;
        const auto after =
            std::upper_bound(phases_.begin(), phases_.end(), profile_time,
                             [](Nanos t, const MixPhase& candidate) { return t < candidate.from; });
        if (after != phases_.begin()) phase = &*(after - 1);
    }
    const auto& cumulative = phase->cumulative;
    if (cumulative.size() == 1) return phase->entries.front();
    const double point = random_.uniform() * cumulative.back();
    const auto found = std::upper_bound(cumulative.begin(), cumulative.end(), point);
    const auto position =
        std::min(static_cast<std::size_t>(found - cumulative.begin()), cumulative.size() - 1);
    return phase->entries[position];
}

bool TemplatedRequestSource::next(engine::PreparedRequest& out) {
    return draw(std::nullopt, warmup_, out);
}

bool TemplatedRequestSource::begin(std::size_t slot, engine::PreparedRequest& out) {
    return draw(slot, warmup_, out);
}

bool TemplatedRequestSource::next_at(Nanos intended, engine::PreparedRequest& out) {
    return draw(std::nullopt, intended, out);
}

bool TemplatedRequestSource::begin_at(std::size_t slot, Nanos intended,
                                      engine::PreparedRequest& out) {
    return draw(slot, intended, out);
}

bool TemplatedRequestSource::draw(std::optional<std::size_t> slot, Nanos intended,
                                  engine::PreparedRequest& out) {
    if (!exhausted_reason_.empty()) return false;
    const std::size_t index = pick(intended);
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
