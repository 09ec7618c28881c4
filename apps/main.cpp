// The volley CLI (README.md, docs/scenarios.md "The command line: flags and quick runs"): parse ->
// build -> run -> exit code. Thin by design.
#include "apps/cli_checks.hpp"
#include "apps/compare_command.hpp"
#include "apps/demo_command.hpp"
#include "apps/history_command.hpp"
#include "apps/k8s_command.hpp"
#include "apps/merge_command.hpp"
#include "apps/replay_command.hpp"
#include "apps/report_commands.hpp"
#include "apps/resolver_commands.hpp"
#include "apps/run_command.hpp"
#include "apps/slo_command.hpp"
#include "apps/validate_command.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace {

void add_run_options(CLI::App& cmd, volley::apps::RunOptions& o) {
    cmd.add_option("-u,--url", o.url, "Target URL (http:// or https://), like wrk/vegeta");
    cmd.add_option("-r,--rate", o.rate,
                   "Open model: requests per second (e.g. 2000 or 2000/s, 6000/m)");
    cmd.add_option("-d,--duration", o.duration,
                   "How long to send (e.g. 30s, 2m, 1h30m); default 10s");
    cmd.add_option("-c,--connections", o.connections,
                   "Connections (open model), across all threads");
    cmd.add_option("--vus", o.vus, "Closed model: virtual users, each one connection");
    cmd.add_option("-t,--threads", o.threads, "Worker threads (default: number of cores)");
    cmd.add_option("-w,--warmup", o.warmup, "Warm-up before measuring (run, not recorded)");
    cmd.add_option("-m,--method", o.method, "HTTP method for -u runs (default GET)");
    cmd.add_option("-H,--header", o.headers,
                   "Request header 'Name: value' for -u runs (repeatable)");
    cmd.add_option("--body", o.body, "Request body for -u runs");
    cmd.add_option("--set", o.sets, "Override a scenario key: key.path=value (repeatable)");
    cmd.add_option("-o,--out", o.out_dir, "Output directory (default results/<name>-<UTC time>)");
    cmd.add_option("--format", o.formats,
                   "Output formats: json,hlog,md,html,junit,csv,hgrm (default all)")
        ->delimiter(',');
    volley::apps::add_history_flags(cmd, o.labels, o.store);
    volley::apps::add_observe_flags(cmd, o.observe);
    volley::apps::add_metrics_listen_flag(cmd, o.metrics_listen);
    cmd.add_flag("-k,--insecure", o.insecure,
                 "https: do not verify the server's certificate (said in the report)");
    volley::apps::add_protocol_flag(cmd, o.protocol);
    volley::apps::add_pipeline_flag(cmd, o.pipeline);
    cmd.add_flag("--no-thresholds", o.no_thresholds,
                 "-u runs without a file: drop the default threshold error_rate < 1%");
    cmd.add_option(
        "--segment", o.segment,
        "Run segment i of n (0-based, e.g. 2/4) of a distributed run (docs/distributed.md)");
    cmd.add_option("--segments", o.segments,
                   "Number of segments: the index comes from JOB_COMPLETION_INDEX (Kubernetes), or "
                   "with --local every segment runs here");
    cmd.add_flag("--local", o.local,
                 "With --segments N: run the N segments as processes on this machine, then merge");
    cmd.add_option("--start-at", o.start_at,
                   "Begin at this wall-clock time (RFC 3339, a whole second, e.g. "
                   "2026-12-06T10:00:00Z) or +DURATION from now (e.g. +30s)");
    cmd.add_option(
        "--max-start-lag", o.max_start_lag,
        "With --start-at: refuse to begin (exit 3) later than this after it (default 1s)");
    cmd.add_option("--dump-schedule", o.dump_schedule,
                   "Write the segment's intended arrivals to FILE ('-': stdout) and exit, sending "
                   "nothing");
    cmd.add_flag("-q,--quiet", o.quiet, "No progress line and no console summary");
    cmd.add_flag("--latency", o.latency_spectrum, "Print the full latency percentile spectrum");
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"volley: load testing and traffic replay with honest latency"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("volley ") + VOLLEY_VERSION);
    int exit_code = 0;

    volley::apps::RunOptions run_options;
    auto* run = app.add_subcommand("run", "Run a scenario file, or a quick test with -u/-r/-d");
    run->add_option("scenario", run_options.scenario_file, "Scenario YAML file");
    add_run_options(*run, run_options);
    run->callback([&] { exit_code = volley::apps::run_command(run_options); });

    std::vector<std::string> validate_files;
    auto* validate = app.add_subcommand(
        "validate", "Check scenario files (and SLO scenarios) without running them");
    validate
        ->add_option("files", validate_files,
                     "Scenario YAML files (SLO scenarios of volley slo too)")
        ->required();
    validate->callback(
        [&] { exit_code = volley::apps::validate_command(validate_files, std::cerr); });

    volley::apps::add_report_commands(app, exit_code);
    volley::apps::add_compare_command(app, exit_code);
    volley::apps::add_resolver_commands(app, exit_code);
    volley::apps::add_replay_commands(app, exit_code);
    volley::apps::add_slo_command(app, exit_code);
    volley::apps::add_demo_command(app, exit_code);
    volley::apps::add_history_command(app, exit_code);
    volley::apps::add_merge_command(app, exit_code);
    volley::apps::add_k8s_command(app, exit_code);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return volley::apps::kExitUsage;
    }
    return exit_code;
}
