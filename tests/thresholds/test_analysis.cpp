// RunAnalyser: stress capacity and breaking point, spike recovery, soak drift, achieved vs
// target; against runs of the real engine with fakes whose degradation is programmed.
#include "reports/analysis.hpp"

#include "run_support.hpp"
#include "scenarios/language/loader.hpp"

#include <catch2/catch.hpp>

using namespace volley;
using namespace volley::thresholds_test;
using reports::AnalysisSettings;
using reports::RunAnalyser;
using reports::ThresholdEvaluator;
using scenarios::ScenarioType;
using testing::FakeResponse;
using testing::FakeTarget;

namespace {

// Loads a scenario whose target is never contacted (the tests run it against a fake) and makes
// it a short, single-threaded, signal-free run.
scenarios::Plan load_test_plan(const std::string& type_and_load) {
    auto plan = scenarios::load_plan_from_string(
        "name: analysis-test\n"
        "target: {http: {base_url: 'http://127.0.0.1:9/', connections: 1024}}\n"
        "requests: [{name: ping, path: /ping}]\n" +
            type_and_load,
        "analysis-test.yaml", {});
    plan.run.threads = 1;
    plan.run.handle_signals = false;
    plan.run.drain = 3s;
    return plan;
}

struct Analysed {
    engine::RunResult result;
    boost::json::object analysis;
    boost::json::array thresholds;
};

Analysed run_plan(const scenarios::Plan& plan, FakeTarget& target, AnalysisSettings settings) {
    ThresholdEvaluator thresholds(plan.thresholds, plan.run.request_names, 0);
    RunAnalyser analyser(std::move(settings), &thresholds);
    auto result = run_with(plan.run, target, {&thresholds, &analyser});
    auto analysis = analyser.analyse(result);
    auto results = thresholds.results(result);
    return {std::move(result), std::move(analysis), std::move(results)};
}

const boost::json::object& object_at(const boost::json::object& object, std::string_view key) {
    return object.at(key).as_object();
}

}  // namespace

TEST_CASE("stress: the first step above the rate where the target degrades is the breaking point") {
    // Steps of a 1 s ramp and a 1 s hold at 100, 200, 300/s. The fake answers in 1 ms while
    // the offered load is at most 250/s, in 1 s above (from 4.5 s, on the last ramp).
    const auto plan = load_test_plan(
        "type: stress\n"
        "load: {max_rate: 300/s, steps: 3, step_duration: 1s, step_ramp: 1s}\n"
        "thresholds: ['p(99) < 500ms']\n");
    REQUIRE(plan.analysis.steps.size() == 3);
    const auto& profile = std::get<engine::OpenProfile>(plan.run.profile);
    FakeTarget target([&](Nanos now) {
        return FakeResponse{engine::target_rps_at(profile, now) > 250 ? 1s : 1ms};
    });
    const auto run = run_plan(plan, target, plan.analysis);
    const auto& analysis = run.analysis;
    INFO(describe_intervals(run.result));
    INFO(boost::json::serialize(analysis));
    CHECK(analysis.at("type").as_string() == "stress");
    CHECK(number(analysis, "breaking_point_rps") == 300);
    CHECK(number(analysis, "breaking_point_step") == 3);
    CHECK(number(analysis, "capacity_rps") == 200);
    CHECK(number(analysis, "capacity_step") == 2);
    const auto& failed = analysis.at("breaking_point_failed").as_array();
    REQUIRE(failed.size() == 1);
    CHECK(failed[0].as_string() == "p(99) < 500ms");

    const auto& steps = analysis.at("steps").as_array();
    REQUIRE(steps.size() == 3);
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const auto& step = steps[i].as_object();
        CHECK(number(step, "step") == static_cast<double>(i + 1));
        CHECK(number(step, "target_rps") == 100.0 * static_cast<double>(i + 1));
        // Completions per second; 1 ms answers keep up exactly with the first two steps' rates,
        // at the last step they lag the arrivals by the slow responses.
        if (i < 2)
            CHECK(number(step, "achieved_rps") == Approx(100.0 * static_cast<double>(i + 1)));
        CHECK(step.at("complete").as_bool());
        CHECK(step.at("pass").as_bool() == (i < 2));
        CHECK(number(step, "error_rate") == 0);
    }
    CHECK(number(steps[1].as_object(), "p99_ms") < 500);
    CHECK(number(steps[2].as_object(), "p99_ms") >= 999.9);
    // The run as a whole fails the threshold too (its worst requests are the slow ones). The
    // type's default `error_rate < 5%` comes first and passes.
    REQUIRE(run.thresholds.size() == 2);
    CHECK(at(run.thresholds, 0).at("expr").as_string() == "error_rate < 5%");
    CHECK(passed(run.thresholds, 0));
    CHECK(at(run.thresholds, 1).at("expr").as_string() == "p(99) < 500ms");
    CHECK_FALSE(passed(run.thresholds, 1));
}

TEST_CASE("stress without a breaking point: capacity is the last step") {
    // The step labels are what the analysis reports; the fake never degrades.
    AnalysisSettings settings{.type = ScenarioType::stress,
                              .steps = {{0s, 1s, 100}, {1s, 2s, 200}}};
    const auto spec = open_spec(100, 2s);
    FakeTarget target([](Nanos) { return FakeResponse{2ms}; });
    ThresholdEvaluator thresholds({threshold("error_rate < 1%")}, spec.request_names, 0);
    RunAnalyser analyser(settings, &thresholds);
    const auto result = run_with(spec, target, {&thresholds, &analyser});
    const auto analysis = analyser.analyse(result);
    CHECK(analysis.at("breaking_point_rps").is_null());
    CHECK(number(analysis, "capacity_rps") == 200);
    CHECK(analysis.at("steps").as_array().size() == 2);
}

TEST_CASE(
    "spike: recovery_s is the time from the spike's end until p99 is back in the baseline band") {
    // Baseline 100/s for 1 s, ramp to 400/s over 1 s, 1 s at 400/s, back over 1 s (the spike
    // ends at 4 s), then 4 s at 100/s. The fake answers in 200 ms, but in 600 ms to requests
    // sent from 1 s until 5.4 s: response times are back to normal from 6.0 s, 2 s after the
    // spike's end.
    const auto plan = load_test_plan(
        "type: spike\n"
        "load: {baseline: 100/s, factor: 4, baseline_before: 1s, spike_ramp: 1s, "
        "spike_duration: 1s, baseline_after: 4s}\n");
    REQUIRE(plan.analysis.spike_end == Nanos{4s});
    FakeTarget target(
        [](Nanos now) { return FakeResponse{now >= 1s && now < 5400ms ? 600ms : 200ms}; });
    auto settings = plan.analysis;
    settings.recovery_intervals = 2;
    const auto run = run_plan(plan, target, settings);
    const auto& analysis = run.analysis;
    INFO(describe_intervals(run.result));
    INFO(boost::json::serialize(analysis));
    CHECK(analysis.at("type").as_string() == "spike");
    REQUIRE(analysis.at("recovered").as_bool());
    CHECK(number(analysis, "recovery_s") == Approx(2.0));
    CHECK(number(object_at(analysis, "baseline"), "p99_ms") >= 199.9);
    CHECK(number(object_at(analysis, "baseline"), "p99_ms") < 600);
    CHECK(number(object_at(analysis, "peak"), "p99_ms") >= 599.9);
    // Completions per second over the peak window; they lag the arrivals (which ramp up just
    // before it) by the 600 ms responses.
    CHECK(number(object_at(analysis, "peak"), "achieved_rps") == Approx(350).epsilon(0.1));
    CHECK(number(object_at(analysis, "band"), "intervals") == 2);
    // The answer first: the recovery time heads the analysis.
    const auto& headline = analysis.at("headline").as_array();
    REQUIRE(headline.size() == 1);
    CHECK(headline.at(0).at("key").as_string() == "recovery");
    CHECK(number(headline.at(0).as_object(), "value") == number(analysis, "recovery_s"));
    CHECK(headline.at(0).at("unit").as_string() == "s");
}

TEST_CASE("spike: a target that never recovers has no recovery_s") {
    const auto plan = load_test_plan(
        "type: spike\n"
        "load: {baseline: 100/s, factor: 4, baseline_before: 1s, spike_ramp: 500ms, "
        "spike_duration: 500ms, baseline_after: 2s}\n");
    FakeTarget target([](Nanos now) { return FakeResponse{now >= 1s ? 600ms : 200ms}; });
    auto settings = plan.analysis;
    settings.recovery_intervals = 2;
    const auto analysis = run_plan(plan, target, settings).analysis;
    CHECK_FALSE(analysis.at("recovered").as_bool());
    CHECK(analysis.at("recovery_s").is_null());
    const auto& headline = analysis.at("headline").as_array().at(0).as_object();
    CHECK(headline.at("value").is_null());
    CHECK(std::string(headline.at("text").as_string()).rfind("not recovered", 0) == 0);
}

TEST_CASE("soak: drift reports the p99 increase of a target that slows down over time") {
    // 100/s for 6 s; a request sent at t s takes 10 ms + 80 ms x t. Drift windows of 2 s hold
    // the requests that complete in them: the slowest of [0, 2] was sent at 1.84 s (158 ms), of
    // [4, 6] at 5.55 s (454 ms).
    const AnalysisSettings settings{
        .type = ScenarioType::soak, .hold_start = 0s, .drift_window = 2s};
    const auto spec = open_spec(100, 6s);
    FakeTarget target([](Nanos now) {
        const double t_s = std::chrono::duration<double>(now).count();
        return FakeResponse{std::chrono::duration_cast<Nanos>(
            std::chrono::duration<double, std::milli>(10 + 80 * t_s))};
    });
    RunAnalyser analyser(settings);
    const auto result = run_with(spec, target, {&analyser});
    const auto analysis = analyser.analyse(result);
    INFO(describe_intervals(result));
    INFO(boost::json::serialize(analysis));
    const auto& drift = object_at(analysis, "drift");
    CHECK(number(drift, "windows") == 3);
    const double first_p99 = number(object_at(drift, "first"), "p99_ms");
    const double last_p99 = number(object_at(drift, "last"), "p99_ms");
    CHECK(first_p99 >= 150);
    CHECK(last_p99 >= 445);
    CHECK(number(drift, "p99_change_ms") == Approx(last_p99 - first_p99));
    CHECK(number(drift, "p99_change_ms") > 150);
    CHECK(number(drift, "p99_ms_per_min") > 0);
    CHECK(number(drift, "error_rate_change") == 0);
    const auto& rss = object_at(drift, "generator_rss_mib");
    CHECK(number(rss, "first") > 0);
    CHECK(number(rss, "last") > 0);
    CHECK(number(object_at(analysis, "hold"), "achieved_rps") == Approx(100));
    // The answer first: the p99 drift heads the analysis.
    const auto& headline = analysis.at("headline").as_array();
    REQUIRE(headline.size() == 1);
    CHECK(headline.at(0).at("key").as_string() == "drift_p99");
    CHECK(number(headline.at(0).as_object(), "value") == number(drift, "p99_change_pct"));
    CHECK(headline.at(0).at("unit").as_string() == "%");
}

TEST_CASE("load: achieved vs target") {
    const auto spec = open_spec(200, 1s);
    FakeTarget target([](Nanos) { return FakeResponse{1ms}; });
    RunAnalyser analyser(AnalysisSettings{.type = ScenarioType::load, .hold_start = 0s});
    const auto result = run_with(spec, target, {&analyser});
    const auto analysis = analyser.analyse(result);
    CHECK(analysis.at("type").as_string() == "load");
    CHECK(number(analysis, "target_rps") == Approx(200));
    CHECK(number(analysis, "achieved_rps") == Approx(200));
    CHECK(number(analysis, "achieved_ratio") == Approx(1));
    CHECK(number(object_at(analysis, "hold"), "target_rps") == Approx(200));
}
