// ThresholdEvaluator: every metric, request scope, windows and abort_on_fail, against runs of
// the real engine with a fake target whose behaviour is known.
#include "reports/thresholds.hpp"

#include "run_support.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>

using namespace volley;
using namespace volley::thresholds_test;
using engine::Outcome;
using engine::TierIndex;
using reports::ThresholdEvaluator;
using testing::FakeResponse;
using testing::FakeTarget;

TEST_CASE("every metric passes and fails on a run with known latency, errors and tiers") {
    // 400 requests of 5 ms; request i fails with a 5xx when i % 4 == 0 and is served by tier
    // L(1 + i % 4): error rate 25%, each tier 25%, cache hits (L1..L3) 75%.
    std::atomic<int> n{0};
    FakeTarget target(
        [&](Nanos) {
            const int i = n++;
            return FakeResponse{5ms, i % 4 == 0 ? Outcome::http_5xx : Outcome::ok,
                                static_cast<TierIndex>(1 + i % 4)};
        },
        true);
    const auto spec = open_spec(400, 1s);
    ThresholdEvaluator evaluator(
        {threshold("p(99) < 500ms"), threshold("p(99) < 4ms"), threshold("avg < 500ms"),
         threshold("avg < 4.9ms"), threshold("min >= 4.9ms"), threshold("max < 4ms"),
         threshold("error_rate < 30%"), threshold("error_rate < 20%"), threshold("error_rate == 0"),
         threshold("throughput >= 95% target"), threshold("throughput >= 300/s"),
         threshold("throughput > 1000/s"), threshold("dropped == 0"),
         threshold("cache_hit_rate > 70%"), threshold("cache_hit_rate > 80%"),
         threshold("served_by.L4 < 30%"), threshold("served_by.L1 > 30%")},
        spec.request_names, 400);
    const auto result = run_with(spec, target, {&evaluator});
    REQUIRE(result.totals.combined().completed() == 400);
    const auto results = evaluator.results(result);
    REQUIRE(results.size() == 17);

    // Times in ms: every response takes exactly 5 ms (to the histogram's resolution, 0.1%).
    CHECK(passed(results, 0));
    CHECK(actual(results, 0) >= 4.99);
    CHECK(at(results, 0).at("unit").as_string() == "ms");
    CHECK(number(at(results, 0), "limit") == 500);
    CHECK_FALSE(passed(results, 1));
    CHECK(passed(results, 2));
    CHECK_FALSE(passed(results, 3));
    CHECK(actual(results, 3) == Approx(5).epsilon(0.001));
    CHECK(passed(results, 4));
    CHECK_FALSE(passed(results, 5));
    CHECK(actual(results, 5) >= 4.99);
    // Ratios in percent.
    CHECK(passed(results, 6));
    CHECK(actual(results, 6) == Approx(25));
    CHECK(at(results, 6).at("unit").as_string() == "%");
    CHECK(number(at(results, 6), "limit") == Approx(30));
    CHECK_FALSE(passed(results, 7));
    CHECK_FALSE(passed(results, 8));
    // Throughput: all 400 scheduled requests completed within the 1 s schedule.
    CHECK(passed(results, 9));
    CHECK(actual(results, 9) == Approx(100));
    CHECK(at(results, 9).at("unit").as_string() == "% target");
    CHECK(passed(results, 10));
    CHECK(actual(results, 10) == Approx(400));
    CHECK_FALSE(passed(results, 11));
    CHECK(passed(results, 12));
    CHECK(actual(results, 12) == 0);
    // Tiers.
    CHECK(passed(results, 13));
    CHECK(actual(results, 13) == Approx(75));
    CHECK_FALSE(passed(results, 14));
    CHECK(passed(results, 15));
    CHECK(actual(results, 15) == Approx(25));
    CHECK_FALSE(passed(results, 16));
    for (const auto& item : results) {
        CHECK(item.as_object().at("request").is_null());
        CHECK(item.as_object().at("window_s").is_null());
        CHECK_FALSE(item.as_object().at("detail").as_string().empty());
    }
}

TEST_CASE("dropped requests are counted and compared as a count or a share") {
    // One connection, in-flight limit 1, 10 ms responses at 1000/s: 9 in 10 are dropped.
    FakeTarget target([](Nanos) { return FakeResponse{10ms}; });
    auto spec = open_spec(1000, 1s);
    spec.connections = 1;
    spec.max_in_flight = 1;
    ThresholdEvaluator evaluator(
        {threshold("dropped == 0"), threshold("dropped < 50%"), threshold("dropped < 99%"),
         threshold("throughput >= 50% target")},
        spec.request_names, 1000);
    const auto result = run_with(spec, target, {&evaluator});
    const auto results = evaluator.results(result);
    CHECK_FALSE(passed(results, 0));
    CHECK(actual(results, 0) == 900);
    CHECK(at(results, 0).at("unit").as_string() == "count");
    CHECK_FALSE(passed(results, 1));
    CHECK(actual(results, 1) == Approx(90));
    CHECK(passed(results, 2));
    CHECK_FALSE(passed(results, 3));
    CHECK(actual(results, 3) == Approx(10));
}

TEST_CASE("a threshold without data fails and says why") {
    FakeTarget target([](Nanos) { return FakeResponse{1ms}; });  // reports no tiers
    const auto spec = open_spec(100, 1s);
    ThresholdEvaluator evaluator({threshold("cache_hit_rate > 0%")}, spec.request_names, 100);
    const auto results = evaluator.results(run_with(spec, target, {&evaluator}));
    CHECK_FALSE(passed(results, 0));
    CHECK(at(results, 0).at("actual").is_null());
    CHECK(at(results, 0).at("detail").as_string() == "no request reported a tier");
}

TEST_CASE("a request scope measures that request only") {
    // Requests alternate r0, r1 (one worker, source order). r0: 1 ms, ok. r1: 1 s, every other
    // one a 5xx (50% errors). All together: 25% errors, p99 >= 1 s.
    std::atomic<int> n{0};
    FakeTarget target([&](Nanos) {
        const int i = n++;
        if (i % 2 == 0) return FakeResponse{1ms};
        return FakeResponse{1s, (i / 2) % 2 == 0 ? Outcome::http_5xx : Outcome::ok};
    });
    const auto spec = open_spec(400, 1s, 2);
    ThresholdEvaluator evaluator(
        {threshold("p(99) < 500ms", "r0"), threshold("p(99) < 500ms", "r1"),
         threshold("p(99) < 500ms"), threshold("error_rate == 0", "r0"),
         threshold("error_rate < 10%", "r1"), threshold("error_rate < 10%"),
         threshold("throughput >= 95% target", "r0")},
        spec.request_names, 400);
    const auto results = evaluator.results(run_with(spec, target, {&evaluator}));
    CHECK(passed(results, 0));
    CHECK(at(results, 0).at("request").as_string() == "r0");
    CHECK_FALSE(passed(results, 1));
    CHECK(actual(results, 1) >= 999.9);
    CHECK_FALSE(passed(results, 2));
    CHECK(passed(results, 3));
    CHECK_FALSE(passed(results, 4));
    CHECK(actual(results, 4) == Approx(50));
    CHECK(actual(results, 5) == Approx(25));
    // r0 is half of the schedule: its target is half of the run's.
    CHECK(passed(results, 6));
    CHECK(actual(results, 6) == Approx(100));
}

TEST_CASE("an expression or scope that cannot be evaluated is rejected at construction") {
    CHECK_THROWS_AS(ThresholdEvaluator({threshold("p(95) < 200")}, {"default"}, 0),
                    std::invalid_argument);
    CHECK_THROWS_AS(ThresholdEvaluator({threshold("p(95) < 200ms", "login")}, {"default"}, 0),
                    std::invalid_argument);
}

TEST_CASE("a windowed threshold fails when one window is bad although the whole run passes") {
    // 200/s for 4 s; to the 100 requests sent from 1.1 s to 1.6 s the fake answers in 400 ms
    // with a 5xx, all by 2 s. Window [1 s, 2 s] holds 200 answers, half of them bad; the run:
    // 100 of 800, 12.5% bad.
    FakeTarget target([](Nanos now) {
        if (now >= 1100ms && now < 1600ms) return FakeResponse{400ms, Outcome::http_5xx};
        return FakeResponse{1ms};
    });
    const auto spec = open_spec(200, 4s);
    ThresholdEvaluator evaluator(
        {threshold("error_rate < 20%", std::nullopt, 1s), threshold("error_rate < 20%"),
         threshold("p(80) < 250ms", std::nullopt, 1s), threshold("p(80) < 250ms"),
         threshold("p(30) < 250ms", std::nullopt, 2s)},
        spec.request_names, 200);
    const auto result = run_with(spec, target, {&evaluator});
    const auto results = evaluator.results(result);
    INFO(describe_intervals(result));
    INFO(boost::json::serialize(results));
    CHECK_FALSE(passed(results, 0));
    CHECK(actual(results, 0) == Approx(50));
    CHECK(number(at(results, 0), "window_s") == 1);
    const auto& windows = at(results, 0).at("windows").as_object();
    CHECK(number(windows, "evaluated") == 4);
    CHECK(number(windows, "failed") == 1);
    CHECK(number(windows, "worst_start_s") == 1);
    CHECK(number(windows, "worst_end_s") == 2);
    CHECK(passed(results, 1));
    CHECK(actual(results, 1) == Approx(12.5));

    // Percentiles of the merged window histogram, not an average of per-interval values.
    CHECK_FALSE(passed(results, 2));
    CHECK(actual(results, 2) >= 399.9);
    CHECK(passed(results, 3));
    // Windows of 2 s: [0, 2] holds the bad 0.5 s (25% bad: p30 still fast), [2, 4] is clean.
    CHECK(passed(results, 4));
    CHECK(number(at(results, 4).at("windows").as_object(), "evaluated") == 2);
}

TEST_CASE("windows are judged on merged histograms; a trailing partial window is not judged") {
    // Synthetic intervals, no engine: interval i holds 100 responses of (i + 1) ms, except
    // interval 4 (the trailing partial window of a 2-interval window) with 1000 ms.
    ThresholdEvaluator evaluator(
        {threshold("p(99) < 3500us", std::nullopt, 2s), threshold("max < 5ms", std::nullopt, 2s)},
        {"default"}, 0);
    engine::RunResult result{.request_names = {"default"},
                             .flow_names = {},
                             .counter_names = {},
                             .totals = engine::IntervalStats{1},
                             .intervals = {},
                             .started_at = {},
                             .measured = 5s,
                             .stop_detail = {}};
    for (int i = 0; i < 5; ++i) {
        engine::IntervalStats stats(1);
        const std::int64_t value_ns = i == 4 ? 1'000'000'000 : (i + 1) * 1'000'000;
        for (int k = 0; k < 100; ++k) {
            stats.per_request[0].response_time.record(value_ns);
            ++stats.per_request[0].outcomes[0];
        }
        const engine::IntervalReport report{static_cast<std::size_t>(i),
                                            std::chrono::seconds(i),
                                            std::chrono::seconds(i + 1),
                                            stats,
                                            0,
                                            0};
        CHECK_FALSE(evaluator.on_interval(report).has_value());
        result.totals.add(stats);
    }
    const auto results = evaluator.results(result);
    // Windows [0, 2] (p99 = 2 ms) and [2, 4] (p99 = 4 ms): the worst is [2, 4], which fails.
    CHECK_FALSE(passed(results, 0));
    CHECK(actual(results, 0) == Approx(4).epsilon(0.01));
    CHECK(number(at(results, 0).at("windows").as_object(), "worst_start_s") == 2);
    CHECK(number(at(results, 0).at("windows").as_object(), "evaluated") == 2);
    // max: 2 ms and 4 ms, both below 5 ms; the 1000 ms of the partial window is not judged.
    CHECK(passed(results, 1));
    CHECK(actual(results, 1) == Approx(4).epsilon(0.01));
}

TEST_CASE("abort_on_fail stops the run at the first failing interval") {
    std::atomic<int> n{0};
    FakeTarget target([&](Nanos) {
        return FakeResponse{1ms, n++ % 2 == 0 ? Outcome::http_5xx : Outcome::ok};
    });
    const auto spec = open_spec(200, 10s);
    ThresholdEvaluator evaluator({threshold("p(99) < 1s"), aborting("error_rate < 10%")},
                                 spec.request_names, 200);
    const auto result = run_with(spec, target, {&evaluator});
    CHECK(result.stop_reason == engine::StopReason::aborted);
    CHECK(result.measured == 1s);  // the end of the first interval
    CHECK_THAT(result.stop_detail, Catch::Contains("error_rate < 10%"));
    const auto results = evaluator.results(result);
    CHECK(passed(results, 0));
    CHECK_FALSE(passed(results, 1));
    // The value that aborted the run: interval 0, 200 answers, every other one a 5xx.
    CHECK(actual(results, 1) == Approx(50));
    CHECK_THAT(std::string(at(results, 1).at("detail").as_string()),
               Catch::StartsWith("aborted the run"));
    CHECK(at(results, 1).at("abort_on_fail").as_bool());
}

TEST_CASE("delay_abort postpones the abort") {
    std::atomic<int> n{0};
    FakeTarget target([&](Nanos) {
        return FakeResponse{1ms, n++ % 2 == 0 ? Outcome::http_5xx : Outcome::ok};
    });
    const auto spec = open_spec(200, 10s);
    ThresholdEvaluator evaluator({aborting("error_rate < 10%", 2s)}, spec.request_names, 200);
    const auto result = run_with(spec, target, {&evaluator});
    CHECK(result.stop_reason == engine::StopReason::aborted);
    CHECK(result.measured == 2s);  // failing since the first interval; the abort waits until 2 s
    CHECK_FALSE(passed(evaluator.results(result), 0));
}

TEST_CASE("an abort_on_fail threshold that holds lets the run complete") {
    FakeTarget target([](Nanos) { return FakeResponse{1ms}; });
    const auto spec = open_spec(200, 1500ms);
    ThresholdEvaluator evaluator({aborting("error_rate < 10%"), aborting("p(99) < 1s", 0s, 1s)},
                                 spec.request_names, 200);
    const auto result = run_with(spec, target, {&evaluator});
    CHECK(result.stop_reason == engine::StopReason::completed);
    const auto results = evaluator.results(result);
    CHECK(passed(results, 0));
    CHECK(passed(results, 1));
}

TEST_CASE("a windowed abort_on_fail threshold aborts when a window fails") {
    // Everything fails from 1.5 s on: window [0 s, 1 s] holds, window [1 s, 2 s] fails and
    // stops the run at its end.
    FakeTarget target([](Nanos now) {
        return FakeResponse{1ms, now >= 1500ms ? Outcome::http_5xx : Outcome::ok};
    });
    const auto spec = open_spec(200, 10s);
    ThresholdEvaluator evaluator({aborting("error_rate < 10%", 0s, 1s)}, spec.request_names, 200);
    const auto result = run_with(spec, target, {&evaluator});
    CHECK(result.stop_reason == engine::StopReason::aborted);
    CHECK(result.measured == 2s);
    CHECK_THAT(result.stop_detail, Catch::Contains("window 1-2 s"));
    CHECK_FALSE(passed(evaluator.results(result), 0));
}
