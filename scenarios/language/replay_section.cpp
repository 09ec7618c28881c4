// replay: a capture replayed on its own timeline (docs/replay.md "Scenario section").
#include "scenarios/language/replay_section.hpp"
#include "replay/readers.hpp"
#include "replay/rewrite.hpp"
#include "scenarios/language/loader.hpp"
#include "scenarios/language/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <thread>

namespace volley::scenarios::detail {
namespace {

std::string upper(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return text;
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// Reports a regex that std::regex refuses.
void check_regex(DiagnosticSink& sink, const YAML::Node& node, const std::string& path,
                 const std::string& pattern) {
    try {
        (void)std::regex(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& error) {
        sink.error(node, path, fmt::format("'{}' is not a valid regex: {}", pattern, error.what()));
    }
}

// A list of regexes (one text or a list).
std::vector<std::string> read_regexes(const MapReader& map, std::string_view key) {
    auto patterns = map.string_list(key).value_or(std::vector<std::string>{});
    const YAML::Node node = map.get(key).value_or(YAML::Node());
    for (std::size_t i = 0; i < patterns.size(); ++i) {
        const bool listed = node.IsSequence();
        check_regex(map.sink(), listed ? node[i] : node,
                    listed ? index_path(map.path(key), i) : map.path(key), patterns[i]);
    }
    return patterns;
}

std::vector<int> read_expect(DiagnosticSink& sink, const YAML::Node& node,
                             const std::string& path) {
    std::vector<int> codes;
    const MapReader expect(sink, node, path, {"status"});
    const auto status = expect.get("status");
    if (!status) return codes;
    const std::string status_path = expect.path("status");
    if (status->IsScalar()) {
        if (auto code = read_integer(sink, *status, status_path, 100, 599))
            codes.push_back(static_cast<int>(*code));
    } else if (status->IsSequence() && status->size() > 0) {
        for (std::size_t s = 0; s < status->size(); ++s) {
            if (auto code = read_integer(sink, (*status)[s], index_path(status_path, s), 100, 599))
                codes.push_back(static_cast<int>(*code));
        }
    } else {
        sink.error(*status, status_path,
                   "expected a status code or a list of them, e.g. [200, 404]");
    }
    return codes;
}

void read_filters(const MapReader& replay, replay::ReplaySpec& spec) {
    const auto node = replay.get("filters");
    if (!node) return;
    const MapReader filters(replay.sink(), *node, replay.path("filters"),
                            {"methods", "include", "exclude"});
    for (auto& method : filters.string_list("methods").value_or(std::vector<std::string>{})) {
        spec.methods.push_back(upper(method));
    }
    spec.include_paths = read_regexes(filters, "include");
    spec.exclude_paths = read_regexes(filters, "exclude");
}

void read_rewrite(const MapReader& replay, replay::ReplaySpec& spec) {
    const auto node = replay.get("rewrite");
    if (!node) return;
    DiagnosticSink& sink = replay.sink();
    const MapReader rewrite(sink, *node, replay.path("rewrite"), {"headers", "paths"});
    if (auto headers_node = rewrite.get("headers")) {
        const MapReader headers(sink, *headers_node, rewrite.path("headers"), {"set", "remove"});
        if (auto set_node = headers.get("set")) {
            if (auto set = read_string_map(sink, *set_node, headers.path("set"))) {
                check_headers(sink, *set_node, headers.path("set"), *set);
                spec.set_headers = *set;
            }
        }
        for (auto& name : headers.string_list("remove").value_or(std::vector<std::string>{})) {
            spec.remove_headers.push_back(lower(name));
        }
    }
    if (auto paths = rewrite.get("paths")) {
        const std::string path = rewrite.path("paths");
        if (!paths->IsSequence()) {
            sink.error(*paths, path, "expected a list of {match: REGEX, replace: TEXT}");
            return;
        }
        for (std::size_t i = 0; i < paths->size(); ++i) {
            const MapReader item(sink, (*paths)[i], index_path(path, i), {"match", "replace"});
            if (!item.is_map() || !item.require("match") || !item.require("replace")) continue;
            auto match = item.string("match");
            auto replace = item.string("replace");
            if (!match || !replace) continue;
            check_regex(sink, *item.get("match"), item.path("match"), *match);
            spec.rewrite_paths.push_back({*match, *replace});
        }
    }
}

// routes -> spec.routes and plan.requests (one per route, then the catch-all).
void read_routes(const MapReader& replay, replay::ReplaySpec& spec, Plan& plan) {
    DiagnosticSink& sink = replay.sink();
    std::vector<int> default_expect;
    if (auto expect = replay.get("expect"))
        default_expect = read_expect(sink, *expect, replay.path("expect"));
    plan.requests.clear();
    const auto add_name = [&](const std::string& name, const YAML::Node& where,
                              const std::string& path) {
        if (name.empty()) sink.error(where, path, "must not be empty");
        const bool taken = std::any_of(plan.requests.begin(), plan.requests.end(),
                                       [&](const auto& r) { return r.name == name; });
        if (taken)
            sink.error(where, path,
                       fmt::format("another route is named '{}'; names must be unique", name));
    };
    if (auto routes = replay.get("routes")) {
        const std::string path = replay.path("routes");
        if (!routes->IsSequence())
            sink.error(*routes, path, "expected a list of path patterns or {name, path, method}");
        for (std::size_t i = 0; routes->IsSequence() && i < routes->size(); ++i) {
            const YAML::Node item = (*routes)[i];
            const std::string item_path = index_path(path, i);
            replay::ReplayRoute route;
            RequestSpec request;
            request.expect_status = default_expect;
            YAML::Node pattern_node = item;
            std::string pattern_path = item_path;
            if (item.IsMap()) {
                const MapReader map(sink, item, item_path, {"name", "path", "method", "expect"});
                if (!map.require("path", "a pattern such as /entities/*/ancestors")) continue;
                pattern_node = *map.get("path");
                pattern_path = map.path("path");
                route.path_pattern = map.string("path").value_or("");
                route.method = upper(map.string("method").value_or(""));
                route.name = map.string("name").value_or(
                    route.method.empty() ? route.path_pattern
                                         : route.method + " " + route.path_pattern);
                if (auto expect = map.get("expect"))
                    request.expect_status = read_expect(sink, *expect, map.path("expect"));
            } else if (auto text = read_string(sink, item, item_path)) {
                route.path_pattern = *text;
                route.name = *text;
            } else {
                continue;
            }
            if (const auto error = replay::check_route_pattern(route.path_pattern);
                !error.empty()) {
                sink.error(pattern_node, pattern_path, error);
            }
            add_name(route.name, item, item_path);
            request.name = route.name;
            request.method = route.method.empty() ? "GET" : route.method;
            request.path = route.path_pattern;
            plan.requests.push_back(std::move(request));
            spec.routes.push_back(std::move(route));
        }
    }
    spec.catch_all_name = spec.routes.empty() ? "replay" : "other";
    if (auto name = replay.string("catch_all")) spec.catch_all_name = *name;
    add_name(spec.catch_all_name, replay.get("catch_all").value_or(replay.node()),
             replay.path("catch_all"));
    RequestSpec catch_all;
    catch_all.name = spec.catch_all_name;
    catch_all.expect_status = default_expect;
    plan.requests.push_back(std::move(catch_all));
}

void read_run_settings(LoadContext& context, const std::optional<YAML::Node>& node,
                       const TargetFacts& target, Plan& plan) {
    engine::RunSpec& run = plan.run;
    run.profile = engine::OpenProfile{};  // no stages: the replay's schedule is the load
    run.connections = target.connections;
    run.drain = target.request_timeout;
    const auto cores = std::max(1U, std::thread::hardware_concurrency());
    run.threads = cores;
    if (!node) return;
    const MapReader load(context.sink, *node, "load",
                         {"threads", "max_in_flight", "drain", "warmup"},
                         MapReader::Options{.collect_unknown = true});
    for (const auto& [key, value] : load.unknown()) {
        context.sink.error(
            value, load.path(key),
            "a replay's load is its capture's timeline (replay.speed, loop, max_gap); "
            "load takes threads, max_in_flight, drain and warmup");
    }
    run.threads = static_cast<std::size_t>(load.integer("threads", 1, 4096).value_or(cores));
    run.max_in_flight =
        static_cast<std::size_t>(load.integer("max_in_flight", 1, 1'000'000'000).value_or(0));
    run.drain = load.duration("drain", {.allow_zero = true}).value_or(target.request_timeout);
    run.warmup = load.duration("warmup", {.allow_zero = true}).value_or(Nanos{0});
}

}  // namespace

void read_replay(LoadContext& context, const YAML::Node& node,
                 const std::optional<YAML::Node>& load, const std::optional<YAML::Node>& requests,
                 const TargetFacts& target, Plan& plan) {
    DiagnosticSink& sink = context.sink;
    if (plan.type != ScenarioType::custom && plan.type != ScenarioType::replay) {
        sink.error(node, "replay",
                   fmt::format("a replay has its own timeline; remove type: {}",
                               scenario_type_name(plan.type)));
    }
    if (std::holds_alternative<ResolverTargetSpec>(plan.target)) {
        sink.error(node, "replay", "a replay sends HTTP requests; use target.http");
    }
    plan.type = ScenarioType::replay;
    if (requests) {
        sink.error(*requests, "requests",
                   "a replay sends the capture's requests; name them with replay.routes");
    }
    read_run_settings(context, load, target, plan);
    const MapReader replay(
        sink, node, "replay",
        {"file", "format", "log_format", "speed", "loop", "from", "to", "max_gap", "outlier_gap",
         "reorder_window", "reorder_max_records", "sample", "strict", "per_connection", "filters",
         "rewrite", "routes", "catch_all", "expect"});
    replay::ReplaySpec spec;
    if (!replay.is_map()) return;
    if (replay.require("file",
                       "the capture to replay (.gor, .har, .log, .jsonl, optionally .gz)")) {
        if (auto file = replay.string("file")) {
            spec.file = context.resolve_file(*file);
            std::error_code ec;
            if (!std::filesystem::is_regular_file(spec.file, ec)) {
                sink.error(*replay.get("file"), replay.path("file"),
                           fmt::format("cannot read '{}'", spec.file));
            }
        }
    }
    if (auto format = replay.string("format")) {
        if (auto parsed = replay::parse_replay_format(*format))
            spec.format = *parsed;
        else
            sink.error(*replay.get("format"), replay.path("format"),
                       fmt::format("unknown format '{}' (gor, har, combined or jsonl)", *format));
    } else if (!spec.file.empty()) {
        if (auto guessed = replay::guess_replay_format(spec.file))
            spec.format = *guessed;
        else
            sink.error(*replay.get("file"), replay.path("file"),
                       "cannot tell the format from the extension; write format: gor, har, "
                       "combined or jsonl");
    }
    if (auto log_format = replay.string("log_format")) {
        if (spec.format != replay::ReplayFormat::combined) {
            sink.error(*replay.get("log_format"), replay.path("log_format"),
                       "log_format applies to format: combined");
        } else if (const auto error = replay::check_log_format(*log_format); !error.empty()) {
            sink.error(*replay.get("log_format"), replay.path("log_format"), error);
        }
        spec.log_format = *log_format;
    }
    spec.speed = replay.number("speed", 0, 1e6).value_or(1.0);
    spec.loop = static_cast<std::uint64_t>(replay.integer("loop", 1, 1'000'000).value_or(1));
    spec.from = replay.duration("from", {.allow_zero = true});
    spec.to = replay.duration("to");
    if (spec.from && spec.to && *spec.from >= *spec.to) {
        sink.error(*replay.get("to"), replay.path("to"),
                   fmt::format("to ({}) must be after from ({})", format_duration(*spec.to),
                               format_duration(*spec.from)));
    }
    spec.max_gap = replay.duration("max_gap");
    spec.outlier_gap =
        replay.duration("outlier_gap", {.allow_zero = true}).value_or(spec.outlier_gap);
    spec.reorder_window =
        replay.duration("reorder_window", {.allow_zero = true}).value_or(spec.reorder_window);
    spec.reorder_max_records = static_cast<std::size_t>(
        replay.integer("reorder_max_records", 1, 100'000'000)
            .value_or(static_cast<std::int64_t>(spec.reorder_max_records)));
    if (auto sample = replay.get("sample")) {
        try {
            const auto text = read_string(sink, *sample, replay.path("sample"));
            if (text) {
                spec.sample_ratio = parse_percent_ratio(*text);
                if (spec.sample_ratio <= 0 || spec.sample_ratio > 1) {
                    sink.error(*sample, replay.path("sample"), "must be above 0% and at most 100%");
                }
            }
        } catch (const std::invalid_argument& error) {
            sink.error(*sample, replay.path("sample"), error.what());
        }
    }
    spec.strict = replay.boolean("strict").value_or(false);
    spec.per_connection = replay.boolean("per_connection").value_or(false);
    read_filters(replay, spec);
    read_rewrite(replay, spec);
    read_routes(replay, spec, plan);
    plan.replay = std::move(spec);
}

}  // namespace volley::scenarios::detail
