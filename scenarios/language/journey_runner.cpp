#include "scenarios/language/journey_runner.hpp"

#include "scenarios/language/response_checks.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace volley::scenarios {
namespace {

constexpr std::size_t kInitialBufferBytes = 512;

// RFC 4648 base64 of `in`, appended to `out` (basic auth).
void append_base64(std::string_view in, std::string& out) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const auto n = (std::uint32_t(std::uint8_t(in[i])) << 16) |
                       (std::uint32_t(std::uint8_t(in[i + 1])) << 8) | std::uint8_t(in[i + 2]);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += kAlphabet[n & 63];
    }
    if (i + 1 == in.size()) {
        const auto n = std::uint32_t(std::uint8_t(in[i])) << 16;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += "==";
    } else if (i + 2 == in.size()) {
        const auto n = (std::uint32_t(std::uint8_t(in[i])) << 16) |
                       (std::uint32_t(std::uint8_t(in[i + 1])) << 8);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += '=';
    }
}

// host and path of "http[s]://host[:port][/prefix]".
void split_base_url(std::string_view url, std::string& host, std::string& prefix, bool& secure) {
    secure = url.rfind("https://", 0) == 0;
    const auto scheme_end = url.find("://");
    std::string_view rest = scheme_end == std::string_view::npos ? url : url.substr(scheme_end + 3);
    const auto path_start = rest.find('/');
    std::string_view authority = rest.substr(0, path_start);
    prefix = path_start == std::string_view::npos ? "" : std::string(rest.substr(path_start));
    if (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    if (!authority.empty() && authority.front() == '[') {
        host = std::string(authority.substr(0, authority.find(']') + 1));
    } else {
        host = std::string(authority.substr(0, authority.find(':')));
    }
}

CheckSpec to_check_spec(const CheckRule& rule) {
    switch (rule.kind) {
        case CheckKind::status: return CheckSpec::status_in(rule.name, rule.statuses);
        case CheckKind::body_contains: return CheckSpec::body_contains(rule.name, rule.subject);
        case CheckKind::body_matches: return CheckSpec::body_matches(rule.name, rule.subject);
        case CheckKind::body_size:
            return CheckSpec::body_size(rule.name, rule.min_bytes, rule.max_bytes);
        case CheckKind::header:
            switch (rule.test) {
                case CheckTest::exists: return CheckSpec::header_exists(rule.name, rule.subject);
                case CheckTest::absent:
                    return CheckSpec::header_exists(rule.name, rule.subject, false);
                case CheckTest::equals:
                    return CheckSpec::header_equals(rule.name, rule.subject, rule.operand);
                case CheckTest::matches:
                    return CheckSpec::header_matches(rule.name, rule.subject, rule.operand);
            }
            break;
        case CheckKind::json:
            switch (rule.test) {
                case CheckTest::exists: return CheckSpec::json_exists(rule.name, rule.subject);
                case CheckTest::absent:
                    return CheckSpec::json_exists(rule.name, rule.subject, false);
                case CheckTest::equals:
                    return CheckSpec::json_equals(rule.name, rule.subject, rule.operand);
                case CheckTest::matches: break;  // refused by the loader
            }
            break;
    }
    throw std::invalid_argument("check '" + rule.name + "': unsupported condition");
}

ExtractSpec to_extract_spec(const ExtractRule& rule) {
    switch (rule.kind) {
        case ExtractKind::json:
            return ExtractSpec::from_json(rule.variable, rule.expression, rule.fallback);
        case ExtractKind::header:
            return ExtractSpec::from_header(rule.variable, rule.expression, rule.fallback);
        case ExtractKind::regex:
            return ExtractSpec::from_regex(rule.variable, rule.expression, rule.fallback);
        case ExtractKind::status: return ExtractSpec::from_status(rule.variable);
    }
    throw std::invalid_argument("extract '" + rule.variable + "': unsupported source");
}

}  // namespace

struct JourneyRunner::CompiledCheck {
    CheckSpec spec;
    std::size_t pass_counter = 0, fail_counter = 0;
};

struct JourneyRunner::CompiledExtract {
    ExtractSpec spec;
    std::size_t variable = 0;  // index in the journey's values
};

struct JourneyRunner::CompiledStep {
    StepSpec spec;
    CompiledRequest request;
    std::uint32_t name_index = 0;
    CompiledTemplate auth_token, auth_user, auth_password;
    std::vector<CompiledCheck> checks;
    std::vector<CompiledExtract> extracts;
    std::optional<JsonPath> while_path;
    std::optional<std::size_t> if_variable;
    std::optional<std::size_t> extract_error_counter;
    bool capture = false;  // the response is needed (cookies, checks, extraction, while)
};

struct JourneyRunner::CompiledJourney {
    std::string name;
    bool cookies = true;
    std::vector<CompiledStep> steps;
    std::vector<std::size_t> feeders;  // drawn once when the journey starts
    std::vector<std::pair<std::size_t, std::size_t>> captured;  // (feeder, column) -> values
    std::size_t extracted = 0;  // values [0, extracted) are extracted, the rest captured
};

// A slot's values for one journey: what a VU remembers in the closed model.
struct JourneyRunner::Memory {
    std::vector<std::string> values;
    std::vector<char> set;        // per extracted value: assigned at least once
    std::vector<char> once_done;  // per step
};

struct JourneyRunner::SlotState {
    std::size_t journey = 0;
    std::size_t step = 0;
    std::uint32_t iteration = 0;  // runs of the current step so far
    std::vector<Memory> memory;   // per journey
    CookieJar jar;
    std::string request_path;  // the path (with the base URL's) of the step last sent
};

JourneyRunner::JourneyRunner(const Plan& plan, const std::vector<std::unique_ptr<Feeder>>& feeders,
                             std::uint64_t seed, WallClock wall_clock)
    : feeders_(feeders),
      keep_state_(std::holds_alternative<engine::ClosedProfile>(plan.run.profile)),
      random_(seed ^ 0x6a09e667f3bcc908ULL),
      wall_clock_(wall_clock ? std::move(wall_clock)
                             : WallClock([] { return std::chrono::system_clock::now(); })) {
    if (const auto* http = std::get_if<HttpTargetSpec>(&plan.target))
        split_base_url(http->base_url, host_, path_prefix_, secure_);
    for (const JourneySpec& spec : plan.journeys) {
        CompiledJourney journey;
        journey.name = spec.name;
        journey.cookies = spec.cookies;
        journey.extracted = spec.variables.size();
        TemplateCompiler compiler(plan, feeders_, &spec.variables);
        compiler.capture_feeders(&journey.captured);
        for (const StepSpec& step_spec : spec.steps) {
            CompiledStep step;
            step.spec = step_spec;
            step.name_index = static_cast<std::uint32_t>(step_spec.request);
            step.request = compile_request(compiler, plan, step_spec.request);
            journey.feeders.insert(journey.feeders.end(), step.request.variables.begin(),
                                   step.request.variables.end());
            std::vector<std::size_t> auth_variables;
            bool varies = false;
            const auto& auth = step_spec.auth;
            if (auth.kind == AuthKind::bearer) {
                step.auth_token = compiler.compile(auth.token, Field::header, BodyKind::text,
                                                   varies, auth_variables);
            } else if (auth.kind == AuthKind::basic) {
                // Raw here: the pair is base64-encoded as a whole.
                step.auth_user = compiler.compile(auth.user, Field::body, BodyKind::text, varies,
                                                  auth_variables);
                step.auth_password = compiler.compile(auth.password, Field::body, BodyKind::text,
                                                      varies, auth_variables);
            }
            journey.feeders.insert(journey.feeders.end(), auth_variables.begin(),
                                   auth_variables.end());
            for (std::size_t c = 0; c < step_spec.checks.size(); ++c) {
                const auto& entry = plan.catalog.checks.at(step_spec.check_index.at(c));
                step.checks.push_back(
                    {to_check_spec(step_spec.checks[c]), entry.pass_counter, entry.fail_counter});
            }
            for (const ExtractRule& rule : step_spec.extract) {
                const auto variable = static_cast<std::size_t>(
                    std::find(spec.variables.begin(), spec.variables.end(), rule.variable) -
                    spec.variables.begin());
                step.extracts.push_back({to_extract_spec(rule), variable});
            }
            if (!step_spec.while_path.empty())
                step.while_path = compile_json_path(step_spec.while_path);
            if (!step_spec.if_variable.empty()) {
                step.if_variable = static_cast<std::size_t>(
                    std::find(spec.variables.begin(), spec.variables.end(), step_spec.if_variable) -
                    spec.variables.begin());
            }
            step.extract_error_counter = plan.catalog.extract_error_counter.at(step_spec.request);
            step.capture = spec.cookies || !step.checks.empty() || !step.extracts.empty() ||
                           step.while_path.has_value();
            journey.steps.push_back(std::move(step));
        }
        std::sort(journey.feeders.begin(), journey.feeders.end());
        journey.feeders.erase(std::unique(journey.feeders.begin(), journey.feeders.end()),
                              journey.feeders.end());
        journeys_.push_back(std::move(journey));
    }
    rendered_.reserve(kInitialBufferBytes);
}

JourneyRunner::~JourneyRunner() = default;

JourneyRunner::SlotState& JourneyRunner::slot_state(std::size_t slot) {
    if (slots_.size() <= slot) slots_.resize(slot + 1);
    auto& state = slots_[slot];
    if (state.memory.empty()) {
        state.memory.resize(journeys_.size());
        for (std::size_t j = 0; j < journeys_.size(); ++j) {
            state.memory[j].values.resize(journeys_[j].extracted + journeys_[j].captured.size());
            state.memory[j].set.assign(journeys_[j].extracted, 0);
            state.memory[j].once_done.assign(journeys_[j].steps.size(), 0);
        }
    }
    return state;
}

bool JourneyRunner::start(std::size_t slot, std::size_t journey_index, engine::PreparedRequest& out,
                          std::string& exhausted_reason) {
    const CompiledJourney& journey = journeys_[journey_index];
    SlotState& state = slot_state(slot);
    Memory& memory = state.memory[journey_index];
    if (!keep_state_) {
        std::fill(memory.set.begin(), memory.set.end(), 0);
        for (std::size_t v = 0; v < journey.extracted; ++v) memory.values[v].clear();
        state.jar.clear();
    }
    if (!advance_feeders(feeders_, journey.feeders, exhausted_reason)) return false;
    for (std::size_t k = 0; k < journey.captured.size(); ++k) {
        const auto [feeder, column] = journey.captured[k];
        memory.values[journey.extracted + k].assign(feeders_[feeder]->value(column));
    }
    state.journey = journey_index;
    state.iteration = 0;
    // The loader makes sure some step has neither once: nor if:, so one always runs.
    state.step = runnable_from(state, 0).value_or(0);
    return render_step(state, out);
}

bool JourneyRunner::first_request(std::size_t journey, engine::PreparedRequest& out) {
    out = engine::PreparedRequest{};
    out.name_index = journeys_[journey].steps.front().name_index;
    out.method = journeys_[journey].steps.front().request.method;
    out.flow = static_cast<std::uint32_t>(journey);
    return true;
}

std::optional<std::size_t> JourneyRunner::runnable_from(const SlotState& state,
                                                        std::size_t from) const {
    const CompiledJourney& journey = journeys_[state.journey];
    const Memory& memory = state.memory[state.journey];
    for (std::size_t k = from; k < journey.steps.size(); ++k) {
        const CompiledStep& step = journey.steps[k];
        if (step.spec.once && keep_state_ && memory.once_done[k]) continue;
        if (step.if_variable && !memory.set[*step.if_variable]) continue;
        return k;
    }
    return std::nullopt;
}

bool JourneyRunner::render_step(SlotState& state, engine::PreparedRequest& out) {
    const CompiledJourney& journey = journeys_[state.journey];
    const CompiledStep& step = journey.steps[state.step];
    const auto& values = state.memory[state.journey].values;
    out = engine::PreparedRequest{};
    out.name_index = step.name_index;
    out.method = step.request.method;
    out.flow = static_cast<std::uint32_t>(state.journey);
    out.capture_response = step.capture;
    if (!render_request(step.request, feeders_, &values, rendered_)) return false;
    std::string& headers = rendered_.headers;
    if (step.spec.auth.kind == AuthKind::bearer) {
        if (!render_template(step.auth_token, feeders_, &values, scratch_)) return false;
        headers += "Authorization: Bearer ";
        headers += scratch_;
        headers += "\r\n";
    } else if (step.spec.auth.kind == AuthKind::basic) {
        std::string& pair = auth_buffer_;
        render_template(step.auth_user, feeders_, &values, pair);
        pair += ':';
        render_template(step.auth_password, feeders_, &values, scratch_);
        pair += scratch_;
        headers += "Authorization: Basic ";
        append_base64(pair, headers);
        headers += "\r\n";
    }
    if (journey.cookies) {
        const std::string_view target = rendered_.path;
        state.request_path.assign(path_prefix_);
        state.request_path.append(target.substr(0, target.find('?')));
        state.jar.append_cookie_header(host_, state.request_path, secure_, wall_clock_(), headers);
    }
    rendered_.view_into(out);
    return true;
}

engine::FlowDecision JourneyRunner::after_completion(std::size_t slot,
                                                     const engine::Completion& completion,
                                                     engine::SourceCounters& counters) {
    using Next = engine::FlowDecision::Next;
    SlotState& state = slot_state(slot);
    const CompiledJourney& journey = journeys_[state.journey];
    const CompiledStep& step = journey.steps[state.step];
    Memory& memory = state.memory[state.journey];
    if (journey.cookies && completion.response) {
        for (std::string_view value : HeaderValues(completion.response->headers, "Set-Cookie"))
            state.jar.store(value, host_, state.request_path, wall_clock_());
    }
    // A request that got no response is judged on an empty one (status 0).
    const std::string_view headers = completion.response ? completion.response->headers : "";
    const std::string_view body = completion.response ? completion.response->body : "";
    for (const CompiledCheck& check : step.checks) {
        counters.count(check.spec.evaluate(completion.status, headers, body, json_)
                           ? check.pass_counter
                           : check.fail_counter);
    }
    if (completion.outcome != engine::Outcome::ok) return {Next::end_failed, {}};
    for (const CompiledExtract& rule : step.extracts) {
        if (auto value = rule.spec.evaluate(completion.status, headers, body, json_)) {
            memory.values[rule.variable].assign(*value);
            memory.set[rule.variable] = 1;
        } else {
            if (step.extract_error_counter) counters.count(*step.extract_error_counter);
            return {Next::end_failed, {}};
        }
    }
    if (step.spec.once) memory.once_done[state.step] = 1;
    const engine::Nanos think = think_time(step.spec.think);
    ++state.iteration;
    if (state.iteration < step.spec.repeat) {
        const bool again =
            !step.while_path ||
            (completion.response && json_.find(*step.while_path, completion.response->body).truthy);
        if (again) return {Next::step, think};
    }
    const auto next = runnable_from(state, state.step + 1);
    if (!next) return {Next::end_ok, {}};
    state.step = *next;
    state.iteration = 0;
    return {Next::step, think};
}

bool JourneyRunner::next_step(std::size_t slot, engine::PreparedRequest& out) {
    return render_step(slot_state(slot), out);
}

engine::Nanos JourneyRunner::think_time(const engine::ThinkTime& think) {
    switch (think.kind) {
        case engine::ThinkKind::none: return engine::Nanos{0};
        case engine::ThinkKind::constant: return think.min;
        case engine::ThinkKind::uniform:
            return think.min +
                   engine::Nanos{static_cast<std::int64_t>(
                       random_.uniform() * static_cast<double>((think.max - think.min).count()))};
        case engine::ThinkKind::exponential:
            return engine::Nanos{static_cast<std::int64_t>(
                -std::log1p(-random_.uniform()) * static_cast<double>(think.mean.count()))};
    }
    return engine::Nanos{0};
}

}  // namespace volley::scenarios
