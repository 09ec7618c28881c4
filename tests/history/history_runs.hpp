// Real run directories for the history tests: a scenario loaded by the real loader, run by the
// pipeline (engine, thresholds, analysis, summary.json, latency.hlog, reports) against the fake
// target (tests/fakes/fake_target.hpp) on the real clock. What `volley run` writes, without a
// server; each run takes its duration in wall-clock time (keep them short).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "fakes/fake_target.hpp"

namespace volley::history::testing {

struct FakeRunOptions {
    std::string name = "nightly";  // scenario name
    double rate_rps = 200;
    std::string duration = "2s";
    std::map<std::string, std::string> labels;  // output.labels
    // The fake target's answer to the n-th request (default: ok after 2 ms).
    std::function<volley::testing::FakeResponse(std::uint64_t serial)> behaviour;
    bool tiers = false;  // the fake reports cache tiers (cache.hit_rate in the summary)
    std::string thresholds = "[\"error_rate < 50%\"]";  // YAML flow sequence
};

// Runs the scenario into `dir` (created; must not hold another run) and returns the pipeline's
// exit code. Throws std::runtime_error when the run could not be carried out.
int make_run_dir(const std::filesystem::path& dir, const FakeRunOptions& options);

}  // namespace volley::history::testing
