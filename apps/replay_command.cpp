#include "apps/replay_command.hpp"

#include "apps/cli_checks.hpp"
#include "apps/record_command.hpp"
#include "apps/run_command.hpp"
#include "pipeline/run_pipeline.hpp"
#include "reports/run_outputs.hpp"
#include "scenarios/language/loader.hpp"
#include "scenarios/language/overrides.hpp"

#include <boost/json/serialize.hpp>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <memory>

namespace volley::apps {
namespace json = boost::json;

namespace {

bool is_scenario_file(const std::string& file) {
    const auto extension = std::filesystem::path(file).extension().string();
    return extension == ".yaml" || extension == ".yml";
}

// "capture.gor.gz" -> "capture".
std::string run_name(const std::string& file) {
    std::filesystem::path path(file);
    if (path.extension() == ".gz") path = path.stem();
    const std::string stem = path.stem().string();
    return stem.empty() ? std::string("replay") : stem;
}

// The flags as overrides (each named by its flag in diagnostics), applied to a scenario file or
// to the generated one, then the --set texts (last: they win).
std::vector<std::string> overrides_from_flags(const ReplayOptions& o) {
    using scenarios::flag_override;
    std::vector<std::string> sets;
    if (o.url) sets.push_back(flag_override("-u/--url", "target.http.base_url", *o.url));
    if (o.format) sets.push_back(flag_override("--format", "replay.format", *o.format));
    if (o.speed)
        sets.push_back(flag_override("--speed", "replay.speed", fmt::format("{}", *o.speed)));
    if (o.loop) sets.push_back(flag_override("--loop", "replay.loop", std::to_string(*o.loop)));
    if (o.from) sets.push_back(flag_override("--from", "replay.from", *o.from));
    if (o.to) sets.push_back(flag_override("--to", "replay.to", *o.to));
    if (o.max_gap) sets.push_back(flag_override("--max-gap", "replay.max_gap", *o.max_gap));
    if (o.outlier_gap)
        sets.push_back(flag_override("--outlier-gap", "replay.outlier_gap", *o.outlier_gap));
    if (o.sample) sets.push_back(flag_override("--sample", "replay.sample", *o.sample));
    if (o.strict) sets.push_back(flag_override("--strict", "replay.strict", "true"));
    if (o.per_connection)
        sets.push_back(flag_override("--per-connection", "replay.per_connection", "true"));
    if (o.connections)
        sets.push_back(flag_override("-c/--connections", "target.http.connections",
                                     std::to_string(*o.connections)));
    if (o.threads)
        sets.push_back(flag_override("-t/--threads", "load.threads", std::to_string(*o.threads)));
    if (o.out_dir) sets.push_back(flag_override("-o/--out", "output.dir", *o.out_dir));
    if (o.insecure)
        sets.push_back(flag_override("-k/--insecure", "target.http.tls.insecure", "true"));
    push_protocol_override(o.protocol, sets);
    push_pipeline_override(o.pipeline, sets);
    push_history_overrides(o.labels, o.store, sets);
    push_observe_overrides(o.observe, sets);
    sets.insert(sets.end(), o.sets.begin(), o.sets.end());
    return sets;
}

// `volley replay FILE -u URL`: the scenario the flags describe (JSON is YAML); the URL comes
// from the -u override.
std::string scenario_from_flags(const ReplayOptions& o) {
    json::object replay{{"file", o.file}};
    if (!o.routes.empty()) {
        json::array routes;
        for (const auto& route : o.routes) routes.push_back(json::string(route));
        replay["routes"] = std::move(routes);
    }
    json::object scenario{{"name", run_name(o.file)},
                          {"target", json::object{{"http", json::object{}}}},
                          {"replay", std::move(replay)}};
    return json::serialize(scenario);
}

}  // namespace

int replay_command(const ReplayOptions& options) {
    scenarios::Plan plan;
    try {
        const bool scenario = is_scenario_file(options.file);
        if (!scenario && !options.url) {
            std::cerr << "error: volley replay needs -u URL: where to send the capture (see volley "
                         "replay --help)\n";
            return kExitUsage;
        }
        if (scenario && !options.routes.empty()) {
            std::cerr << "error: --route applies to a capture file; write routes in the scenario's "
                         "replay section\n";
            return kExitUsage;
        }
        if (options.url) check_url_has_scheme("-u/--url", *options.url);
        check_formats("--output-format", options.output_formats, reports::kAllFormats);
        check_metrics_listen(options.metrics_listen);
        const auto sets = overrides_from_flags(options);
        plan = scenario ? scenarios::load_plan(options.file, sets)
                        : scenarios::load_plan_from_string(scenario_from_flags(options),
                                                           "command line", sets);
        if (!plan.replay) {
            std::cerr << "error: " << options.file
                      << ": the scenario has no replay section (run it with volley run)\n";
            return kExitUsage;
        }
    } catch (const scenarios::ScenarioError& e) {
        return pipeline::report_scenario_error(e);
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitUsage;
    }
    plan.output.formats = reports::formats_to_write(plan.output.formats);
    return pipeline::execute_plan(
        std::move(plan),
        pipeline::ReportOptions{reports::formats_to_write(options.output_formats), options.quiet,
                                options.latency_spectrum, options.metrics_listen.value_or("")});
}

void add_replay_commands(CLI::App& app, int& exit_code) {
    auto replay_options = std::make_shared<ReplayOptions>();
    auto& o = *replay_options;
    auto* replay = app.add_subcommand(
        "replay",
        "Replay a capture (GoReplay .gor, HAR, access log, JSONL; .gz too) on its own timeline");
    replay->add_option("file", o.file, "Capture file, or a scenario YAML with a replay section")
        ->required();
    replay->add_option("-u,--url", o.url,
                       "Where to send the requests (replaces each record's scheme and host)");
    replay->add_option("--format", o.format, "Capture format (default: from the extension)")
        ->check(CLI::IsMember({"gor", "har", "combined", "jsonl"}));
    replay->add_option("--speed", o.speed, "Timeline speed factor (2 = twice as fast; default 1)");
    replay->add_option("--loop", o.loop,
                       "Play the capture N times, each pass one span later (default 1)");
    replay->add_option("--from", o.from, "Start at this capture time (e.g. 10m)");
    replay->add_option("--to", o.to, "Stop at this capture time (e.g. 20m)");
    replay->add_option("--max-gap", o.max_gap, "Shorten idle gaps longer than this (e.g. 5s)");
    replay->add_option("--outlier-gap", o.outlier_gap,
                       "Quarantine records further than this from their neighbours' time "
                       "(default 1h; 0 = off)");
    replay->add_option("--sample", o.sample,
                       "Replay this share of the records (e.g. 10%), the same ones each run");
    replay
        ->add_option("--route", o.routes,
                     "Name requests by path pattern, e.g. '/entities/*/ancestors' (repeatable)")
        ->allow_extra_args(false);
    replay->add_flag("--strict", o.strict,
                     "Fail (exit 2) on the first malformed record instead of skipping it");
    replay->add_flag("--per-connection", o.per_connection,
                     "Send each recorded client connection's requests in order on one connection");
    replay->add_option("-t,--threads", o.threads, "Worker threads (default: number of cores)");
    replay->add_option("-c,--connections", o.connections,
                       "Connections across all threads (default 64)");
    replay->add_option("--set", o.sets, "Override a scenario key: key.path=value (repeatable)")
        ->allow_extra_args(false);
    replay->add_option("-o,--out", o.out_dir,
                       "Output directory (default results/<name>-<UTC time>)");
    replay
        ->add_option("--output-format", o.output_formats,
                     "Report files: json,hlog,md,html,junit,csv,hgrm (default all)")
        ->delimiter(',');
    add_history_flags(*replay, o.labels, o.store);
    add_observe_flags(*replay, o.observe);
    add_metrics_listen_flag(*replay, o.metrics_listen);
    replay->add_flag("-k,--insecure", o.insecure,
                     "https: do not verify the server's certificate (said in the report)");
    add_protocol_flag(*replay, o.protocol);
    add_pipeline_flag(*replay, o.pipeline);
    replay->add_flag("-q,--quiet", o.quiet, "No progress line and no console summary");
    replay->add_flag("--latency", o.latency_spectrum, "Print the full latency percentile spectrum");
    replay->callback([&exit_code, replay_options] { exit_code = replay_command(*replay_options); });

    auto record_options = std::make_shared<RecordOptions>();
    auto* record = app.add_subcommand(
        "record",
        "Record traffic as a reverse proxy into a GoReplay capture, until SIGINT/SIGTERM");
    record->add_option("--listen", record_options->listen,
                       "HOST:PORT to listen on (default 127.0.0.1:8079)");
    record
        ->add_option("--upstream", record_options->upstream,
                     "http[s]://host:port[/prefix] the requests are forwarded to (https: "
                     "certificate verified)")
        ->required();
    record
        ->add_option("-o,--out", record_options->output, "Capture file (.gor, or .gor.gz for gzip)")
        ->required();
    record->add_option("--tls-cert", record_options->tls_cert,
                       "PEM certificate chain: listen with TLS (needs --tls-key)");
    record->add_option("--tls-key", record_options->tls_key, "PEM private key of --tls-cert");
    record->add_option("--ca-file", record_options->ca_file,
                       "https upstream: trust this PEM CA or certificate instead of the system's");
    record->add_flag("--insecure", record_options->insecure,
                     "https upstream: do not verify its certificate (a warning is printed)");
    record->add_flag("-q,--quiet", record_options->quiet, "No start and stop messages");
    record->callback([&exit_code, record_options] { exit_code = record_command(*record_options); });
}

}  // namespace volley::apps
