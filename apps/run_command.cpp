#include "apps/run_command.hpp"

#include "apps/cli_checks.hpp"
#include "apps/dump_schedule.hpp"
#include "apps/local_segments.hpp"
#include "apps/segment_flags.hpp"
#include "pipeline/run_pipeline.hpp"
#include "reports/run_outputs.hpp"
#include "scenarios/language/loader.hpp"
#include "scenarios/language/overrides.hpp"

#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <fmt/format.h>

#include <iostream>

namespace volley::apps {
namespace json = boost::json;

namespace {

using scenarios::flag_override;

constexpr std::string_view kUrlFlag = "-u/--url";
constexpr std::string_view kRateFlag = "-r/--rate";
constexpr std::string_view kVusFlag = "--vus";

// Flags that cannot go together, before anything is loaded.
void check_flag_combinations(const RunOptions& o) {
    if (o.rate && o.vus) {
        throw std::invalid_argument(
            "-r/--rate and --vus are alternatives: -r sets an open model (requests per second), "
            "--vus a closed "
            "one (virtual users); keep one");
    }
    if (o.vus) {
        if (const auto set = find_set(o.sets, {"load.rate", "load.stages"})) {
            throw std::invalid_argument(
                fmt::format("--vus and --set {} are alternatives: --vus sets a closed model, "
                            "load.rate and load.stages an open "
                            "one; keep one",
                            *set));
        }
    }
    if (o.rate) {
        if (const auto set = find_set(o.sets, {"load.vus", "load.stages"})) {
            throw std::invalid_argument(fmt::format(
                "-r/--rate and --set {} are alternatives: -r sets one constant rate; keep one",
                *set));
        }
    }
    if (o.no_thresholds && o.scenario_file) {
        throw std::invalid_argument(
            "--no-thresholds: applies to quick runs (-u without a scenario file); a scenario "
            "file's thresholds are "
            "its own (edit them there)");
    }
    if (!o.scenario_file) {
        for (const auto& h : o.headers) {
            if (h.find(':') == std::string::npos)
                throw std::invalid_argument(
                    fmt::format("-H/--header: \"{}\": expected 'Name: value'", h));
        }
    }
    if (o.url) check_url_has_scheme(kUrlFlag, *o.url);
    check_formats("--format", o.formats, reports::kAllFormats);
    check_metrics_listen(o.metrics_listen);
}

// `volley run -u URL …` without a file: a skeleton scenario that the flags complete as
// overrides (quick_run_overrides), so that one loader validates both, every problem names its
// flag, and the run is described the same way in the report. JSON is YAML.
std::string quick_run_skeleton(const RunOptions& o, const std::string& host) {
    json::object load{{"duration", "10s"}};
    if (!o.vus) load["rate"] = "100/s";
    json::object scenario{
        {"name", host.empty() ? std::string("volley") : host},
        {"target", json::object{{"http", json::object{}}}},
        {"load", std::move(load)},
        {"requests",
         json::array{json::object{{"name", "default"}, {"method", "GET"}, {"path", "/"}}}}};
    // The default gate of a quick run (README, docs/scenarios.md): errors fail it.
    if (!o.no_thresholds && !find_set(o.sets, {"thresholds"})) {
        scenario["thresholds"] = json::array{json::string(kQuickRunThreshold)};
    }
    return json::serialize(scenario);
}

std::vector<std::string> quick_run_overrides(const RunOptions& o, std::string& host) {
    std::vector<std::string> sets;
    const auto parsed = boost::urls::parse_uri(*o.url);
    if (!parsed) {
        throw std::invalid_argument(fmt::format("{}: \"{}\" is not a URL ({})", kUrlFlag, *o.url,
                                                parsed.error().message()));
    }
    host = std::string(parsed->host());
    sets.push_back(flag_override(kUrlFlag, "target.http.base_url",
                                 fmt::format("{}://{}", std::string(parsed->scheme()),
                                             std::string(parsed->encoded_authority()))));
    std::string path = parsed->encoded_path().empty() ? "/" : std::string(parsed->encoded_path());
    if (parsed->has_query())
        path = fmt::format("{}?{}", path, std::string(parsed->encoded_query()));
    sets.push_back(flag_override(kUrlFlag, "requests[0].path", path));
    if (o.method) sets.push_back(flag_override("-m/--method", "requests[0].method", *o.method));
    if (!o.headers.empty()) {
        json::object headers;
        for (const auto& h : o.headers) {
            const auto colon = h.find(':');
            std::string value = h.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            headers[h.substr(0, colon)] = value;
        }
        sets.push_back(
            flag_override("-H/--header", "requests[0].headers", json::serialize(headers), false));
    }
    if (o.body) sets.push_back(flag_override("--body", "requests[0].body", *o.body));
    if (o.rate) sets.push_back(flag_override(kRateFlag, "load.rate", *o.rate));
    if (o.vus) sets.push_back(flag_override(kVusFlag, "load.vus", std::to_string(*o.vus)));
    return sets;
}

// Flags given with a scenario file override its keys, as --set does; -r and --vus replace the
// file's model (rate, stages or vus).
std::vector<std::string> file_run_overrides(const RunOptions& o) {
    std::vector<std::string> sets;
    if (o.url) sets.push_back(flag_override(kUrlFlag, "target.http.base_url", *o.url));
    if (o.rate) {
        sets.emplace_back("load.vus=~");
        sets.emplace_back("load.stages=~");
        sets.push_back(flag_override(kRateFlag, "load.rate", *o.rate));
    }
    if (o.vus) {
        sets.emplace_back("load.rate=~");
        sets.emplace_back("load.stages=~");
        sets.push_back(flag_override(kVusFlag, "load.vus", std::to_string(*o.vus)));
    }
    if (!o.method && o.headers.empty() && !o.body) return sets;
    throw std::invalid_argument(
        "-m/--method, -H/--header and --body describe the request of a -u run; a scenario "
        "file's requests are in the file (or use --set requests[0].method=…)");
}

// Flags that mean the same with or without a file, then the user's --set texts (last: they win).
void add_common_overrides(const RunOptions& o, std::vector<std::string>& sets) {
    if (o.duration) sets.push_back(flag_override("-d/--duration", "load.duration", *o.duration));
    if (o.connections)
        sets.push_back(flag_override("-c/--connections", "target.http.connections",
                                     std::to_string(*o.connections)));
    if (o.threads)
        sets.push_back(flag_override("-t/--threads", "load.threads", std::to_string(*o.threads)));
    if (o.warmup) sets.push_back(flag_override("-w/--warmup", "load.warmup", *o.warmup));
    if (o.out_dir) sets.push_back(flag_override("-o/--out", "output.dir", *o.out_dir));
    push_history_overrides(o.labels, o.store, sets);
    push_observe_overrides(o.observe, sets);
    if (o.insecure)
        sets.push_back(flag_override("-k/--insecure", "target.http.tls.insecure", "true"));
    push_protocol_override(o.protocol, sets);
    push_pipeline_override(o.pipeline, sets);
    sets.insert(sets.end(), o.sets.begin(), o.sets.end());
}

}  // namespace

int run_command(const RunOptions& options) {
    scenarios::Plan plan;
    try {
        const bool with_file = options.scenario_file.has_value();
        if (!with_file && !options.url) {
            std::cerr
                << "error: volley run needs a scenario file or -u URL (see volley run --help)\n";
            return kExitUsage;
        }
        check_flag_combinations(options);
        if (with_file) {
            auto sets = file_run_overrides(options);
            add_common_overrides(options, sets);
            plan = scenarios::load_plan(*options.scenario_file, sets);
        } else {
            std::string host;
            auto sets = quick_run_overrides(options, host);
            add_common_overrides(options, sets);
            plan = scenarios::load_plan_from_string(quick_run_skeleton(options, host),
                                                    "command line", sets);
        }
        apply_distributed_flags(options, plan.run);
    } catch (const scenarios::ScenarioError& e) {
        return pipeline::report_scenario_error(e);
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitUsage;
    }
    plan.output.formats = reports::formats_to_write(plan.output.formats);
    if (options.dump_schedule) return dump_schedule(plan, *options.dump_schedule);
    if (options.local) return run_local_segments(options, plan);
    return pipeline::execute_plan(
        std::move(plan),
        pipeline::ReportOptions{reports::formats_to_write(options.formats), options.quiet,
                                options.latency_spectrum, options.metrics_listen.value_or("")});
}

}  // namespace volley::apps
