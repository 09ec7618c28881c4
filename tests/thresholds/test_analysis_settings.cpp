// The hand-off of the analysis settings: the loader fills thresholds::AnalysisSettings
// (Plan::analysis) and RunAnalyser reads it as it is; settings no analysis can use are refused.
#include "reports/analysis.hpp"

#include "scenarios/language/loader.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <stdexcept>

using namespace volley;
using namespace std::chrono_literals;
using reports::AnalysisSettings;
using reports::RunAnalyser;
using scenarios::ScenarioType;

namespace {

scenarios::Plan load_typed(const std::string& type_and_load) {
    return scenarios::load_plan_from_string(
        "target: {http: {base_url: 'http://127.0.0.1:9/'}}\n"
        "requests: [{path: /ping}]\n" +
            type_and_load,
        "settings.yaml", {});
}

// The analysis of a run that measured nothing: what it shows comes from the settings alone.
boost::json::object analyse_empty(const AnalysisSettings& settings) {
    const engine::RunResult nothing;
    return RunAnalyser(settings).analyse(nothing);
}

}  // namespace

TEST_CASE("the analyser refuses settings no analysis can use") {
    CHECK_THROWS_AS(RunAnalyser(AnalysisSettings{.type = ScenarioType::soak, .drift_window = 0s}),
                    std::invalid_argument);
    CHECK_THROWS_WITH(RunAnalyser(AnalysisSettings{.type = ScenarioType::stress,
                                                   .steps = {{0s, 1s, 50}, {2s, 2s, 100}}}),
                      Catch::Contains("ends before it starts"));
    CHECK_NOTHROW(RunAnalyser(
        AnalysisSettings{.type = ScenarioType::stress, .steps = {{0s, 1s, 50}, {1s, 2s, 100}}}));
}

TEST_CASE("the loader's analysis settings reach the analysis without conversion") {
    SECTION("spike: the phases of the profile") {
        const auto plan = load_typed(
            "type: spike\nload: {baseline: 10/s, factor: 3, baseline_before: 4s, "
            "spike_ramp: 1500ms, spike_duration: 2s, baseline_after: 5s}\n");
        const auto analysis = analyse_empty(plan.analysis);
        CHECK(analysis.at("type").as_string() == "spike");
        CHECK(analysis.at("spike_end_s").as_double() == 9.0);  // 4 + 1.5 + 2 + 1.5
        CHECK(analysis.at("peak").as_object().at("rps").as_double() == 30);
        CHECK(analysis.at("baseline").as_object().at("rps").as_double() == 10);
    }
    SECTION("spike stages that never come back: no spike end, nothing recovers") {
        const auto plan = load_typed(
            "type: spike\nload: {stages: [{duration: 2s, rate: 10/s}, "
            "{duration: 1s, rate: 50/s}, {duration: 3s, rate: 50/s}]}\n");
        CHECK_FALSE(plan.analysis.spike_end.has_value());
        CHECK(plan.analysis.spike_start == 2s);
        CHECK(plan.analysis.spike_peak_start == 3s);
        CHECK(plan.analysis.spike_peak_end == 6s);
        CHECK(analyse_empty(plan.analysis).at("spike_end_s").is_null());
    }
    SECTION("stress: every step window is planned") {
        const auto plan = load_typed(
            "type: stress\nload: {max_rate: 90/s, steps: 3, step_ramp: 0s, step_duration: 1s}\n");
        CHECK(analyse_empty(plan.analysis).at("steps_planned").as_uint64() == 3);
    }
    SECTION("load: the hold starts after the ramp-up, to the nanosecond") {
        const auto plan = load_typed("type: load\nload: {rate: 10/s, duration: 1234567ms}\n");
        CHECK(plan.analysis.hold_start == 123456700us);
        CHECK(analyse_empty(plan.analysis).at("hold").as_object().at("start_s").as_double() ==
              123.4567);
    }
}
