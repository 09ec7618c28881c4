#include "engine/runner.hpp"

#include "fakes/fake_target.hpp"

#include <catch2/catch.hpp>

using namespace volley::engine;
using namespace std::chrono_literals;
using volley::testing::FakeResponse;
using volley::testing::FakeTarget;
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

RunResult run_with(const RunSpec& spec, FakeTarget& target, std::vector<IntervalListener*> listeners = {}) {
    RunInputs inputs{target, [](std::size_t, std::size_t) { return std::make_unique<StaticSource>(); }, {}, listeners};
    return run(spec, inputs);
}

std::uint64_t count(const RunResult& r, Outcome o) {
    return r.totals.combined().outcomes[static_cast<std::size_t>(o)];
}

}  // namespace

TEST_CASE("open model sends exactly rate x duration, spread evenly over intervals") {
    FakeTarget target([](Nanos) { return FakeResponse{1ms}; });
    const auto spec = open_spec(2000, 3s, 20, 2);
    const auto result = run_with(spec, target);
    CHECK(target.sent == 6000);
    CHECK(count(result, Outcome::ok) == 6000);
    CHECK(result.totals.combined().response_time.total_count() == 6000);
    REQUIRE(result.intervals.size() >= 3);
    for (std::size_t i = 0; i + 1 < result.intervals.size(); ++i) {
        const auto& row = result.intervals[i];
        if (row.length_s < 0.999) continue;
        CHECK(static_cast<double>(row.requests) / row.length_s == Approx(2000).epsilon(0.02));
    }
    CHECK(result.target_rps == Approx(2000));
    CHECK(result.stop_reason == StopReason::completed);
}

TEST_CASE("a stall shows in response time but not in service time (no coordinated omission)") {
    // Responses to requests sent in [1.0 s, 1.5 s) are held until 1.5 s: a 500 ms stall.
    const Nanos stall_start = 1000ms + 20ms, stall_end = 1500ms + 20ms;  // run t0 is 20 ms after start
    FakeTarget target([&](Nanos now) {
        if (now >= stall_start && now < stall_end) return FakeResponse{stall_end - now};
        return FakeResponse{1ms};
    });
    const double rate = 1000;
    auto spec = open_spec(rate, 3s, 10);
    spec.max_in_flight = 10000;
    const auto result = run_with(spec, target);
    const auto all = result.totals.combined();
    const double total = static_cast<double>(all.response_time.total_count());
    REQUIRE(total == 3000);
    // Arrivals during the stall wait for its end: response times uniform on (0, stall]. The top
    // 1% of all requests are the earliest stalled ones: p99 = stall x (1 - 0.01 total / stalled).
    const double stall_ms = 500, stalled = stall_ms / 1000 * rate;
    const double expected_p99_ms = stall_ms * (1 - 0.01 * total / stalled);
    const double p99_ms = static_cast<double>(all.response_time.value_at_percentile(99)) / 1e6;
    CHECK(p99_ms == Approx(expected_p99_ms).epsilon(0.1));
    CHECK(static_cast<double>(all.response_time.max()) / 1e6 == Approx(stall_ms).epsilon(0.1));
    // Only the requests in flight when the stall began (10 connections) had a long service time.
    CHECK(static_cast<double>(all.service_time.value_at_percentile(99)) / 1e6 < 20);
}

TEST_CASE("closed model: each virtual user loops request after request") {
    FakeTarget target([](Nanos) { return FakeResponse{10ms}; });
    RunSpec spec;
    spec.profile = ClosedProfile{4, 1s, {}, 0ns};
    spec.threads = 2;
    spec.handle_signals = false;
    const auto result = run_with(spec, target);
    const double completed = static_cast<double>(count(result, Outcome::ok));
    CHECK(completed == Approx(400).epsilon(0.15));
    CHECK(result.closed_model);
}

TEST_CASE("closed model with pacing measures from the intended starts") {
    FakeTarget target([](Nanos) { return FakeResponse{30ms}; });
    RunSpec spec;
    spec.profile = ClosedProfile{2, 1s, {}, 10ms};  // responses take 3x the pacing
    spec.handle_signals = false;
    const auto result = run_with(spec, target);
    const auto all = result.totals.combined();
    // The k-th request of a VU is intended at 10k ms but sent at 30k ms: response time grows.
    CHECK(static_cast<double>(all.response_time.max()) / 1e6 > 500);
    CHECK(static_cast<double>(all.service_time.max()) / 1e6 < 100);
}

TEST_CASE("arrivals beyond the in-flight limit are dropped and counted") {
    FakeTarget target([](Nanos) { return FakeResponse{10ms}; });
    auto spec = open_spec(1000, 1s, 1);
    spec.max_in_flight = 1;
    const auto result = run_with(spec, target);
    const auto ok = count(result, Outcome::ok);
    const auto dropped = count(result, Outcome::dropped);
    CHECK(ok + dropped == 1000);
    CHECK(ok == Approx(100).epsilon(0.15));
}

TEST_CASE("warm-up requests are sent but not recorded") {
    FakeTarget target([](Nanos) { return FakeResponse{1ms}; });
    auto spec = open_spec(1000, 1s, 10);
    spec.warmup = 500ms;
    const auto result = run_with(spec, target);
    CHECK(target.sent == 1500);
    CHECK(count(result, Outcome::ok) == 1000);
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
    FakeTarget target([](Nanos) { return FakeResponse{1ms}; });
    const auto result = run_with(open_spec(500, 10s, 10), target, {&listener});
    CHECK(result.stop_reason == StopReason::aborted);
    CHECK(result.stop_detail == "threshold failed");
    CHECK(result.measured < 3s);
    CHECK(listener.seen >= 1);
    CHECK(count(result, Outcome::ok) >= 400);
}

TEST_CASE("errors and tiers are counted by outcome class") {
    std::atomic<int> n{0};
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
