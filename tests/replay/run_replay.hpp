// Runs a replay through the engine against an HTTP server on loopback, as `volley replay`
// does, without the command's reports: for tests that look at what the server received.
#pragma once

#include "engine/runner.hpp"
#include "replay/replay_run.hpp"
#include "targets/http_target.hpp"

#include <string>

namespace volley::replay_test {

struct ReplayRunOptions {
    std::size_t threads = 2;
    std::size_t connections = 32;
};

inline engine::RunResult run_replay(const replay::ReplaySpec& spec, const std::string& url,
                                    ReplayRunOptions options = {}) {
    replay::ReplayRun replay(spec, 1);
    engine::RunSpec run;
    run.profile = engine::OpenProfile{};
    run.request_names = {spec.catch_all_name};
    run.threads = options.threads;
    run.connections = options.connections;
    run.handle_signals = false;
    run.drain = std::chrono::seconds(2);
    targets::HttpTargetConfig config;
    config.base_url = url;
    targets::HttpTarget target(config);
    replay.prepare(run.segment, run.threads);
    engine::RunInputs inputs{target,
                             [&](std::size_t worker, std::size_t workers) {
                                 return replay.make_source(worker, workers);
                             },
                             [&](std::size_t worker, std::size_t workers) {
                                 return replay.make_schedule(worker, workers);
                             },
                             {}};
    return engine::run(run, inputs);
}

}  // namespace volley::replay_test
