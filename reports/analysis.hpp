// Type-specific analysis of a run (docs/outputs.md `analysis`, docs/scenarios.md "Types"):
//   stress  capacity and breaking point from the thresholds over each step's hold window
//   spike   time to recover from the spike back into the baseline band
//   soak    drift of p99, error rate and the generator's own memory, last window vs first
//   all     achieved vs target rate
// Phase windows (stress steps, the spike's peak) take the intervals whose midpoint they contain:
// with windows on whole seconds that is exactly the intervals inside them; otherwise a window
// includes up to half an interval of its neighbours. The spike's baseline takes the intervals
// that end by the spike's start; recovery and the soak's drift windows the intervals that start
// at or after the spike's end / the hold's start.
// Units: times in seconds (`_s`) or ms (`_ms`), rates in rps (`_rps`), `error_rate` a fraction
// 0..1 as in summary.json `totals.error_rate`, memory in MiB (`_mib`).
#pragma once

#include "engine/runner.hpp"
#include "reports/bottleneck.hpp"
#include "reports/thresholds.hpp"
#include "thresholds/analysis_settings.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace volley::reports {

// What the analyses need to know about the plan: the scenario loader fills it (Plan::analysis).
using thresholds::AnalysisSettings;
using thresholds::StepWindow;

// Collects what the analyses need while the run goes (register it as an interval listener;
// it never stops the run), then analyse() builds summary.json's `analysis` object. Memory:
// stress keeps the current step's merged statistics and one small row per step; spike the
// baseline's and the peak's histograms; soak three drift windows. Nothing grows with run
// length.
class RunAnalyser final : public engine::IntervalListener {
public:
    // `thresholds` (may be null: every step then passes) judges the stress steps; it must
    // outlive the analyser. Throws std::invalid_argument for settings no analysis can use: a
    // drift window that is not positive, a step window that ends before it starts.
    explicit RunAnalyser(AnalysisSettings settings, const ThresholdEvaluator* thresholds = nullptr);

    std::optional<std::string> on_interval(const engine::IntervalReport& report) override;

    // {type, target_rps, achieved_rps, achieved_ratio, ...type-specific keys, headline,
    // bottleneck}; see docs in analysis.cpp for each type's shape.
    [[nodiscard]] boost::json::object analyse(const engine::RunResult& result) const;

private:
    struct StepRow {
        std::size_t step = 0;  // 1-based
        StepWindow window;
        double measured_s = 0;  // interval time inside the window
        double achieved_rps = 0;
        std::optional<double> p99_ms;
        std::optional<double> error_rate;
        bool pass = false;
        bool complete = false;            // the whole window was measured
        RatePoint service;                // service time over the window
        std::vector<std::string> failed;  // expressions that failed (with scope)
    };
    struct StepAccumulator {
        std::size_t index = 0;  // into settings_.steps
        engine::IntervalStats stats;
        double length_s = 0, expected_requests = 0, start_s = 0, end_s = 0;
    };

    void feed_stress(const engine::IntervalReport& report, double start_s, double end_s);
    void feed_spike(const engine::IntervalReport& report, double start_s, double end_s);
    void feed_soak(const engine::IntervalReport& report, double start_s, double end_s);
    // `schedule_end_s`: where a run that completed its schedule ended it (a run may end at its
    // last completion, a little before), so that a window up to there counts as complete;
    // infinity while the run goes on.
    [[nodiscard]] StepRow evaluate_step(const StepAccumulator& step, double schedule_end_s) const;
    [[nodiscard]] boost::json::object stress_analysis(double schedule_end_s) const;
    [[nodiscard]] boost::json::object spike_analysis(const engine::RunResult& result) const;
    [[nodiscard]] boost::json::object soak_analysis(double schedule_end_s) const;

    AnalysisSettings settings_;
    const ThresholdEvaluator* thresholds_;
    // bottleneck: the lowest- and highest-rate intervals
    RatePoints rate_points_;
    // stress
    std::vector<StepRow> step_rows_;
    std::optional<StepAccumulator> step_;
    // spike
    std::optional<SpanStats> baseline_, peak_;
    // soak
    std::optional<SpanStats> drift_current_, drift_first_, drift_last_;
    std::size_t drift_windows_ = 0;
    std::optional<double> rss_first_kib_, rss_last_kib_;
};

// summary.json `analysis.headline`: the type's answer, in the order renderers show it first:
//   stress  capacity, breaking_point (with the thresholds that broke it)
//   spike   recovery
//   soak    drift_p99
// Each item {key, label, value (number|null), unit ("rps", "s", "%"), text}; `key` is the
// metric name an analysis threshold on it carries (thresholds[].analysis). Empty for other types.
boost::json::array analysis_headline(const boost::json::object& analysis);

// The resident set size of this process in KiB (VmRSS of /proc/self/status); nullopt where
// /proc is not available.
std::optional<double> resident_memory_kib();

}  // namespace volley::reports
