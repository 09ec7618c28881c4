// A run with a start time (RunSpec::start_at, docs/distributed.md "Synchronised start") on a
// manual clock whose wall clock moves with it: the wait, t0 = start_at, the recorded lag, the
// refusal of a missed start, and a signal during the wait.
#include "engine/clock_sync.hpp"
#include "engine/runner.hpp"

#include "fakes/fake_target.hpp"
#include "fakes/stepped_run.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <sys/timex.h>

#include <csignal>

using namespace volley::engine;
using namespace std::chrono_literals;
using volley::testing::FakeResponse;
using volley::testing::FakeTarget;
using volley::testing::ManualClock;
using volley::testing::run_stepped;
using volley::testing::StaticSource;
using WallTime = std::chrono::system_clock::time_point;

namespace {

// 10 requests per second for `duration`, with a start time.
RunSpec spec_starting_at(WallTime start_at, Nanos duration = 2s) {
    RunSpec spec;
    spec.profile = OpenProfile{10, {Stage{duration, 10}}, Arrival::uniform};
    spec.connections = 4;
    spec.handle_signals = false;
    spec.drain = 1s;
    spec.start_at = start_at;
    return spec;
}

RunInputs inputs_for(FakeTarget& target, std::vector<IntervalListener*> listeners = {}) {
    return RunInputs{target,
                     [](std::size_t, std::size_t) { return std::make_unique<StaticSource>(); },
                     {},
                     std::move(listeners)};
}

// The wall time of every interval's publication.
class IntervalWallTimes final : public IntervalListener {
public:
    explicit IntervalWallTimes(const ManualClock& clock) : clock_(clock) {}
    std::optional<std::string> on_interval(const IntervalReport&) override {
        times.push_back(clock_.wall_now());
        return std::nullopt;
    }
    std::vector<WallTime> times;

private:
    const ManualClock& clock_;
};

}  // namespace

TEST_CASE("a run with a start time waits for it: run time 0 is start_at on the wall clock") {
    ManualClock clock;
    const WallTime start_at = ManualClock::kWallStart + 5s;
    clock.set_wall_now(ManualClock::kWallStart + 300ms);  // not on a whole second
    std::vector<WallTime> sends;
    FakeTarget target([&](Nanos) {
        sends.push_back(clock.wall_now());
        return FakeResponse{1ms};
    });
    IntervalWallTimes intervals(clock);
    auto inputs = inputs_for(target, {&intervals});
    std::optional<Nanos> announced_wait;
    inputs.on_start_wait = [&](WallTime at, Nanos wait) {
        CHECK(at == start_at);
        announced_wait = wait;
    };
    auto spec = spec_starting_at(start_at, 3s);
    spec.warmup = 1s;
    const auto result = run_stepped(spec, inputs, clock);

    REQUIRE(announced_wait);
    CHECK(*announced_wait == 4700ms);
    REQUIRE(sends.size() == 40);  // warm-up and measured part
    CHECK(sends.front() == start_at);
    CHECK(sends.back() == start_at + 3900ms);
    // The measured part begins after the warm-up, on a whole second; so do its intervals.
    CHECK(result.started_at == start_at + 1s);
    // Every full interval ends on a whole second (the last one ends with the last response).
    REQUIRE(intervals.times.size() == 3);
    CHECK(intervals.times[0] == start_at + 2s);
    CHECK(intervals.times[1] == start_at + 3s);
    REQUIRE(result.start.start_at);
    CHECK(*result.start.start_at == start_at);
    CHECK(result.start.lag == 0ns);  // the workers were running before start_at
    CHECK(result.start.max_start_lag == kDefaultMaxStartLag);
}

TEST_CASE("a start already passed by less than the allowed lag begins at once, t0 still start_at") {
    ManualClock clock;
    const WallTime start_at = ManualClock::kWallStart + 10s;
    clock.set_wall_now(start_at + 300ms);
    std::vector<std::pair<Nanos, WallTime>> sends;  // run time, wall time
    FakeTarget target([&](Nanos run_time) {
        sends.emplace_back(run_time, clock.wall_now());
        return FakeResponse{1ms};
    });
    auto spec = spec_starting_at(start_at, 1s);
    spec.max_start_lag = 500ms;
    const auto result = run_stepped(spec, inputs_for(target), clock);

    // Arrivals due at 0, 100, 200 and 300 ms go out at once, late; the rest on time: the plan
    // is not shifted, so segments that began on time and this one still line up.
    REQUIRE(sends.size() == 10);
    CHECK(sends[0] == std::pair{Nanos{300ms}, start_at + 300ms});
    CHECK(sends[3].second == start_at + 300ms);
    CHECK(sends[4] == std::pair{Nanos{400ms}, start_at + 400ms});
    CHECK(result.start.lag == 300ms);
    CHECK(result.start.max_start_lag == 500ms);
    CHECK(result.started_at == start_at);
    CHECK(result.totals.schedule_lag.max() >= (300ms).count() - 1'000'000);
}

TEST_CASE("a start missed by more than the allowed lag is refused before anything is sent") {
    ManualClock clock;
    const WallTime start_at = ManualClock::kWallStart + 10s;
    clock.set_wall_now(start_at + 1500ms);
    FakeTarget target([](Nanos) { return FakeResponse{1ms}; });
    const auto spec = spec_starting_at(start_at);  // max_start_lag 1 s
    try {
        (void)run_stepped(spec, inputs_for(target), clock);
        FAIL("the run started");
    } catch (const StartMissed& e) {
        const std::string message = e.what();
        CHECK_THAT(message, Catch::Contains("missed by 1.500 s"));
        CHECK_THAT(message, Catch::Contains("--max-start-lag"));
    }
    CHECK(target.sent == 0);

    clock.set_wall_now(start_at + 1s);  // exactly at the limit: still allowed
    const auto result = run_stepped(spec, inputs_for(target), clock);
    CHECK(result.start.lag == 1s);
}

TEST_CASE("a signal during the wait for the start ends the run before anything is sent") {
    ManualClock clock;
    const WallTime start_at = ManualClock::kWallStart + 60s;
    FakeTarget target([](Nanos) { return FakeResponse{1ms}; });
    auto spec = spec_starting_at(start_at);
    spec.handle_signals = true;
    auto inputs = inputs_for(target);
    inputs.clock = &clock;
    boost::asio::io_context io;
    SteppedRun run(spec, inputs, io);
    run.start();
    clock.advance(10s);
    CHECK_FALSE(run.done());
    ::raise(SIGTERM);  // asio's handler writes to its pipe before raise returns
    for (int polls = 0; polls < 100 && !run.done(); ++polls) clock.settle();
    REQUIRE(run.done());
    clock.advance(60s);  // past start_at: the start timer was cancelled
    CHECK(target.sent == 0);
    CHECK_THROWS_AS(run.result(), StartInterrupted);
}

TEST_CASE("the clock's sync state is decoded from adjtimex: STA_UNSYNC or TIME_ERROR mean no") {
    const auto synced = decode_clock_sync(TIME_OK, 0, 12'500, 500);
    CHECK(synced.known);
    CHECK(synced.synchronised);
    CHECK(synced.max_error_ms == 12.5);
    CHECK(synced.estimated_error_ms == 0.5);
    CHECK_FALSE(decode_clock_sync(TIME_OK, STA_UNSYNC, 16'000'000, 16'000'000).synchronised);
    CHECK_FALSE(decode_clock_sync(TIME_ERROR, 0, 0, 0).synchronised);
    CHECK(decode_clock_sync(TIME_ERROR, 0, 0, 0).known);
    CHECK_FALSE(decode_clock_sync(-1, 0, 0, 0).known);
    // This host: a read-only adjtimex needs no privilege.
    CHECK(read_clock_sync().known);
}
