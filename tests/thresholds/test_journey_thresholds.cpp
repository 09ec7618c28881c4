// Scoped thresholds ({journey:..}, {step:..}, {TAG:VALUE}, {request:..}) and the journey metrics
// (checks, duration_p, journeys_failed) on a real engine run of journeys
// (fakes/journey_run.hpp explains the timing), windows and abort_on_fail included.
#include "fakes/journey_run.hpp"
#include "reports/thresholds.hpp"
#include "run_support.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

using namespace volley;
using namespace volley::journey_test;
using namespace volley::thresholds_test;
using reports::ThresholdEvaluator;

TEST_CASE("scopes merge the statistics of their requests, journeys and checks") {
    // 2 s: 20 journeys; every 4th is bad (journeys 1, 5, 9, 13, 17): 5 bad, 15 good.
    const auto spec = journey_spec(2s);
    ThresholdEvaluator evaluator(
        {threshold("p(99){step:shop.browse} < 6ms"), threshold("p(99){journey:shop} < 49ms"),
         threshold("p(99){speed:fast} < 21ms"), threshold("max{speed:slow} >= 50ms"),
         threshold("throughput{step:shop.pay} >= 7.5/s"), threshold("throughput{team:web} > 27/s"),
         threshold("p(99) < 6ms", std::string("shop.browse")), threshold("checks{cart ok} > 99%"),
         threshold("checks > 70%"), threshold("checks{step:shop.cart} == 75%"),
         threshold("duration_p(50){journey:shop} < 96ms"), threshold("duration_p(10) < 36ms"),
         threshold("journeys_failed{journey:shop} < 25%"), threshold("journeys_failed <= 25%")},
        spec.request_names, 10, journey_catalog());
    const auto result = run_journeys(spec, 4, {&evaluator});
    REQUIRE(result.totals.per_flow.at(0).started == 20);
    REQUIRE(result.totals.per_flow.at(0).failed == 5);
    const auto results = evaluator.results(result);
    INFO(boost::json::serialize(results));

    CHECK(passed(results, 0));  // browse: 5 ms
    CHECK(actual(results, 0) == Approx(5).epsilon(0.001));
    CHECK_FALSE(passed(results, 1));  // the journey's steps include pay: 50 ms
    CHECK(actual(results, 1) == Approx(50).epsilon(0.001));
    CHECK(at(results, 1).at("scope").as_string() == "journey:shop");
    CHECK(at(results, 1).at("request").is_null());
    CHECK(passed(results, 2));  // fast = browse + cart: at most 20 ms
    CHECK(actual(results, 2) == Approx(20).epsilon(0.001));
    CHECK(passed(results, 3));  // slow = pay: 50 ms
    // pay ran in the 15 good journeys: 15 in 2 s; web = every step: 20 + 20 + 15 in 2 s.
    CHECK(passed(results, 4));
    CHECK(actual(results, 4) == Approx(7.5));
    CHECK(passed(results, 5));
    CHECK(actual(results, 5) == Approx(27.5));
    // The `request:` option is the {request:NAME} scope.
    CHECK(passed(results, 6));
    CHECK(actual(results, 6) == Approx(5).epsilon(0.001));
    CHECK(at(results, 6).at("request").as_string() == "shop.browse");
    CHECK_FALSE(at(results, 6).contains("scope"));
    // Checks: 15 of 20 passed.
    CHECK_FALSE(passed(results, 7));
    CHECK(actual(results, 7) == Approx(75));
    CHECK(at(results, 7).at("detail").as_string() == "15 of 20 check evaluations passed");
    CHECK(passed(results, 8));
    CHECK(passed(results, 9));
    // Durations: 15 good journeys of 95 ms, 5 bad ones of 35 ms.
    CHECK(passed(results, 10));
    CHECK(actual(results, 10) == Approx(95).epsilon(0.001));
    CHECK(passed(results, 11));
    CHECK(actual(results, 11) == Approx(35).epsilon(0.001));
    CHECK_FALSE(passed(results, 12));
    CHECK(actual(results, 12) == Approx(25));
    CHECK(passed(results, 13));
}

TEST_CASE("a scoped threshold holds in every window and may abort the run") {
    // Window 1 (0-1 s) has bad journeys 1, 5, 9: checks 7 of 10; window 2 has 13, 17: 8 of 10.
    const auto spec = journey_spec(2s);
    auto windowed = threshold("checks{cart ok} > 75%", std::nullopt, 1s);
    ThresholdEvaluator evaluator({windowed, threshold("checks{cart ok} > 70%", std::nullopt, 1s)},
                                 spec.request_names, 10, journey_catalog());
    const auto result = run_journeys(spec, 4, {&evaluator});
    const auto results = evaluator.results(result);
    INFO(boost::json::serialize(results));
    CHECK_FALSE(passed(results, 0));
    CHECK(actual(results, 0) == Approx(70));
    const auto& windows = at(results, 0).at("windows").as_object();
    CHECK(windows.at("evaluated").to_number<int>() == 2);
    CHECK(windows.at("failed").to_number<int>() == 1);
    CHECK(number(windows, "worst_start_s") == 0);
    CHECK_FALSE(passed(results, 1));  // 70% is not > 70%
    CHECK(at(results, 1).at("windows").as_object().at("failed").to_number<int>() == 1);

    // abort_on_fail: 3 of the first 10 journeys failed (30%) -> the run stops after 1 s.
    auto aborts = aborting("journeys_failed{journey:shop} < 20%");
    const auto long_spec = journey_spec(5s);
    ThresholdEvaluator aborting_evaluator({aborts}, long_spec.request_names, 10, journey_catalog());
    const auto aborted = run_journeys(long_spec, 4, {&aborting_evaluator});
    CHECK(aborted.stop_reason == engine::StopReason::aborted);
    CHECK_THAT(aborted.stop_detail, Catch::Contains("journeys_failed{journey:shop} < 20%") &&
                                        Catch::Contains("actual 30 %"));
    CHECK(aborted.totals.per_flow.at(0).started < 50);
    CHECK_FALSE(passed(aborting_evaluator.results(aborted), 0));
}

TEST_CASE("a scope naming nothing in the run, or beside a request option, is refused") {
    const auto spec = journey_spec(1s);
    const auto catalog = journey_catalog();
    CHECK_THROWS_WITH(ThresholdEvaluator({threshold("p(95){journey:shopp} < 1s")},
                                         spec.request_names, 10, catalog),
                      Catch::Contains("no journey is named 'shopp' (journeys: shop)"));
    CHECK_THROWS_WITH(ThresholdEvaluator({threshold("p(95){speed:fast} < 1s", "shop.pay")},
                                         spec.request_names, 10, catalog),
                      Catch::Contains("keep one"));
    // Without a catalog (a plain request mix), journey metrics have nothing to measure.
    CHECK_THROWS_WITH(ThresholdEvaluator({threshold("checks > 99%")}, spec.request_names, 10),
                      Catch::Contains("the scenario has no checks"));
}

TEST_CASE("a % target throughput counts journeys as arrivals, not their steps") {
    // 10 journeys/s of 3 steps for 2 s: 20 arrivals, 55 step requests (5 bad journeys stop
    // after 2 steps). Against the target of 10/s the run delivered 100 %, not 275 %.
    const auto spec = journey_spec(2s);
    ThresholdEvaluator evaluator(
        {threshold("throughput >= 95% target"), threshold("throughput <= 105% target")},
        spec.request_names, 10, journey_catalog());
    const auto result = run_journeys(spec, 4, {&evaluator});
    const auto results = evaluator.results(result);
    INFO(boost::json::serialize(results));
    CHECK(passed(results, 0));
    CHECK(passed(results, 1));
    CHECK(actual(results, 0) == Approx(100).epsilon(0.001));
}
