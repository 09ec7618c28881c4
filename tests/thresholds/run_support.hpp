// Helpers for the threshold and analysis tests: runs of the real engine against the fake target
// on a manual clock (fakes/stepped_run.hpp: the fake's latencies are exact virtual durations and
// a run of seconds takes milliseconds), and access to the JSON the reports produce.
#pragma once

#include "engine/runner.hpp"
#include "fakes/fake_target.hpp"
#include "fakes/stepped_run.hpp"
#include "scenarios/language/plan.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace volley::thresholds_test {

using namespace std::chrono_literals;
using engine::Nanos;

// A constant-rate open-model run on one worker (so that the fake target sees requests in the
// source's order), without signal handling. Fakes answer slowly (up to 1 s): connections and
// drain leave room for that. The fake's behaviour gets the run time of each send.
inline engine::RunSpec open_spec(double rate_rps, Nanos duration, std::size_t names = 1) {
    engine::RunSpec spec;
    spec.profile = engine::OpenProfile{
        rate_rps, {engine::Stage{duration, rate_rps}}, engine::Arrival::uniform};
    spec.connections = 1024;
    spec.threads = 1;
    spec.handle_signals = false;
    spec.drain = 3s;
    spec.request_names.clear();
    for (std::size_t i = 0; i < names; ++i) spec.request_names.push_back("r" + std::to_string(i));
    return spec;
}

inline engine::RunResult run_with(const engine::RunSpec& spec, testing::FakeTarget& target,
                                  std::vector<engine::IntervalListener*> listeners = {}) {
    const auto names = static_cast<std::uint32_t>(spec.request_names.size());
    engine::RunInputs inputs{target,
                             [names](std::size_t, std::size_t) {
                                 return std::make_unique<testing::StaticSource>(names);
                             },
                             {},
                             std::move(listeners)};
    testing::ManualClock clock;
    return testing::run_stepped(spec, inputs, clock);
}

inline scenarios::ThresholdSpec threshold(std::string expr,
                                          std::optional<std::string> request = std::nullopt,
                                          std::optional<Nanos> window = std::nullopt) {
    scenarios::ThresholdSpec spec;
    spec.expr = std::move(expr);
    spec.request = std::move(request);
    spec.window = window;
    return spec;
}

inline scenarios::ThresholdSpec aborting(std::string expr, Nanos delay = Nanos{0},
                                         std::optional<Nanos> window = std::nullopt) {
    auto spec = threshold(std::move(expr), std::nullopt, window);
    spec.abort_on_fail = true;
    spec.delay_abort = delay;
    return spec;
}

inline const boost::json::object& at(const boost::json::array& results, std::size_t index) {
    return results.at(index).as_object();
}
inline double number(const boost::json::object& object, std::string_view key) {
    return object.at(key).to_number<double>();
}
inline bool passed(const boost::json::array& results, std::size_t index) {
    return at(results, index).at("pass").as_bool();
}
inline double actual(const boost::json::array& results, std::size_t index) {
    return number(at(results, index), "actual");
}

// The run's intervals as text, for failure messages: "t_s requests errors p99_ms; …".
inline std::string describe_intervals(const engine::RunResult& result) {
    std::string text;
    for (const auto& row : result.intervals) {
        text += std::to_string(row.t_s) + "s n=" + std::to_string(row.requests) +
                " err=" + std::to_string(row.errors) +
                " p99=" + std::to_string(static_cast<double>(row.p99_ns) / 1e6) + "ms; ";
    }
    return text;
}

}  // namespace volley::thresholds_test
