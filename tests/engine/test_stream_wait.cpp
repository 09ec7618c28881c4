// Completion::stream_wait (a target's own queue, HTTP/2 waiting for a free stream): recorded in
// IntervalStats::stream_wait and left out of the service time; the response time still counts
// from the intended start.
#include "fakes/fake_target.hpp"
#include "fakes/stepped_run.hpp"

#include <catch2/catch.hpp>

using namespace volley::engine;
using namespace volley::testing;
using namespace std::chrono_literals;

namespace {

RunResult run_with(FakeTarget& target) {
    RunSpec spec;
    spec.profile = OpenProfile{10, {Stage{1s, 10}}, Arrival::uniform};
    spec.connections = 1;
    spec.handle_signals = false;
    ManualClock clock;
    RunInputs inputs{
        target, [](std::size_t, std::size_t) { return std::make_unique<StaticSource>(); }, {}, {}};
    return run_stepped(spec, inputs, clock);
}

}  // namespace

TEST_CASE("a target's stream wait is recorded and taken out of the service time") {
    // Every request takes 30 ms in all, 20 ms of which it waited for a stream.
    FakeTarget target([](Nanos) {
        FakeResponse response{30ms};
        response.stream_wait = 20ms;
        return response;
    });
    const auto result = run_with(target);
    const auto all = result.totals.combined();
    REQUIRE(all.outcomes[0] == 10);
    CHECK(result.totals.stream_wait.total_count() == 10);
    CHECK(result.totals.stream_wait.value_at_percentile(50) == Approx(20e6).epsilon(0.01));
    CHECK(all.service_time.value_at_percentile(50) == Approx(10e6).epsilon(0.01));
    CHECK(all.response_time.value_at_percentile(50) == Approx(30e6).epsilon(0.01));
}

TEST_CASE("a target without a queue reports no stream wait") {
    FakeTarget target([](Nanos) { return FakeResponse{30ms}; });
    const auto result = run_with(target);
    CHECK(result.totals.stream_wait.total_count() == 0);
    CHECK(result.totals.combined().service_time.value_at_percentile(50) ==
          Approx(30e6).epsilon(0.01));
}
