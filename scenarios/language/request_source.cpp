#include "scenarios/language/request_source.hpp"

#include "scenarios/language/templates.hpp"

#include <fmt/format.h>

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

const std::vector<Header>& target_headers(const Plan& plan) {
    static const std::vector<Header> none;
    const auto* http = std::get_if<HttpTargetSpec>(&plan.target);
    return http ? http->headers : none;
}

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
    double total_weight = 0;
    for (std::size_t index = 0; index < plan.requests.size(); ++index) {
        const RequestSpec& spec = plan.requests[index];
        CompiledRequest request;
        request.method = spec.method;
        bool uses_variables = false;
        const BodyKind body_kind = body_kind_of(spec.headers, target_headers(plan));
        request.path =
            compile(plan, spec.path, Field::path, body_kind, uses_variables, request.variables);
        for (const auto& [name, value] : spec.headers) {
            request.headers.push_back(Part{name + ": ", kNoVariable, 0});
            Template value_parts =
                compile(plan, value, Field::header, body_kind, uses_variables, request.variables);
            request.headers.insert(request.headers.end(), value_parts.begin(), value_parts.end());
            request.headers.push_back(Part{"\r\n", kNoVariable, 0});
        }
        request.body =
            compile(plan, spec.body, Field::body, body_kind, uses_variables, request.variables);
        std::sort(request.variables.begin(), request.variables.end());
        request.variables.erase(std::unique(request.variables.begin(), request.variables.end()),
                                request.variables.end());
        if (!uses_variables) {
            request.static_key = index + 1;
            render(request.path, feeders_, request.static_path);
            render(request.headers, feeders_, request.static_headers);
            render(request.body, feeders_, request.static_body);
        }
        requests_.push_back(std::move(request));
        total_weight += spec.weight;
        cumulative_weights_.push_back(total_weight);
    }
    path_buffer_.reserve(kInitialBufferBytes);
    headers_buffer_.reserve(kInitialBufferBytes);
    body_buffer_.reserve(kInitialBufferBytes);
}

TemplatedRequestSource::~TemplatedRequestSource() = default;

TemplatedRequestSource::Template TemplatedRequestSource::compile(
    const Plan& plan, const std::string& text, Field field, BodyKind body_kind,
    bool& uses_variables, std::vector<std::size_t>& variables) const {
    Template parts;
    auto add_literal = [&](std::string_view literal) {
        if (!parts.empty() && parts.back().variable == kNoVariable)
            parts.back().literal += literal;
        else
            parts.push_back(Part{std::string(literal), kNoVariable, 0});
    };
    // A value known now (constant, environment) is encoded once, here.
    auto add_value = [&](std::string_view value, Position position, Encoding encoding,
                         std::string_view what) {
        if (auto problem = placement_problem(value, position, encoding); !problem.empty()) {
            throw std::invalid_argument(fmt::format("{}: the value {}", what, problem));
        }
        std::string encoded;
        append_encoded(encoded, value, encoding);
        add_literal(encoded);
    };
    const auto tokens = tokenize_template(text);
    const auto positions = token_positions(tokens, field, body_kind);
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const TemplateToken& token = tokens[i];
        const Encoding encoding = encoding_for(positions[i], token.filter);
        switch (token.kind) {
            case TemplateToken::Kind::text: add_literal(token.text); break;
            case TemplateToken::Kind::env: {
                auto value = resolve_env(token);
                if (!value) {
                    throw std::invalid_argument(
                        fmt::format("environment variable {} is not set", token.text));
                }
                add_value(*value, positions[i], encoding, "environment variable " + token.text);
                break;
            }
            case TemplateToken::Kind::variable: {
                const auto found =
                    std::find_if(plan.variables.begin(), plan.variables.end(),
                                 [&](const auto& v) { return v.name == token.text; });
                if (found == plan.variables.end()) {
                    throw std::invalid_argument(fmt::format("undefined variable '{}'", token.text));
                }
                const auto variable = static_cast<std::size_t>(found - plan.variables.begin());
                const std::size_t column = column_index(*found, token.field);
                if (std::holds_alternative<ConstantVariable>(found->source)) {
                    // constants render once
                    add_value(feeders_[variable]->value(0), positions[i], encoding,
                              "variable '" + token.text + "'");
                } else {
                    parts.push_back(Part{{}, variable, column, encoding});
                    variables.push_back(variable);
                    uses_variables = true;
                }
                break;
            }
        }
    }
    return parts;
}

void TemplatedRequestSource::render(const Template& parts,
                                    const std::vector<std::unique_ptr<Feeder>>& feeders,
                                    std::string& out) {
    out.clear();
    for (const Part& part : parts) {
        if (part.variable == kNoVariable)
            out += part.literal;
        else
            append_encoded(out, feeders[part.variable]->value(part.column), part.encoding);
    }
}

std::size_t TemplatedRequestSource::pick_request() {
    if (requests_.size() == 1) return 0;
    const double point = random_.uniform() * cumulative_weights_.back();
    const auto found =
        std::upper_bound(cumulative_weights_.begin(), cumulative_weights_.end(), point);
    return std::min(static_cast<std::size_t>(found - cumulative_weights_.begin()),
                    requests_.size() - 1);
}

bool TemplatedRequestSource::next(engine::PreparedRequest& out) {
    if (!exhausted_reason_.empty()) return false;
    const std::size_t index = pick_request();
    const CompiledRequest& request = requests_[index];
    out.name_index = static_cast<std::uint32_t>(index);
    out.method = request.method;
    out.static_key = request.static_key;
    if (request.static_key != 0) {
        out.target = request.static_path;
        out.headers = request.static_headers;
        out.body = request.static_body;
        return true;
    }
    for (const std::size_t variable : request.variables) {
        if (!feeders_[variable]->advance()) {
            exhausted_reason_ = feeders_[variable]->exhaustion();
            return false;
        }
    }
    render(request.path, feeders_, path_buffer_);
    render(request.headers, feeders_, headers_buffer_);
    render(request.body, feeders_, body_buffer_);
    out.target = path_buffer_;
    out.headers = headers_buffer_;
    out.body = body_buffer_;
    return true;
}

std::unique_ptr<engine::RequestSource> make_request_source(const Plan& plan,
                                                           std::size_t worker_index,
                                                           std::size_t worker_count) {
    return std::make_unique<TemplatedRequestSource>(plan, worker_index, worker_count);
}

}  // namespace volley::scenarios
