// Bounded work per wake-up (docs/architecture.md "Engine", "Bounded dispatch"): a worker far
// behind its schedule dispatches the due arrivals kDispatchBatch at a time and posts the rest,
// so a stop (and an abort, the interval hand-over) runs between two batches instead of after
// the whole backlog; arrivals still queued when the run ends are `unsent`, not `dropped`. On a
// manual clock, the worker's io_context polled one handler at a time.
#include "engine/runner.hpp"
#include "engine/worker.hpp"

#include "fakes/fake_target.hpp"
#include "fakes/manual_clock.hpp"
#include "fakes/stepped_run.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <catch2/catch.hpp>

using namespace volley::engine;
using namespace std::chrono_literals;
using volley::testing::FakeResponse;
using volley::testing::FakeTarget;
using volley::testing::ManualClock;
using volley::testing::StaticSource;

namespace {

// An arrival every `spacing` from run time 0, `total` of them; counts what it handed out.
class CountingSchedule final : public Schedule {
public:
    CountingSchedule(Nanos spacing, std::uint64_t total, std::uint64_t& drawn)
        : spacing_(spacing), total_(total), drawn_(drawn) {}
    std::optional<Nanos> next() override {
        if (drawn_ == total_) return std::nullopt;
        return spacing_ * static_cast<std::int64_t>(drawn_++);
    }

private:
    Nanos spacing_;
    std::uint64_t total_;
    std::uint64_t& drawn_;
};

std::uint64_t count(const IntervalStats& stats, Outcome o) {
    return stats.combined().outcomes[static_cast<std::size_t>(o)];
}

}  // namespace

TEST_CASE("a worker far behind its schedule dispatches in bounded batches; a stop runs between") {
    ManualClock clock;
    boost::asio::io_context io;
    const RunClock run_clock(clock, clock.now());
    FakeTarget target([](Nanos) { return FakeResponse{10s}; });  // nothing answers in the test
    std::uint64_t drawn = 0;
    WorkerConfig config;
    config.slots = 4;
    config.queue_limit = 16;
    // 1,000,000 arrivals/s for 10 s: after a 1 s stall a million are due at once.
    Worker worker(config, io, run_clock, target, std::make_unique<StaticSource>(),
                  std::make_unique<CountingSchedule>(1us, 10'000'000, drawn), StatsShape{1, 0, 0});
    worker.start();
    clock.stall(1s);

    // One wake-up: one batch (the start drew the first arrival; each dispatched one draws the
    // next).
    REQUIRE(io.poll_one() == 1);
    CHECK(drawn == 1 + kDispatchBatch);
    CHECK(target.sent == config.slots);

    // The stop, posted now, runs after the batch already posted and does one more batch itself:
    // then scheduling has ended and the continuation it left does nothing.
    boost::asio::post(io, [&worker] { worker.stop_scheduling(); });
    io.poll();
    CHECK(drawn == 1 + 3 * kDispatchBatch);
    CHECK_FALSE(worker.finished());  // four in flight, sixteen queued

    // Give up: the four in flight are cancelled, the sixteen queued were never sent (unsent),
    // and every other dispatched arrival met the in-flight limit (dropped).
    worker.abort();
    io.poll();
    CHECK(worker.finished());
    const auto stats = worker.swap_interval(std::make_unique<IntervalStats>(StatsShape{1, 0, 0}));
    CHECK(count(*stats, Outcome::cancelled) == config.slots);
    CHECK(count(*stats, Outcome::unsent) == config.queue_limit);
    CHECK(count(*stats, Outcome::dropped) ==
          3 * kDispatchBatch - config.slots - config.queue_limit);
}

TEST_CASE("arrivals still queued when the drain ends are unsent, not dropped") {
    // One connection, room for 4 more (max_in_flight 5), 10 arrivals in 1 s, answers in 10 s:
    // arrival 0 is sent, 1-4 queue, 5-9 meet the in-flight limit. The 2 s drain ends in an
    // abort: 0 is cancelled, 1-4 were never sent.
    FakeTarget target([](Nanos) { return FakeResponse{10s}; });
    RunSpec spec;
    spec.profile = OpenProfile{10, {Stage{1s, 10}}, Arrival::uniform};
    spec.connections = 1;
    spec.max_in_flight = 5;
    spec.handle_signals = false;
    spec.drain = 2s;
    ManualClock clock;
    RunInputs inputs{
        target, [](std::size_t, std::size_t) { return std::make_unique<StaticSource>(); }, {}, {}};
    const auto result = volley::testing::run_stepped(spec, inputs, clock);
    CHECK(target.sent == 1);
    CHECK(count(result.totals, Outcome::cancelled) == 1);
    CHECK(count(result.totals, Outcome::dropped) == 5);
    CHECK(count(result.totals, Outcome::unsent) == 4);
    std::uint64_t dropped = 0, unsent = 0;
    for (const auto& row : result.intervals) {
        dropped += row.dropped;
        unsent += row.unsent;
    }
    CHECK(dropped == 5);
    CHECK(unsent == 4);
}

TEST_CASE("a profile above the rate ceiling is refused before the run") {
    FakeTarget target([](Nanos) { return FakeResponse{1ms}; });
    RunSpec spec;
    spec.profile = OpenProfile{0, {Stage{1s, kMaxRateRps * 2}}, Arrival::uniform};
    spec.handle_signals = false;
    ManualClock clock;
    RunInputs inputs{
        target, [](std::size_t, std::size_t) { return std::make_unique<StaticSource>(); }, {}, {}};
    CHECK_THROWS_AS(volley::testing::run_stepped(spec, inputs, clock), std::invalid_argument);
}
