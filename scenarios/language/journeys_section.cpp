// `journeys:` (docs/scenarios.md "journeys"): ordered steps with extraction, checks, think
// times and conditions. Each step's request joins Plan::requests as "journey.step", so the
// per-request statistics are the per-step ones; Plan::catalog says what the indices mean.
#include "scenarios/language/json_path.hpp"
#include "scenarios/language/loader_sections.hpp"
#include "scenarios/language/response_checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace volley::scenarios::detail {
namespace {

constexpr std::uint32_t kMaxRepeat = 10000;

bool is_step_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
}

// Reports why `text` is not a JSON path this version reads, at `node`.
void check_json_path(DiagnosticSink& sink, const YAML::Node& node, const std::string& path,
                     const std::string& text) {
    try {
        (void)compile_json_path(text);
    } catch (const std::invalid_argument& error) {
        sink.error(node, path, error.what());
    }
}

void check_regex(DiagnosticSink& sink, const YAML::Node& node, const std::string& path,
                 const std::string& text) {
    try {
        (void)CompiledRegex(text);
    } catch (const std::invalid_argument& error) {
        sink.error(node, path, fmt::format("not a valid regular expression: {}", error.what()));
    }
}

std::optional<ExtractRule> read_extract(DiagnosticSink& sink, const std::string& variable,
                                        const YAML::Node& node, const std::string& path) {
    const MapReader map(sink, node, path, {"json", "header", "regex", "status", "default"});
    if (!map.is_map()) return std::nullopt;
    const int kinds = int(map.has("json")) + int(map.has("header")) + int(map.has("regex")) +
                      int(map.has("status"));
    if (kinds != 1) {
        sink.error(node, path,
                   "write one of json: $.path, header: Name, regex: 'a(b)c' or status: true");
        return std::nullopt;
    }
    ExtractRule rule;
    rule.variable = variable;
    if (auto json = map.string("json")) {
        rule.kind = ExtractKind::json;
        rule.expression = *json;
        check_json_path(sink, *map.get("json"), map.path("json"), *json);
    } else if (auto header = map.string("header")) {
        rule.kind = ExtractKind::header;
        rule.expression = *header;
        if (header->empty()) sink.error(*map.get("header"), map.path("header"), "empty name");
    } else if (auto regex = map.string("regex")) {
        rule.kind = ExtractKind::regex;
        rule.expression = *regex;
        check_regex(sink, *map.get("regex"), map.path("regex"), *regex);
    } else if (auto status = map.boolean("status")) {
        rule.kind = ExtractKind::status;
        if (!*status) sink.error(*map.get("status"), map.path("status"), "write status: true");
    }
    if (auto fallback = map.string("default")) rule.fallback = *fallback;
    return rule;
}

std::vector<int> read_statuses(DiagnosticSink& sink, const YAML::Node& node,
                               const std::string& path) {
    std::vector<int> codes;
    if (node.IsScalar()) {
        if (auto code = read_integer(sink, node, path, 100, 599))
            codes.push_back(static_cast<int>(*code));
    } else if (node.IsSequence() && node.size() > 0) {
        for (std::size_t i = 0; i < node.size(); ++i) {
            if (auto code = read_integer(sink, node[i], index_path(path, i), 100, 599))
                codes.push_back(static_cast<int>(*code));
        }
    } else {
        sink.error(node, path, "expected a status code or a list of them, e.g. [200, 201]");
    }
    return codes;
}

// exists / absent / equals / matches for a header or JSON path check.
void read_check_test(const MapReader& map, CheckRule& rule) {
    DiagnosticSink& sink = map.sink();
    const int tests = int(map.has("exists")) + int(map.has("equals")) + int(map.has("matches"));
    if (tests > 1) {
        sink.error(map.node(), map.path(), "write at most one of exists, equals, matches");
        return;
    }
    rule.test = CheckTest::exists;
    if (auto exists = map.boolean("exists"))
        rule.test = *exists ? CheckTest::exists : CheckTest::absent;
    if (auto equals = map.string("equals")) {
        rule.test = CheckTest::equals;
        rule.operand = *equals;
    }
    if (auto matches = map.string("matches")) {
        rule.test = CheckTest::matches;
        rule.operand = *matches;
        check_regex(sink, *map.get("matches"), map.path("matches"), *matches);
    }
}

std::optional<CheckRule> read_check(DiagnosticSink& sink, const YAML::Node& node,
                                    const std::string& path, const std::string& default_name) {
    const MapReader map(sink, node, path,
                        {"name", "status", "header", "body_contains", "body_matches", "json",
                         "body_size", "exists", "equals", "matches"});
    if (!map.is_map()) return std::nullopt;
    const int kinds = int(map.has("status")) + int(map.has("header")) +
                      int(map.has("body_contains")) + int(map.has("body_matches")) +
                      int(map.has("json")) + int(map.has("body_size"));
    if (kinds != 1) {
        sink.error(node, path,
                   "write one of status, header, body_contains, body_matches, json, body_size");
        return std::nullopt;
    }
    CheckRule rule;
    rule.name = map.string("name").value_or(default_name);
    if (rule.name.empty() || rule.name.find_first_of("{}\r\n") != std::string::npos) {
        sink.error(map.get("name") ? *map.get("name") : node, map.path("name"),
                   "a check name is non-empty text without braces or line breaks");
    }
    const bool takes_test = map.has("header") || map.has("json");
    if (!takes_test) {
        for (std::string_view key : {"exists", "equals", "matches"}) {
            if (auto extra = map.get(key)) {
                sink.error(*extra, map.path(key), "only header and json checks take this");
            }
        }
    }
    if (auto status = map.get("status")) {
        rule.kind = CheckKind::status;
        rule.statuses = read_statuses(sink, *status, map.path("status"));
    } else if (auto header = map.string("header")) {
        rule.kind = CheckKind::header;
        rule.subject = *header;
        read_check_test(map, rule);
    } else if (auto text = map.string("body_contains")) {
        rule.kind = CheckKind::body_contains;
        rule.subject = *text;
    } else if (auto regex = map.string("body_matches")) {
        rule.kind = CheckKind::body_matches;
        rule.subject = *regex;
        check_regex(sink, *map.get("body_matches"), map.path("body_matches"), *regex);
    } else if (auto json = map.string("json")) {
        rule.kind = CheckKind::json;
        rule.subject = *json;
        check_json_path(sink, *map.get("json"), map.path("json"), *json);
        read_check_test(map, rule);
        if (auto matches = map.get("matches")) {
            sink.error(*matches, map.path("matches"),
                       "a json check takes exists: or equals: (use body_matches for a pattern)");
        }
    } else if (auto size = map.get("body_size")) {
        rule.kind = CheckKind::body_size;
        const MapReader bounds(sink, *size, map.path("body_size"), {"min", "max"});
        if (bounds.is_map()) {
            constexpr std::int64_t kMaxBytes = std::int64_t{1} << 40;
            if (auto min = bounds.integer("min", 0, kMaxBytes))
                rule.min_bytes = static_cast<std::uint64_t>(*min);
            if (auto max = bounds.integer("max", 0, kMaxBytes))
                rule.max_bytes = static_cast<std::uint64_t>(*max);
            if (!rule.min_bytes && !rule.max_bytes)
                sink.error(*size, map.path("body_size"), "give min:, max: or both (bytes)");
            if (rule.min_bytes && rule.max_bytes && *rule.min_bytes > *rule.max_bytes)
                sink.error(*size, map.path("body_size"), "min is larger than max");
        }
    }
    return rule;
}

AuthSpec read_auth(DiagnosticSink& sink, const YAML::Node& node, const std::string& path,
                   const Plan& plan, const std::vector<std::string>& known) {
    AuthSpec auth;
    const MapReader map(sink, node, path, {"bearer", "basic"});
    if (!map.is_map()) return auth;
    if (map.has("bearer") == map.has("basic")) {
        sink.error(node, path,
                   "write one of bearer: \"${token}\" or basic: {user: …, password: …}");
        return auth;
    }
    auto check = [&](const YAML::Node& where, const std::string& where_path,
                     const std::string& text) {
        check_template(sink, where, where_path, text, plan, false, Field::header, BodyKind::text,
                       &known);
    };
    if (auto token = map.string("bearer")) {
        auth.kind = AuthKind::bearer;
        auth.token = *token;
        check(*map.get("bearer"), map.path("bearer"), *token);
    } else if (auto basic = map.get("basic")) {
        const MapReader credentials(sink, *basic, map.path("basic"), {"user", "password"});
        if (!credentials.is_map()) return auth;
        auth.kind = AuthKind::basic;
        if (credentials.require("user")) {
            auth.user = credentials.string("user").value_or("");
            check(*credentials.get("user"), credentials.path("user"), auth.user);
        }
        if (credentials.require("password")) {
            auth.password = credentials.string("password").value_or("");
            check(*credentials.get("password"), credentials.path("password"), auth.password);
        }
    }
    return auth;
}

std::vector<Tag> merged_tags(std::vector<Tag> tags, const std::vector<Tag>& over) {
    for (const Tag& tag : over) {
        auto found = std::find_if(tags.begin(), tags.end(),
                                  [&](const Tag& mine) { return mine.first == tag.first; });
        if (found != tags.end())
            found->second = tag.second;
        else
            tags.push_back(tag);
    }
    return tags;
}

// One step: its request (appended to plan.requests) and the journey parts.
void read_step(LoadContext& context, const YAML::Node& node, const std::string& path,
               JourneySpec& journey, std::vector<std::string>& known, std::set<std::string>& checks,
               Plan& plan) {
    DiagnosticSink& sink = context.sink;
    const MapReader map(sink, node, path,
                        {"name", "method", "path", "headers", "body", "expect", "tags", "extract",
                         "check", "think", "once", "repeat", "while", "if", "auth", "during"});
    if (!map.is_map()) return;
    if (map.has("during")) {
        sink.error(*map.get("during"), map.path("during"),
                   "during applies to requests[] only: a step runs when its journey reaches it");
    }
    StepSpec step;
    step.name = map.string("name").value_or(fmt::format("step{}", journey.steps.size() + 1));
    if (!is_step_name(step.name)) {
        sink.error(map.get("name") ? *map.get("name") : node, map.path("name"),
                   "a step name is 1..64 letters, digits, _ or -");
    }
    for (const auto& other : journey.steps) {
        if (other.name == step.name) {
            sink.error(
                map.get("name") ? *map.get("name") : node, map.path("name"),
                fmt::format("another step of journey '{}' is named '{}'", journey.name, step.name));
        }
    }
    RequestSpec request = read_request_fields(context, map, plan, &known);
    request.name = journey.name + "." + step.name;
    if (std::any_of(plan.requests.begin(), plan.requests.end(),
                    [&](const RequestSpec& other) { return other.name == request.name; })) {
        sink.error(map.get("name") ? *map.get("name") : node, map.path("name"),
                   fmt::format("a request is already named '{}'", request.name));
    }
    step.tags = merged_tags(journey.tags, request.tags);
    request.tags = step.tags;

    if (auto auth = map.get("auth"))
        step.auth = read_auth(sink, *auth, map.path("auth"), plan, known);
    if (auto condition = map.string("if")) {
        step.if_variable = *condition;
        if (std::find(known.begin(), known.end(), *condition) == known.end()) {
            sink.error(*map.get("if"), map.path("if"),
                       fmt::format("'{}' is not extracted by an earlier step of this journey",
                                   *condition));
        }
    }
    if (auto think = map.get("think")) step.think = read_think(sink, *think, map.path("think"));
    step.once = map.boolean("once").value_or(false);
    if (auto repeat = map.integer("repeat", 1, kMaxRepeat))
        step.repeat = static_cast<std::uint32_t>(*repeat);
    if (auto condition = map.string("while")) {
        step.while_path = *condition;
        check_json_path(sink, *map.get("while"), map.path("while"), *condition);
        if (!map.has("repeat")) {
            sink.error(*map.get("while"), map.path("while"),
                       "give repeat: N with while: (the most times the step may run)");
        }
    }
    std::vector<std::string> extracted;
    if (auto extract = map.get("extract")) {
        const std::string extract_path = map.path("extract");
        if (!extract->IsMap() || extract->size() == 0) {
            sink.error(*extract, extract_path, "expected a map: variable -> {json: $.path}");
        } else {
            for (const auto& entry : *extract) {
                const std::string variable = entry.first.Scalar();
                const std::string variable_path = child_path(extract_path, variable);
                if (!is_identifier(variable)) {
                    sink.error(
                        entry.first, variable_path,
                        "a variable name is letters, digits and _, not starting with a digit");
                } else if (std::any_of(plan.variables.begin(), plan.variables.end(),
                                       [&](const auto& v) { return v.name == variable; })) {
                    sink.error(entry.first, variable_path,
                               fmt::format("'{}' is already a variable of variables:", variable));
                }
                if (auto rule = read_extract(sink, variable, entry.second, variable_path)) {
                    step.extract.push_back(std::move(*rule));
                    extracted.push_back(variable);
                }
            }
        }
    }
    if (auto list = map.get("check")) {
        const std::string check_path = map.path("check");
        if (!list->IsSequence() || list->size() == 0) {
            sink.error(*list, check_path, "expected a list of checks, e.g. [{status: 200}]");
        } else {
            for (std::size_t i = 0; i < list->size(); ++i) {
                const std::string default_name =
                    fmt::format("{}.{} #{}", journey.name, step.name, i + 1);
                auto rule = read_check(sink, (*list)[i], index_path(check_path, i), default_name);
                if (!rule) continue;
                if (!checks.insert(rule->name).second) {
                    sink.error((*list)[i], index_path(check_path, i),
                               fmt::format("another check is named '{}'; names must be unique",
                                           rule->name));
                }
                step.checks.push_back(std::move(*rule));
            }
        }
    }
    for (auto& variable : extracted) {
        if (std::find(known.begin(), known.end(), variable) == known.end())
            known.push_back(variable);
        if (std::find(journey.variables.begin(), journey.variables.end(), variable) ==
            journey.variables.end())
            journey.variables.push_back(variable);
    }
    step.request = plan.requests.size();
    plan.requests.push_back(std::move(request));
    journey.steps.push_back(std::move(step));
}

// Plan::catalog and the run's flow and counter names from the journeys as read.
void build_catalog(Plan& plan) {
    auto& catalog = plan.catalog;
    catalog = {};
    catalog.request_journey.assign(plan.requests.size(), std::nullopt);
    catalog.extract_error_counter.assign(plan.requests.size(), std::nullopt);
    for (const auto& request : plan.requests) catalog.request_tags.push_back(request.tags);
    for (std::size_t j = 0; j < plan.journeys.size(); ++j) {
        auto& journey = plan.journeys[j];
        thresholds::RunCatalog::Journey entry{journey.name, {}, journey.tags};
        for (auto& step : journey.steps) {
            entry.steps.push_back(step.request);
            catalog.request_journey[step.request] = j;
            step.check_index.clear();
            for (const auto& check : step.checks) {
                step.check_index.push_back(catalog.checks.size());
                const std::size_t pass = catalog.counter_names.size();
                catalog.counter_names.push_back("check " + check.name + " passed");
                catalog.counter_names.push_back("check " + check.name + " failed");
                catalog.checks.push_back({check.name, step.request, pass, pass + 1});
            }
            if (!step.extract.empty()) {
                catalog.extract_error_counter[step.request] = catalog.counter_names.size();
                catalog.counter_names.push_back("extract_error " +
                                                plan.requests[step.request].name);
            }
        }
        catalog.journeys.push_back(std::move(entry));
    }
    plan.run.flow_names.clear();
    for (const auto& journey : plan.journeys) plan.run.flow_names.push_back(journey.name);
    plan.run.counter_names = catalog.counter_names;
}

}  // namespace

void read_journeys(LoadContext& context, const YAML::Node& node, Plan& plan) {
    DiagnosticSink& sink = context.sink;
    plan.mix_requests = plan.requests.size();
    if (!node.IsSequence() || node.size() == 0) {
        sink.error(node, "journeys", "expected a list of journeys ({name, weight, steps})");
        return;
    }
    std::set<std::string> check_names;
    for (std::size_t i = 0; i < node.size(); ++i) {
        const std::string path = index_path("journeys", i);
        const MapReader map(sink, node[i], path,
                            {"name", "weight", "tags", "cookies", "steps", "during"});
        if (!map.is_map()) continue;
        if (map.has("during")) {
            sink.error(*map.get("during"), map.path("during"),
                       "during applies to requests[] only: journeys are drawn during the whole "
                       "run");
        }
        JourneySpec journey;
        if (map.require("name", "e.g. checkout")) {
            // A name that is not text (or not UTF-8) is reported by map.string itself.
            if (auto name = map.string("name")) {
                journey.name = *name;
                if (!is_step_name(journey.name)) {
                    sink.error(*map.get("name"), map.path("name"),
                               "a journey name is 1..64 letters, digits, _ or -");
                }
            }
            for (const auto& other : plan.journeys) {
                if (other.name == journey.name) {
                    sink.error(*map.get("name"), map.path("name"),
                               fmt::format("another journey is named '{}'", journey.name));
                }
            }
        }
        journey.weight = map.number("weight", 0, 1e9).value_or(1);
        if (auto tags = map.get("tags")) journey.tags = read_tags(sink, *tags, map.path("tags"));
        journey.cookies = map.boolean("cookies").value_or(true);
        if (!map.require("steps", "a list of requests")) continue;
        const YAML::Node steps = *map.get("steps");
        if (!steps.IsSequence() || steps.size() == 0) {
            sink.error(steps, map.path("steps"), "expected a list of steps ({name, path, …})");
            continue;
        }
        std::vector<std::string> known;  // variables extracted by the steps read so far
        for (std::size_t s = 0; s < steps.size(); ++s) {
            read_step(context, steps[s], index_path(map.path("steps"), s), journey, known,
                      check_names, plan);
        }
        if (!journey.steps.empty() &&
            std::all_of(journey.steps.begin(), journey.steps.end(), [](const StepSpec& step) {
                return step.once || !step.if_variable.empty();
            })) {
            sink.error(steps, map.path("steps"),
                       "every step has once: or if:, so after the first journey a virtual user "
                       "would have nothing to send; give one step neither");
        }
        plan.journeys.push_back(std::move(journey));
    }
    build_catalog(plan);
}

}  // namespace volley::scenarios::detail
