// A run of journeys for the journey threshold and report tests: the real engine on a manual
// clock, FakeCheckedFlowSource (3 steps, a check and an extraction on step 2, every
// `bad_every`-th journey bad) and a catalog describing it by hand.
//
// Timing: 10 journeys/s, arrivals at 0, 100, 200 ms, …; think 10 ms. The fake target answers
// by the send time's phase within the 100 ms period: step 1 (sent at +0) in 5 ms, step 2 (sent
// at +15 ms) in 20 ms, step 3 (sent at +45 ms) in 50 ms. A good journey lasts
// 5 + 10 + 20 + 10 + 50 = 95 ms, a bad one (ends failed after step 2) 5 + 10 + 20 = 35 ms;
// journeys never overlap, and each lies within one 1 s interval.
#pragma once

#include "engine/runner.hpp"
#include "fakes/fake_checked_flow_source.hpp"
#include "fakes/fake_target.hpp"
#include "fakes/stepped_run.hpp"
#include "thresholds/run_catalog.hpp"

#include <chrono>
#include <vector>

namespace volley::journey_test {

using namespace std::chrono_literals;
using engine::Nanos;

inline engine::RunSpec journey_spec(Nanos duration) {
    engine::RunSpec spec;
    spec.profile = engine::OpenProfile{10, {engine::Stage{duration, 10}}, engine::Arrival::uniform};
    spec.connections = 16;
    spec.threads = 1;
    spec.handle_signals = false;
    spec.drain = 2s;
    spec.request_names = {"shop.browse", "shop.cart", "shop.pay"};
    spec.flow_names = {"shop"};
    spec.counter_names = {"cart ok.pass", "cart ok.fail", "shop.cart.extract_error"};
    return spec;
}

// Journey "shop" (tag team:web) with steps browse (speed:fast), cart (speed:fast, carries the
// check "cart ok" and the extraction) and pay (speed:slow).
inline thresholds::RunCatalog journey_catalog() {
    thresholds::RunCatalog catalog;
    catalog.journeys = {{"shop", {0, 1, 2}, {{"team", "web"}}}};
    catalog.request_journey = {0, 0, 0};
    catalog.request_tags = {{{"team", "web"}, {"speed", "fast"}},
                            {{"team", "web"}, {"speed", "fast"}},
                            {{"team", "web"}, {"speed", "slow"}}};
    using Source = testing::FakeCheckedFlowSource;
    catalog.checks = {{"cart ok", 1, Source::kCheckPass, Source::kCheckFail}};
    catalog.extract_error_counter = {std::nullopt, Source::kExtractError, std::nullopt};
    catalog.counter_names = journey_spec(1s).counter_names;
    return catalog;
}

inline testing::FakeResponse phase_latency(Nanos run_time) {
    const Nanos phase = run_time % Nanos{100ms};
    if (phase < 10ms) return testing::FakeResponse{5ms};
    if (phase < 40ms) return testing::FakeResponse{20ms};
    return testing::FakeResponse{50ms};
}

inline engine::RunResult run_journeys(const engine::RunSpec& spec, std::uint64_t bad_every,
                                      std::vector<engine::IntervalListener*> listeners = {}) {
    testing::FakeTarget target(phase_latency);
    engine::RunInputs inputs{target,
                             [bad_every](std::size_t, std::size_t) {
                                 return std::make_unique<testing::FakeCheckedFlowSource>(10ms,
                                                                                         bad_every);
                             },
                             {},
                             std::move(listeners)};
    testing::ManualClock clock;
    return testing::run_stepped(spec, inputs, clock);
}

}  // namespace volley::journey_test
