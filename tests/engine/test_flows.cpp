// Flows (journeys) in the engine, on a manual clock: each step's intended start is the previous
// completion plus the think time, a flow holds its slot, a stall shows in the step it hit and in
// the flow's duration, and flows begun before the schedule ends finish in the drain. Durations
// are derived by hand in each test and asserted to the histogram's resolution.
#include "engine/runner.hpp"

#include "fakes/fake_flow_source.hpp"
#include "fakes/fake_target.hpp"
#include "fakes/stepped_run.hpp"

#include <catch2/catch.hpp>

using namespace volley::engine;
using namespace std::chrono_literals;
using volley::testing::FakeFlowSource;
using volley::testing::FakeResponse;
using volley::testing::FakeTarget;
using volley::testing::ManualClock;
using volley::testing::run_stepped;

namespace {

RunSpec flow_spec(std::variant<OpenProfile, ClosedProfile> profile, std::size_t connections) {
    RunSpec spec;
    spec.profile = std::move(profile);
    spec.connections = connections;
    spec.handle_signals = false;
    spec.drain = 2s;
    spec.request_names = {"step1", "step2", "step3"};
    spec.flow_names = {"journey"};
    spec.counter_names = {"judged"};
    return spec;
}

OpenProfile per_second(double rate, Nanos duration) {
    return OpenProfile{rate, {Stage{duration, rate}}, Arrival::uniform};
}

RunResult run_flows(const RunSpec& spec, FakeTarget& target, Nanos think, int fail_after = -1) {
    ManualClock clock;
    RunInputs inputs{target,
                     [=](std::size_t, std::size_t) {
                         return std::make_unique<FakeFlowSource>(3, think, fail_after);
                     },
                     {},
                     {}};
    return run_stepped(spec, inputs, clock);
}

std::int64_t reported(const HdrHistogram& histogram, Nanos d) {
    return histogram.highest_equivalent_value(d.count());
}

std::uint64_t ok(const RunResult& result, std::size_t step) {
    return result.totals.per_request[step].outcomes[static_cast<std::size_t>(Outcome::ok)];
}

}  // namespace

TEST_CASE("an open-model journey runs its steps back to back, think time apart") {
    // 10 journeys/s for 1 s: arrivals at 0, 100, ..., 900 ms; 3 steps of 5 ms, 10 ms apart:
    // every journey lasts 5 + 10 + 5 + 10 + 5 = 35 ms.
    FakeTarget target([](Nanos) { return FakeResponse{5ms}; });
    const auto result = run_flows(flow_spec(per_second(10, 1s), 4), target, 10ms);
    CHECK(target.sent == 30);
    for (std::size_t step = 0; step < 3; ++step) CHECK(ok(result, step) == 10);
    REQUIRE(result.totals.per_flow.size() == 1);
    const FlowStats& flow = result.totals.per_flow[0];
    CHECK(flow.started == 10);
    CHECK(flow.completed == 10);
    CHECK(flow.failed == 0);
    CHECK(flow.duration.total_count() == 10);
    CHECK(flow.duration.min() == flow.duration.lowest_equivalent_value(35'000'000));
    CHECK(flow.duration.max() == reported(flow.duration, 35ms));
    // Steps 2 and 3 are measured from their intended starts (completion + think): 5 ms each.
    CHECK(result.totals.per_request[1].response_time.max() ==
          reported(result.totals.per_request[1].response_time, 5ms));
    CHECK(result.totals.counters.at(0) == 30);  // the source judged every completion
    CHECK(result.flow_names == std::vector<std::string>{"journey"});
}

TEST_CASE("a stall shows in the step it hit and in the journey duration") {
    // Requests sent in [100 ms, 300 ms) are held until 300 ms. Journeys arrive every 100 ms.
    // - at 100: step 1 sent at 100, answered at 300 (200 ms); step 2 due 310, done 315; step 3
    //   due 325, done 330: duration 230 ms.
    // - at 200: step 1 answered at 300 (100 ms): duration 100 + 10 + 5 + 10 + 5 = 130 ms.
    // - the 8 others: 35 ms, every step 5 ms (the one at 0 ends at 35, before the stall).
    const Nanos stall_start = 100ms, stall_end = 300ms;
    FakeTarget target([&](Nanos now) {
        if (now >= stall_start && now < stall_end) return FakeResponse{stall_end - now};
        return FakeResponse{5ms};
    });
    const auto result = run_flows(flow_spec(per_second(10, 1s), 4), target, 10ms);
    const auto& step1 = result.totals.per_request[0].response_time;
    const auto& step2 = result.totals.per_request[1].response_time;
    const auto& duration = result.totals.per_flow[0].duration;
    CHECK(step1.total_count() == 10);
    CHECK(step1.max() == reported(step1, 200ms));
    CHECK(step1.count_at_value(reported(step1, 100ms)) == 1);
    CHECK(step1.count_at_value(reported(step1, 5ms)) == 8);
    CHECK(step2.max() == reported(step2, 5ms));  // its intended start came after the stall
    CHECK(duration.total_count() == 10);
    CHECK(duration.max() == reported(duration, 230ms));
    CHECK(duration.count_at_value(reported(duration, 130ms)) == 1);
    CHECK(duration.count_at_value(reported(duration, 35ms)) == 8);
}

TEST_CASE("a journey that fails at a step ends there, counted as failed") {
    FakeTarget target([](Nanos) { return FakeResponse{5ms}; });
    const auto result = run_flows(flow_spec(per_second(10, 1s), 4), target, 10ms, 1);
    CHECK(target.sent == 20);  // steps 1 and 2 only
    CHECK(ok(result, 2) == 0);
    const FlowStats& flow = result.totals.per_flow[0];
    CHECK(flow.started == 10);
    CHECK(flow.failed == 10);
    CHECK(flow.completed == 0);
    CHECK(flow.duration.max() == reported(flow.duration, 20ms));  // 5 + 10 + 5
}

TEST_CASE("a journey holds its connection; arrivals without one wait in the queue") {
    // One connection; journeys of 35 ms arrive every 20 ms: each waits for the one before.
    // Journey k (arriving at 20k ms) starts at 35k ms, so step 1's response time is
    // 35k - 20k + 5 = 15k + 5 ms, and its duration 15k + 35 ms; k = 0..4.
    FakeTarget target([](Nanos) { return FakeResponse{5ms}; });
    auto spec = flow_spec(per_second(50, 100ms), 1);
    spec.max_in_flight = 100;
    const auto result = run_flows(spec, target, 10ms);
    const auto& duration = result.totals.per_flow[0].duration;
    CHECK(result.totals.per_flow[0].completed == 5);
    CHECK(duration.max() == reported(duration, 95ms));  // k = 4: 60 + 35
    CHECK(result.totals.per_request[0].response_time.max() ==
          reported(result.totals.per_request[0].response_time, 65ms));
    CHECK(result.totals.per_request[1].response_time.max() ==
          reported(result.totals.per_request[1].response_time, 5ms));
}

TEST_CASE("journeys begun before the schedule ends finish in the drain") {
    // 10/s for 1 s with 500 ms think: the journey arriving at 900 ms sends its steps at 900,
    // 1405 and 1910 ms, after the schedule's end; the drain (2 s) lets it finish.
    FakeTarget target([](Nanos) { return FakeResponse{5ms}; });
    const auto result = run_flows(flow_spec(per_second(10, 1s), 10), target, 500ms);
    CHECK(result.totals.per_flow[0].completed == 10);
    CHECK(target.sent == 30);
    CHECK(result.measured == 1s);
    CHECK(result.drain == 915ms);  // the last answer at 1915 ms
}

TEST_CASE("closed model: pacing counts from each journey's start") {
    // 1 VU, pacing 100 ms: journeys start at 0, 100, ..., 900 ms and last 35 ms each.
    FakeTarget target([](Nanos) { return FakeResponse{5ms}; });
    const auto result = run_flows(flow_spec(ClosedProfile{1, 1s, {}, 100ms}, 1), target, 10ms);
    const FlowStats& flow = result.totals.per_flow[0];
    CHECK(flow.started == 10);
    CHECK(flow.completed == 10);
    CHECK(flow.duration.max() == reported(flow.duration, 35ms));
    CHECK(result.totals.per_request[0].response_time.max() ==
          reported(result.totals.per_request[0].response_time, 5ms));
}

TEST_CASE("journeys still thinking when the drain runs out are counted interrupted") {
    // 10/s for 1 s, 5 s think: every journey waits for its step 2 when the 2 s drain ends at
    // 3 s; the run then gives up on them.
    FakeTarget target([](Nanos) { return FakeResponse{5ms}; });
    const auto result = run_flows(flow_spec(per_second(10, 1s), 10), target, 5s);
    const FlowStats& flow = result.totals.per_flow[0];
    CHECK(flow.started == 10);
    CHECK(flow.interrupted == 10);
    CHECK(flow.completed == 0);
    CHECK(flow.duration.total_count() == 0);
    CHECK(target.sent == 10);
    CHECK(result.drain == 2s);
}
