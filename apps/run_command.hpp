// `volley run`: scenario (or command-line flags) -> plan -> engine run -> reports -> exit code.
#pragma once

#include "apps/cli_checks.hpp"

#include "pipeline/exit_codes.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace volley::apps {

// The commands use the pipeline's exit codes (pipeline/exit_codes.hpp).
using pipeline::kExitCannotRun;
using pipeline::kExitInterrupted;
using pipeline::kExitPass;
using pipeline::kExitThresholdFailed;
using pipeline::kExitUsage;

struct RunOptions {
    std::optional<std::string> scenario_file;
    std::optional<std::string> url;
    std::optional<std::string> rate;      // "2000", "2000/s", "6000/m"
    std::optional<std::string> duration;  // "30s"
    std::optional<std::string> warmup;
    std::optional<std::size_t> connections;
    std::optional<std::size_t> vus;
    std::optional<std::size_t> threads;
    std::optional<std::string> method;
    std::vector<std::string> headers;  // "Name: value"
    std::optional<std::string> body;
    std::vector<std::string> sets;  // key.path=value
    std::optional<std::string> out_dir;
    std::vector<std::string> formats;
    std::vector<std::string> labels;   // "key=value" (--label, repeatable): summary.json labels
    std::optional<std::string> store;  // --store postgresql://…: the history store
    ObserveFlags observe;              // --observe-*: the observe: sources
    std::optional<std::string> metrics_listen;  // --metrics-listen HOST:PORT (docs/metrics.md)
    // Distributed runs (docs/distributed.md): `--segment i/n`, `--segments n` (the index from
    // JOB_COMPLETION_INDEX, or every segment with --local), `--start-at`, `--max-start-lag`,
    // `--dump-schedule FILE|-`.
    std::optional<std::string> segment;
    std::optional<std::size_t> segments;
    bool local = false;
    std::optional<std::string> start_at;
    std::optional<std::string> max_start_lag;
    std::optional<std::string> dump_schedule;
    bool quiet = false;
    bool latency_spectrum = false;
    bool insecure = false;                // -k: TLS certificate verification off
    std::optional<std::string> protocol;  // --protocol: target.http.protocol
    std::optional<std::string> pipeline;  // --pipeline: target.http.pipeline
    bool no_thresholds = false;           // a quick run without its default threshold
};

// The threshold a quick run (-u without a scenario file) gets unless --no-thresholds or a
// --set thresholds… is given.
inline constexpr std::string_view kQuickRunThreshold = "error_rate < 1%";

int run_command(const RunOptions& options);

}  // namespace volley::apps
