// The run loop on a manual clock (fakes/stepped_run.hpp): arrivals, completions, intervals and
// stops happen at exact virtual times, so counts and latencies are asserted exactly (latencies
// to the histogram's resolution: its bucket of the expected value).
#include "engine/runner.hpp"

#include "fakes/fake_target.hpp"
#include "fakes/stepped_run.hpp"

#include <catch2/catch.hpp>

using namespace volley::engine;
using namespace std::chrono_literals;
using volley::testing::FakeResponse;
using volley::testing::FakeTarget;
using volley::testing::ManualClock;
using volley::testing::run_stepped;
using volley::testing::StaticSource;

namespace {

RunSpec open_spec(double rate, Nanos duration, std::size_t connections, std::size_t threads = 1) {
    RunSpec spec;
    spec.profile = OpenProfile{rate, {Stage{duration, rate}}, Arrival::uniform};
    spec.connections = connections;
    spec.threads = threads;
    spec.handle_signals = false;
    spec.drain = 2s;
    return spec;
}

RunResult run_with(const RunSpec& spec, FakeTarget& target,
                   std::vector<IntervalListener*> listeners = {}) {
    ManualClock clock;
    RunInputs inputs{target,
                     [](std::size_t, std::size_t) { return std::make_unique<StaticSource>(); },
                     {},
                     listeners};
    return run_stepped(spec, inputs, clock);
}

std::uint64_t count(const RunResult& r, Outcome o) {
    return r.totals.combined().outcomes[static_cast<std::size_t>(o)];
}

// The value a histogram reports for a recorded `d`: the top of d's bucket.
std::int64_t reported(const HdrHistogram& histogram, Nanos d) {
    return histogram.highest_equivalent_value(d.count());
}

}  // namespace

TEST_CASE("open model sends exactly rate x duration, spread evenly over intervals") {
    // Arrivals every 0.5 ms (two workers take every other one), answered in 0.25 ms: no
    // completion falls on an interval boundary, so each 1 s interval holds exactly 2000.
    FakeTarget target([](Nanos) { return FakeResponse{250us}; });
    const auto spec = open_spec(2000, 3s, 20, 2);
    const auto result = run_with(spec, target);
    CHECK(target.sent == 6000);
    CHECK(count(result, Outcome::ok) == 6000);
    CHECK(result.totals.combined().response_time.total_count() == 6000);
    REQUIRE(result.intervals.size() == 3);
    for (std::size_t i = 0; i < result.intervals.size(); ++i) {
        CHECK(result.intervals[i].t_s == static_cast<double>(i));
        CHECK(result.intervals[i].requests == 2000);
        CHECK(result.intervals[i].lag_p99_ns == 0);  // every arrival went out on time
    }
    // The schedule ran out with the arrival at 2.9995 s: the run ends with its answer at
    // 2.99975 s, having measured the planned 3 s without a drain.
    CHECK(result.intervals[2].length_s == Approx(0.99975));
    CHECK(result.measured == 3s);
    CHECK(result.drain == 0s);
    CHECK(result.target_rps == Approx(2000));
    CHECK(result.stop_reason == StopReason::completed);
    CHECK(result.totals.combined().response_time.max() ==
          reported(result.totals.combined().response_time, 250us));
}

TEST_CASE("run time 0 is kRunHeadStart after the run starts on its clock") {
    ManualClock clock;
    const auto started = clock.now();
    std::vector<SteadyClock::time_point> sends;
    FakeTarget target([&](Nanos run_time) {
        CHECK(run_time == SteadyClock::duration(clock.now() - started) - kRunHeadStart);
        sends.push_back(clock.now());
        return FakeResponse{1ms};
    });
    RunInputs inputs{
        target, [](std::size_t, std::size_t) { return std::make_unique<StaticSource>(); }, {}, {}};
    const auto result = run_stepped(open_spec(10, 1s, 1), inputs, clock);
    REQUIRE(sends.size() == 10);
    CHECK(sends.front() == started + kRunHeadStart);
    CHECK(sends.back() == started + kRunHeadStart + 900ms);
    CHECK(count(result, Outcome::ok) == 10);
}

TEST_CASE("a stall shows in response time but not in service time (no coordinated omission)") {
    // 1000/s on 10 connections, answers in 1 ms; requests sent in [1.0 s, 1.5 s) are held until
    // 1.5 s. The first 10 of them take the 10 connections; the other 490 queue, and from 1.5 s
    // the queue drains 10 per ms in arrival order.
    const Nanos stall_start = 1000ms, stall_end = 1500ms;
    FakeTarget target([&](Nanos now) {
        if (now >= stall_start && now < stall_end) return FakeResponse{stall_end - now};
        return FakeResponse{1ms};
    });
    auto spec = open_spec(1000, 3s, 10);
    spec.max_in_flight = 10000;
    const auto result = run_with(spec, target);
    const auto all = result.totals.combined();
    REQUIRE(all.response_time.total_count() == 3000);
    CHECK(count(result, Outcome::dropped) == 0);
    // The slowest: sent at 1.0 s, answered at 1.5 s.
    CHECK(all.response_time.max() == reported(all.response_time, 500ms));
    // p99 is the 31st slowest of 3000: the 10 sent at once (500..491 ms), the 10 sent at 1.5 s
    // (491..482 ms), the 10 at 1.501 s (482..473 ms), then the first sent at 1.502 s: intended at
    // 1.030 s, answered at 1.503 s.
    CHECK(all.response_time.value_at_percentile(99) == reported(all.response_time, 473ms));
    // Service time: only the 10 requests that held the connections were slow.
    CHECK(all.service_time.max() == reported(all.service_time, 500ms));
    CHECK(all.service_time.value_at_percentile(99) == reported(all.service_time, 1ms));
    CHECK(all.service_time.count_at_value(1'000'000) == 2990);
}

TEST_CASE("closed model: each virtual user loops request after request") {
    // 4 VUs on 2 workers, 10 ms answers, no think time: each sends at 0, 10, ..., 990 ms.
    FakeTarget target([](Nanos) { return FakeResponse{10ms}; });
    RunSpec spec;
    spec.profile = ClosedProfile{4, 1s, {}, 0ns};
    spec.threads = 2;
    spec.handle_signals = false;
    const auto result = run_with(spec, target);
    CHECK(count(result, Outcome::ok) == 400);
    CHECK(target.sent == 400);
    CHECK(result.closed_model);
    CHECK(result.measured == 1s);
}

TEST_CASE("closed model without think time sends the next request without a timer") {
    // A timer already due still costs a timerfd update per request on a real io_context: the
    // next request of a VU with nothing to wait for is posted instead. 4 VUs x 100 requests;
    // the fake target's 10 ms answers arm one timer each.
    FakeTarget target([](Nanos) { return FakeResponse{10ms}; });
    RunSpec spec;
    spec.profile = ClosedProfile{4, 1s, {}, 0ns};
    spec.threads = 2;
    spec.handle_signals = false;
    ManualClock clock;
    RunInputs inputs{
        target, [](std::size_t, std::size_t) { return std::make_unique<StaticSource>(); }, {}, {}};
    const auto result = run_stepped(spec, inputs, clock);
    REQUIRE(count(result, Outcome::ok) == 400);
    // 400 answers, plus the run's own timers (start, end, intervals, drain) and each VU's
    // first arm: far from the 800 a timer per request would make.
    CHECK(clock.timers_armed() < 430);
}

TEST_CASE("closed model with pacing measures from the intended starts") {
    // Intended starts every 10 ms, answers in 30 ms: request k of a VU is intended at 10k ms but
    // sent at 30k ms (k = 0..33 before the end at 1 s). Response time 20k + 30 ms, service 30 ms.
    FakeTarget target([](Nanos) { return FakeResponse{30ms}; });
    RunSpec spec;
    spec.profile = ClosedProfile{2, 1s, {}, 10ms};
    spec.handle_signals = false;
    const auto result = run_with(spec, target);
    const auto all = result.totals.combined();
    CHECK(count(result, Outcome::ok) == 2 * 34);
    CHECK(all.response_time.max() == reported(all.response_time, 20ms * 33 + 30ms));
    CHECK(all.response_time.min() == all.response_time.lowest_equivalent_value(30'000'000));
    CHECK(all.service_time.max() == reported(all.service_time, 30ms));
    CHECK(all.service_time.min() == all.service_time.lowest_equivalent_value(30'000'000));
}

TEST_CASE("arrivals beyond the in-flight limit are dropped and counted") {
    // One connection, no queue, arrivals every 1 ms, answers in 10 ms: every 10th goes out.
    FakeTarget target([](Nanos) { return FakeResponse{10ms}; });
    auto spec = open_spec(1000, 1s, 1);
    spec.max_in_flight = 1;
    const auto result = run_with(spec, target);
    CHECK(count(result, Outcome::ok) == 100);
    CHECK(count(result, Outcome::dropped) == 900);
}

TEST_CASE("warm-up requests are sent but not recorded") {
    FakeTarget target([](Nanos) { return FakeResponse{1ms}; });
    auto spec = open_spec(1000, 1s, 10);
    spec.warmup = 500ms;
    const auto result = run_with(spec, target);
    CHECK(target.sent == 1500);
    CHECK(count(result, Outcome::ok) == 1000);
    CHECK(result.measured == 1s);
}

TEST_CASE("a listener can stop the run early; the result is still complete") {
    struct StopAfterFirst final : IntervalListener {
        std::optional<std::string> on_interval(const IntervalReport& report) override {
            ++seen;
            if (report.index == 0) return std::string("threshold failed");
            return std::nullopt;
        }
        int seen = 0;
    } listener;
    // 500/s, 1 ms answers. The stop comes with the first interval at 1 s: the 500 arrivals before
    // it and the one due at that instant go out; the last answer (1.001 s) joins interval 0.
    FakeTarget target([](Nanos) { return FakeResponse{1ms}; });
    const auto result = run_with(open_spec(500, 10s, 10), target, {&listener});
    CHECK(result.stop_reason == StopReason::aborted);
    CHECK(result.stop_detail == "threshold failed");
    CHECK(result.measured == 1s);
    CHECK(result.drain == 1ms);
    CHECK(listener.seen == 2);  // interval 0, then the final (short) one
    REQUIRE(result.intervals.size() == 1);
    CHECK(count(result, Outcome::ok) == 501);
}

TEST_CASE("errors and tiers are counted by outcome class") {
    int n = 0;
    FakeTarget target(
        [&](Nanos) {
            const int i = n++;
            return FakeResponse{1ms, i % 4 == 0 ? Outcome::http_5xx : Outcome::ok,
                                static_cast<TierIndex>(1 + i % 4)};
        },
        true);
    const auto result = run_with(open_spec(400, 1s, 4), target);
    const auto all = result.totals.combined();
    CHECK(all.outcomes[static_cast<std::size_t>(Outcome::http_5xx)] == 100);
    CHECK(all.errors() == 100);
    CHECK(all.served_by[1] == 100);
    CHECK(all.served_by[4] == 100);
}

TEST_CASE("the drain ends with an abort: requests still in flight are cancelled") {
    // Answers take 10 s; the run schedules 1 s and drains for 2 s, then gives up.
    FakeTarget target([](Nanos) { return FakeResponse{10s}; });
    const auto result = run_with(open_spec(10, 1s, 20), target);
    CHECK(target.sent == 10);
    CHECK(count(result, Outcome::cancelled) == 10);
    CHECK(count(result, Outcome::ok) == 0);
    CHECK(result.measured == 1s);
    CHECK(result.drain == 2s);
}
