// `volley replay` (a capture on its own timeline) and `volley record` (a recording reverse
// proxy writing GoReplay captures): docs/replay.md.
#pragma once

#include "apps/cli_checks.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace volley::apps {

struct ReplayOptions {
    std::string file;  // the capture, or a scenario (.yaml/.yml) with a replay section
    std::optional<std::string> url;
    std::optional<std::string>
        format;  // gor | har | combined | jsonl (default: from the extension)
    std::optional<double> speed;
    std::optional<std::size_t> loop;
    std::optional<std::size_t> threads;
    std::optional<std::size_t> connections;
    std::optional<std::string> from, to, max_gap, outlier_gap, sample;
    std::vector<std::string> routes;  // path patterns, each names its requests
    bool strict = false;
    bool per_connection = false;
    bool insecure = false;                // -k: TLS certificate verification off
    std::optional<std::string> protocol;  // --protocol: target.http.protocol
    std::optional<std::string> pipeline;  // --pipeline: target.http.pipeline
    std::vector<std::string> sets;        // key.path=value
    std::optional<std::string> out_dir;
    std::vector<std::string> output_formats;
    std::vector<std::string> labels;            // --label key=value (repeatable)
    std::optional<std::string> store;           // --store postgresql://…
    std::optional<std::string> metrics_listen;  // --metrics-listen HOST:PORT (docs/metrics.md)
    ObserveFlags observe;                       // --observe-*: the observe: sources
    bool quiet = false;
    bool latency_spectrum = false;
};

int replay_command(const ReplayOptions& options);

// Registers `replay` and `record` on the CLI; their callbacks set exit_code.
void add_replay_commands(CLI::App& app, int& exit_code);

}  // namespace volley::apps
