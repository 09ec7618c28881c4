// Threshold evaluation (docs/outputs.md `thresholds[]`, docs/scenarios.md "thresholds"): the
// expressions the scenario loader checked (thresholds/threshold_expr.hpp) measured against a run.
//
// Units of `actual` and `limit` in every result (the unit of the expression as written):
//   p(N), avg, min, max        ms (response time)
//   error_rate                 percent, 0..100 (errors / completed requests)
//   cache_hit_rate             percent, 0..100 ((L1 + L2 + L3) / completed requests)
//   served_by.Lk               percent, 0..100 (Lk / completed requests)
//   throughput > 1000/s        rps (completed requests / seconds: the schedule's length, or
//                              less when the run stopped early; the drain after the schedule
//                              adds completions, not time)
//   throughput >= 95% target   percent of the target, 0..100+ (completed requests / arrivals
//                              the schedule expected; a request scope expects the request's
//                              share of the scheduled requests)
//   dropped == 0               count
//   dropped < 0.1%             percent, 0..100 (dropped / (completed + dropped))
//   capacity, breaking_point   rps (a stress step's target rate)
//   recovery                   ms (spike: from the spike's end until back in the baseline band)
//   drift(p99) < 20%           percent change, may exceed 100 or be negative (soak: last drift
//                              window's p99 vs the first's); drift(p99) < 50ms: ms change
//   checks                     percent, 0..100 (passed check evaluations / evaluations)
//   duration_p(N)              ms (journey duration: first intended start -> last completion,
//                              of the completed and failed journeys)
//   journeys_failed            percent, 0..100 (failed journeys / completed + failed)
//
// Scopes (`p(95){journey:checkout}`, thresholds/threshold_scope.hpp) select a set of requests
// whose statistics are merged (histograms merged, never percentiles averaged), the journeys
// whose durations and counts are merged, and the checks whose pass/fail counters are summed.
// The threshold option `request: NAME` is the scope {request:NAME}.
// The result's `unit` key names it: "ms", "%", "rps", "% target" or "count".
//
// Analysis thresholds (capacity, breaking_point, recovery, drift(p99)) are judged once, from
// summary.json's `analysis` at the end of the run: results() leaves them unjudged (marked with
// `analysis: <metric>`), evaluate_analysis_thresholds() judges them.
//
// Windows (`window: 10s`): the run's 1-second intervals are grouped into consecutive,
// non-overlapping windows of the smallest number of intervals covering the window length,
// starting at the first interval; each window's histograms are merged (percentiles are never
// averaged) and the condition must hold in every complete window. The last window counts as
// complete when the schedule covered all of it (the engine ends a run at its last completion,
// which may be a little before the schedule's end); any other trailing partial window is not
// judged. Memory is one window's statistics per windowed threshold, whatever the run length.
#pragma once

#include "engine/runner.hpp"
#include "thresholds/run_catalog.hpp"
#include "thresholds/threshold_expr.hpp"
#include "thresholds/threshold_scope.hpp"
#include "thresholds/threshold_spec.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace volley::reports {

// The statistics of one scope (a set of requests, journeys and checks, or all of them) over a
// span of consecutive intervals, as far as thresholds need them.
struct SpanStats {
    engine::HdrHistogram response_time = engine::HdrHistogram::latency_ns();  // ns
    engine::OutcomeCounts outcomes{};                                         // incl. dropped
    std::array<std::uint64_t, engine::kTierSlots> served_by{};                // [0] = no tier
    // Completed + dropped requests of every request name over the span: a request-scoped
    // `% target` threshold expects this request's share of the target.
    std::uint64_t all_scheduled = 0;
    // Answered arrivals (IntervalStats::arrivals) over the span: what the whole run's `% target`
    // throughput counts (a journey is one arrival, not one per step).
    std::uint64_t arrivals = 0;
    bool scoped = false;         // the span covers some requests only (ScopeSelection::requests)
    engine::FlowStats journeys;  // the selected journeys merged
    std::uint64_t checks_passed = 0, checks_failed = 0;
    double length_s = 0;            // summed interval lengths
    double expected_requests = 0;   // sum of interval target_rps x length (0 = no target)
    double start_s = 0, end_s = 0;  // since the end of warm-up
    std::size_t intervals = 0;

    // Adds one request's (or the combined) statistics.
    void add(const engine::RequestStats& stats);
    // Adds the statistics of `request` (nullopt: every request) from a merged interval, and
    // the interval's bounds, length and expected arrivals.
    void add_interval(const engine::IntervalStats& stats, std::optional<std::size_t> request,
                      double start_s, double end_s, double expected_requests);
    // The same for a scope's selection: its requests, journeys and checks.
    void add_interval(const engine::IntervalStats& stats,
                      const thresholds::ScopeSelection& selection, double start_s, double end_s,
                      double expected_requests);
    void reset();
    [[nodiscard]] std::uint64_t completed() const;
    [[nodiscard]] std::uint64_t scheduled() const;  // completed + dropped + unsent
};

// One threshold measured once.
struct ThresholdCheck {
    std::optional<double> actual;  // in the result unit (see top); nullopt: nothing to measure
    double limit = 0;              // in the result unit
    bool pass = false;             // false when nothing could be measured
    std::string detail;  // how `actual` was obtained, e.g. "p99 response time of 3000 requests"
    // How far `actual` is on the failing side of the limit, in the result unit (<= 0 when it
    // passes); orders windows from best to worst.
    double badness = 0;
};

// Measures `expr` over `span`. A time or a ratio over a span without completed requests (a
// tier share without tier reports, a `% target` without a target) cannot be measured.
ThresholdCheck check_threshold(const thresholds::ThresholdExpr& expr, const SpanStats& span);

// "ms", "%", "rps", "% target" or "count".
std::string_view result_unit(const thresholds::ThresholdExpr& expr);

// Evaluates a plan's thresholds: during the run (as an interval listener: windows, and
// abort_on_fail) and at the end (results()). Lives on the collector thread during the run;
// results() is called after engine::run returned.
class ThresholdEvaluator final : public engine::IntervalListener {
public:
    // `request_names` as in the RunSpec; `target_rps` the run's mean target rate, used only
    // when the intervals carry none (0 = no target); `catalog` what the run's journeys, steps,
    // tags and checks are (empty for a plain request mix). Throws std::invalid_argument for an
    // expression that does not parse, a scope that names nothing in the run
    // (thresholds::scope_problem) or a `request:` option beside a scope in the expression.
    ThresholdEvaluator(std::vector<thresholds::ThresholdSpec> specs,
                       std::vector<std::string> request_names, double target_rps,
                       const thresholds::RunCatalog& catalog = {});

    // Feeds windows and abort_on_fail thresholds. Returns the reason of the first abort_on_fail
    // threshold that fails: without a window, cumulatively over the run so far, at every
    // interval that ends at or after delay_abort; with a window, each complete window ending at
    // or after delay_abort. Returns a reason at most once per run.
    std::optional<std::string> on_interval(const engine::IntervalReport& report) override;

    // One object per threshold, in plan order (docs/outputs.md `thresholds[]`):
    //   {expr, request (string|null), window_s (number|null), actual (number|null), limit,
    //    unit, pass, abort_on_fail, detail}
    // plus `scope` ("journey:checkout", as inside the braces) when the expression has a scope;
    // `request` is also set for an expression scoped {request:NAME}.
    // plus, for a windowed threshold, windows: {length_s, evaluated, failed, worst_start_s,
    // worst_end_s}. Without a window the threshold is measured over the whole run; with one,
    // `actual` is the worst complete window (the run as a whole when no window completed).
    // A threshold that aborted the run fails with the value that aborted it.
    [[nodiscard]] boost::json::array results(const engine::RunResult& result) const;

    // Every threshold's condition over one span of merged intervals (windows ignored: the span
    // is the window), in plan order. For analyses (stress steps). `stats` covers every request.
    [[nodiscard]] std::vector<ThresholdCheck> check_all(const engine::IntervalStats& stats,
                                                        double start_s, double end_s,
                                                        double expected_requests) const;

    [[nodiscard]] std::size_t size() const { return thresholds_.size(); }
    [[nodiscard]] const thresholds::ThresholdSpec& spec(std::size_t index) const {
        return thresholds_[index].spec;
    }

private:
    struct WindowRecord {
        ThresholdCheck check;
        double start_s = 0, end_s = 0;
    };
    // The complete windows judged so far.
    struct WindowTally {
        std::optional<WindowRecord> worst;
        std::size_t evaluated = 0, failed = 0;
        void note(const WindowRecord& record);
    };
    struct Threshold {
        thresholds::ThresholdSpec spec;
        thresholds::ThresholdExpr expr;
        thresholds::ScopeSelection selection;  // what it measures
        std::optional<std::string> request;    // the request scope's name, if any
        double window_s = 0;                   // 0 = no window
        double delay_abort_s = 0;
        std::optional<SpanStats> window;      // the window being filled (windowed only)
        std::optional<SpanStats> cumulative;  // abort_on_fail without a window
        WindowTally windows;
        std::optional<WindowRecord> abort;  // the check whose reason on_interval returned
    };

    // Adds the interval to the threshold's window or running total; returns the failing check
    // when an abort_on_fail threshold fails (past its delay).
    std::optional<WindowRecord> feed(Threshold& threshold, const engine::IntervalReport& report,
                                     double expected_requests);
    [[nodiscard]] boost::json::object result_of(const Threshold& threshold,
                                                const engine::RunResult& result,
                                                const SpanStats& whole_run,
                                                const WindowTally& windows) const;
    [[nodiscard]] std::string abort_reason(const Threshold& threshold,
                                           const WindowRecord& at) const;

    std::vector<Threshold> thresholds_;
    std::vector<std::string> request_names_;
    double target_rps_ = 0;
    std::optional<std::string> abort_reason_;  // returned once
};

// Judges the analysis thresholds in `thresholds` (results() objects carrying an `analysis` key)
// from `analysis` (RunAnalyser::analyse): sets actual, pass and detail. How each is read:
//   capacity        analysis.capacity_rps; 0 when the first step already failed
//   breaking_point  analysis.breaking_point_rps; when every planned step was measured and
//                   passed, the breaking point lies above the last step: actual null, and the
//                   threshold passes when it asks for more (> or >=)
//   recovery        analysis.recovery_s (fails when the target did not recover)
//   drift(p99)      analysis.drift.p99_change_pct or p99_change_ms
// A figure the analysis could not measure (or an analysis of another type) fails.
// Calls `judge` with each entry of `thresholds` that carries the key `marker` ("analysis",
// "observed": the evaluator left it to be judged at the end of the run) and its parsed expression.
void for_each_judged_at_end(
    boost::json::array& thresholds, std::string_view marker,
    const std::function<void(boost::json::object&, const thresholds::ThresholdExpr&)>& judge);

void evaluate_analysis_thresholds(boost::json::array& thresholds,
                                  const boost::json::object& analysis);

}  // namespace volley::reports
