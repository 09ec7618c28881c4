#include "reports/thresholds.hpp"
#include "reports/json_numbers.hpp"

#include <boost/json/object.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace volley::reports {
namespace json = boost::json;
using engine::Outcome;
using thresholds::ThresholdExpr;
using thresholds::ThresholdMetric;
using thresholds::ThresholdUnit;

namespace {

// Interval lengths are sums of exact 1-second steps; this absorbs rounding only.
constexpr double kTimeSlack_s = 1e-6;

double seconds(engine::Nanos n) { return std::chrono::duration<double>(n).count(); }

std::uint64_t outcome(const engine::OutcomeCounts& counts, Outcome o) {
    return counts[static_cast<std::size_t>(o)];
}

// The factor from the expression's native unit (ns, ratio, rps, count) to the result unit.
double result_scale(const ThresholdExpr& expr) {
    switch (expr.unit) {
        case ThresholdUnit::ns: return 1e-6;
        case ThresholdUnit::ratio:
        case ThresholdUnit::change_ratio:
        case ThresholdUnit::fraction_of_target: return 100;
        case ThresholdUnit::rps:
        case ThresholdUnit::count:
        case ThresholdUnit::observed: return 1;
    }
    return 1;
}

std::string_view percentile_label(const ThresholdExpr& expr, std::string& storage) {
    switch (expr.metric) {
        case ThresholdMetric::percentile:
            storage = fmt::format("p{:g}", expr.percentile);
            return storage;
        case ThresholdMetric::avg: return "mean";
        case ThresholdMetric::min: return "min";
        default: return "max";
    }
}

// The measured value in the expression's native unit and how it was obtained; nullopt value
// when the span holds nothing to measure (detail says why).
struct NativeValue {
    std::optional<double> value;
    std::string detail;
};

NativeValue measure(const ThresholdExpr& expr, const SpanStats& span) {
    const std::uint64_t completed = span.completed();
    const std::uint64_t tier_total = engine::cache_denominator(span.served_by);
    // Nothing to judge a cache by: a target without tiers, or a span in which every request
    // failed (then the run's error-rate threshold and the verdict speak).
    const bool no_tier = span.served_by[0] == tier_total;
    switch (expr.metric) {
        case ThresholdMetric::percentile:
        case ThresholdMetric::avg:
        case ThresholdMetric::min:
        case ThresholdMetric::max: {
            const auto& h = span.response_time;
            if (h.total_count() == 0) return {std::nullopt, "no completed requests"};
            std::string storage;
            const auto label = percentile_label(expr, storage);
            double ns = 0;
            if (expr.metric == ThresholdMetric::percentile)
                ns = static_cast<double>(h.value_at_percentile(expr.percentile));
            else if (expr.metric == ThresholdMetric::avg)
                ns = h.mean();
            else if (expr.metric == ThresholdMetric::min)
                ns = static_cast<double>(h.min());
            else
                ns = static_cast<double>(h.max());
            return {ns, fmt::format("{} response time of {} requests", label, h.total_count())};
        }
        case ThresholdMetric::error_rate: {
            if (completed == 0) return {std::nullopt, "no completed requests"};
            const std::uint64_t errors = completed - outcome(span.outcomes, Outcome::ok);
            return {static_cast<double>(errors) / static_cast<double>(completed),
                    fmt::format("{} errors of {} completed requests", errors, completed)};
        }
        case ThresholdMetric::cache_hit_rate: {
            if (no_tier) return {std::nullopt, "no request reported a tier"};
            const std::uint64_t hits = engine::cache_hits(span.served_by);
            return {static_cast<double>(hits) / static_cast<double>(tier_total),
                    fmt::format("{} answers from L1..L3 of {} completed requests (failed ones "
                                "are misses)",
                                hits, tier_total)};
        }
        case ThresholdMetric::served_by: {
            if (no_tier) return {std::nullopt, "no request reported a tier"};
            const auto tier =
                expr.tier.size() == 2 ? static_cast<std::size_t>(expr.tier[1] - '0') : 0;
            const std::uint64_t count = tier >= 1 && tier <= 4 ? span.served_by[tier] : 0;
            return {static_cast<double>(count) / static_cast<double>(tier_total),
                    fmt::format("{} answers from {} of {} completed requests", count, expr.tier,
                                tier_total)};
        }
        case ThresholdMetric::throughput: {
            if (expr.unit == ThresholdUnit::fraction_of_target) {
                // The whole run's target is in arrivals; a request's share of the target is its
                // share of the scheduled requests.
                if (!span.scoped) {
                    const double expected = span.expected_requests;
                    if (expected <= 0) return {std::nullopt, "no target rate"};
                    return {static_cast<double>(span.arrivals) / expected,
                            fmt::format("{} completed of {:.0f} expected at the target rate",
                                        span.arrivals, expected)};
                }
                const double share = span.all_scheduled > 0
                                         ? static_cast<double>(span.scheduled()) /
                                               static_cast<double>(span.all_scheduled)
                                         : 1.0;
                const double expected = span.expected_requests * share;
                if (expected <= 0) return {std::nullopt, "no target rate"};
                return {static_cast<double>(completed) / expected,
                        fmt::format("{} completed of {:.0f} expected at the target rate", completed,
                                    expected)};
            }
            if (span.length_s <= 0) return {std::nullopt, "no measured time"};
            return {static_cast<double>(completed) / span.length_s,
                    fmt::format("{} completed in {:g} s", completed, tidy(span.length_s))};
        }
        case ThresholdMetric::capacity:
        case ThresholdMetric::breaking_point:
        case ThresholdMetric::recovery:
        case ThresholdMetric::drift_p99:
            return {std::nullopt, "judged from the analysis at the end of the run"};
        case ThresholdMetric::observed:
            return {std::nullopt, "judged from the observed series at the end of the run"};
        case ThresholdMetric::checks: {
            const std::uint64_t total = span.checks_passed + span.checks_failed;
            if (total == 0) return {std::nullopt, "no check evaluations"};
            return {static_cast<double>(span.checks_passed) / static_cast<double>(total),
                    fmt::format("{} of {} check evaluations passed", span.checks_passed, total)};
        }
        case ThresholdMetric::journey_duration: {
            const auto& h = span.journeys.duration;
            if (h.total_count() == 0) return {std::nullopt, "no finished journeys"};
            return {static_cast<double>(h.value_at_percentile(expr.percentile)),
                    fmt::format("p{:g} duration of {} journeys", expr.percentile, h.total_count())};
        }
        case ThresholdMetric::journeys_failed: {
            const std::uint64_t finished = span.journeys.completed + span.journeys.failed;
            if (finished == 0) return {std::nullopt, "no finished journeys"};
            return {
                static_cast<double>(span.journeys.failed) / static_cast<double>(finished),
                fmt::format("{} failed of {} finished journeys", span.journeys.failed, finished)};
        }
        case ThresholdMetric::dropped: {
            const std::uint64_t dropped = outcome(span.outcomes, Outcome::dropped);
            if (expr.unit == ThresholdUnit::count) {
                return {static_cast<double>(dropped), fmt::format("{} dropped", dropped)};
            }
            if (span.scheduled() == 0) return {std::nullopt, "no scheduled requests"};
            return {static_cast<double>(dropped) / static_cast<double>(span.scheduled()),
                    fmt::format("{} dropped of {} scheduled", dropped, span.scheduled())};
        }
    }
    return {std::nullopt, "unknown metric"};
}

std::string format_actual(const ThresholdCheck& check, std::string_view unit) {
    if (!check.actual) return "n/a";
    return unit == "count" ? fmt::format("{:g}", *check.actual)
                           : fmt::format("{:g} {}", *check.actual, unit);
}

}  // namespace

// ---- SpanStats ------------------------------------------------------------------------------

void SpanStats::add(const engine::RequestStats& stats) {
    response_time.add(stats.response_time);
    for (std::size_t i = 0; i < engine::kOutcomeCount; ++i) outcomes[i] += stats.outcomes[i];
    for (std::size_t t = 0; t < engine::kTierSlots; ++t) served_by[t] += stats.served_by[t];
}

void SpanStats::add_interval(const engine::IntervalStats& stats, std::optional<std::size_t> request,
                             double interval_start_s, double interval_end_s, double expected) {
    thresholds::ScopeSelection selection;
    if (request) selection.requests = std::vector<std::size_t>{*request};
    add_interval(stats, selection, interval_start_s, interval_end_s, expected);
}

void SpanStats::add_interval(const engine::IntervalStats& stats,
                             const thresholds::ScopeSelection& selection, double interval_start_s,
                             double interval_end_s, double expected) {
    if (intervals++ == 0) start_s = interval_start_s;
    scoped = selection.requests.has_value();
    arrivals += stats.arrivals;
    end_s = interval_end_s;
    length_s += interval_end_s - interval_start_s;
    expected_requests += expected;
    for (const auto& one : stats.per_request)
        all_scheduled += one.completed() + outcome(one.outcomes, Outcome::dropped) +
                         outcome(one.outcomes, Outcome::unsent);
    if (selection.requests) {
        for (const std::size_t i : *selection.requests) {
            if (i < stats.per_request.size()) add(stats.per_request[i]);
        }
    } else {
        for (const auto& one : stats.per_request) add(one);
    }
    if (selection.flows) {
        for (const std::size_t f : *selection.flows) {
            if (f < stats.per_flow.size()) journeys.add(stats.per_flow[f]);
        }
    } else {
        for (const auto& flow : stats.per_flow) journeys.add(flow);
    }
    const auto counter = [&](std::size_t index) {
        return index < stats.counters.size() ? stats.counters[index] : 0;
    };
    for (const auto& [pass, fail] : selection.check_counters) {
        checks_passed += counter(pass);
        checks_failed += counter(fail);
    }
}

void SpanStats::reset() {
    response_time.reset();
    outcomes = {};
    served_by = {};
    all_scheduled = 0;
    arrivals = 0;
    scoped = false;
    journeys.reset();
    checks_passed = checks_failed = 0;
    length_s = expected_requests = start_s = end_s = 0;
    intervals = 0;
}

std::uint64_t SpanStats::completed() const {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < engine::kOutcomeCount; ++i) {
        if (i != static_cast<std::size_t>(Outcome::dropped) &&
            i != static_cast<std::size_t>(Outcome::unsent))
            total += outcomes[i];
    }
    return total;
}

std::uint64_t SpanStats::scheduled() const {
    return completed() + outcome(outcomes, Outcome::dropped) + outcome(outcomes, Outcome::unsent);
}

// ---- single checks --------------------------------------------------------------------------

std::string_view result_unit(const ThresholdExpr& expr) {
    switch (expr.unit) {
        case ThresholdUnit::ns: return "ms";
        case ThresholdUnit::ratio:
        case ThresholdUnit::change_ratio: return "%";
        case ThresholdUnit::rps: return "rps";
        case ThresholdUnit::count: return "count";
        case ThresholdUnit::observed: return "";  // the series' unit: evaluate_observed_thresholds
        case ThresholdUnit::fraction_of_target: return "% target";
    }
    return "";
}

ThresholdCheck check_threshold(const ThresholdExpr& expr, const SpanStats& span) {
    const double scale = result_scale(expr);
    ThresholdCheck check;
    check.limit = tidy(expr.value * scale);
    NativeValue native = measure(expr, span);
    check.detail = std::move(native.detail);
    if (!native.value) return check;
    // Compared in the native unit, so that the scaling cannot move a value across the limit.
    check.pass = thresholds::compare(*native.value, expr.cmp, expr.value);
    check.actual = tidy(*native.value * scale);
    check.badness = thresholds::badness(*native.value * scale, expr.cmp, expr.value * scale);
    return check;
}

// ---- ThresholdEvaluator ---------------------------------------------------------------------

ThresholdEvaluator::ThresholdEvaluator(std::vector<thresholds::ThresholdSpec> specs,
                                       std::vector<std::string> request_names, double target_rps,
                                       const thresholds::RunCatalog& catalog)
    : request_names_(std::move(request_names)), target_rps_(target_rps) {
    thresholds_.reserve(specs.size());
    for (auto& spec : specs) {
        Threshold threshold;
        threshold.expr = thresholds::parse_threshold_expr(spec.expr);
        if (thresholds::is_analysis_metric(threshold.expr.metric) &&
            (spec.request || spec.window || spec.abort_on_fail)) {
            throw std::invalid_argument(
                fmt::format("threshold '{}': judged from the analysis at the end, it takes no "
                            "request, window or abort_on_fail",
                            spec.expr));
        }
        if (threshold.expr.metric == ThresholdMetric::observed && spec.abort_on_fail) {
            throw std::invalid_argument(fmt::format(
                "threshold '{}': observed figures are judged at the end of the run; it takes no "
                "abort_on_fail",
                spec.expr));
        }
        if (spec.request) {
            if (threshold.expr.scope.kind != thresholds::ThresholdScopeKind::all) {
                throw std::invalid_argument(
                    fmt::format("threshold '{}': has a scope in braces and `request: {}`; keep one",
                                spec.expr, *spec.request));
            }
            if (std::find(request_names_.begin(), request_names_.end(), *spec.request) ==
                request_names_.end()) {
                throw std::invalid_argument(fmt::format("threshold '{}': no request is named '{}'",
                                                        spec.expr, *spec.request));
            }
        }
        // The `request:` option is the scope {request:NAME}; the expression keeps it to select.
        thresholds::ThresholdExpr scoped = threshold.expr;
        if (spec.request) {
            scoped.scope = {thresholds::ThresholdScopeKind::request, "", *spec.request};
        }
        threshold.selection = thresholds::select_scope(scoped, catalog, request_names_);
        if (scoped.scope.kind == thresholds::ThresholdScopeKind::request) {
            threshold.request = scoped.scope.name;
        }
        if (spec.window) {
            threshold.window_s = seconds(*spec.window);
            if (threshold.window_s <= 0) {
                throw std::invalid_argument(
                    fmt::format("threshold '{}': window must be positive", spec.expr));
            }
            threshold.window.emplace();
        }
        threshold.delay_abort_s = seconds(spec.delay_abort);
        if (spec.abort_on_fail && !spec.window) threshold.cumulative.emplace();
        threshold.spec = std::move(spec);
        thresholds_.push_back(std::move(threshold));
    }
}

std::optional<std::string> ThresholdEvaluator::on_interval(const engine::IntervalReport& report) {
    const double expected = report.target_rps * seconds(report.end - report.start);
    std::optional<std::string> reason;
    for (auto& threshold : thresholds_) {
        auto failed = feed(threshold, report, expected);
        if (failed && !reason && !abort_reason_) {
            reason = abort_reason(threshold, *failed);
            threshold.abort = std::move(failed);
        }
    }
    if (reason) abort_reason_ = reason;
    return reason;
}

std::optional<ThresholdEvaluator::WindowRecord> ThresholdEvaluator::feed(
    Threshold& threshold, const engine::IntervalReport& report, double expected) {
    const double start_s = seconds(report.start), end_s = seconds(report.end);
    const bool may_abort =
        threshold.spec.abort_on_fail && end_s + kTimeSlack_s >= threshold.delay_abort_s;
    std::optional<WindowRecord> failed;
    if (threshold.window) {
        SpanStats& window = *threshold.window;
        window.add_interval(report.stats, threshold.selection, start_s, end_s, expected);
        if (window.length_s + kTimeSlack_s >= threshold.window_s) {
            WindowRecord record{check_threshold(threshold.expr, window), window.start_s,
                                window.end_s};
            window.reset();
            if (record.check.actual) {
                threshold.windows.note(record);
                if (may_abort && !record.check.pass) failed = std::move(record);
            }
        }
    }
    if (threshold.cumulative) {
        SpanStats& so_far = *threshold.cumulative;
        so_far.add_interval(report.stats, threshold.selection, start_s, end_s, expected);
        if (may_abort) {
            WindowRecord record{check_threshold(threshold.expr, so_far), so_far.start_s,
                                so_far.end_s};
            if (record.check.actual && !record.check.pass) failed = std::move(record);
        }
    }
    return failed;
}

std::string ThresholdEvaluator::abort_reason(const Threshold& threshold,
                                             const WindowRecord& at) const {
    const auto unit = result_unit(threshold.expr);
    std::string scope;
    if (threshold.spec.request) scope = fmt::format(" [{}]", *threshold.spec.request);
    const std::string where =
        threshold.window
            ? fmt::format("in the window {:g}-{:g} s", tidy(at.start_s), tidy(at.end_s))
            : fmt::format("over the first {:g} s", tidy(at.end_s));
    return fmt::format("threshold '{}'{} failed {}: actual {}, limit {} {}", threshold.spec.expr,
                       scope, where, format_actual(at.check, unit), at.check.limit, unit);
}

std::vector<ThresholdCheck> ThresholdEvaluator::check_all(const engine::IntervalStats& stats,
                                                          double start_s, double end_s,
                                                          double expected_requests) const {
    std::vector<ThresholdCheck> checks;
    checks.reserve(thresholds_.size());
    for (const auto& threshold : thresholds_) {
        if (thresholds::is_judged_at_end(threshold.expr.metric)) {
            // A finding about the whole analysis (capacity, …) says nothing about one span, and
            // observed series are not part of the engine's intervals.
            ThresholdCheck check;
            check.pass = true;
            check.detail = "not judged per span";
            checks.push_back(std::move(check));
            continue;
        }
        SpanStats span;
        span.add_interval(stats, threshold.selection, start_s, end_s, expected_requests);
        checks.push_back(check_threshold(threshold.expr, span));
    }
    return checks;
}

json::array ThresholdEvaluator::results(const engine::RunResult& result) const {
    // The whole run: the scheduled time (the drain after it adds completions, not time) or, for
    // a run stopped early, the measured time.
    const double measured_s = seconds(result.measured);
    const double scheduled_s = seconds(result.scheduled_duration);
    const double length_s = scheduled_s > 0 ? std::min(measured_s, scheduled_s) : measured_s;
    double expected = 0;
    if (result.expected_requests > 0) {  // the engine's, over the measured window
        expected = result.expected_requests;
    } else {
        for (const auto& row : result.intervals) expected += row.target_rps * row.length_s;
    }
    if (expected <= 0) expected = target_rps_ * length_s;

    // A run that completed its schedule may end a little before the schedule's end: its last
    // window is complete when the schedule covered all of it.
    const bool schedule_done =
        result.stop_reason == engine::StopReason::completed && scheduled_s > 0;
    json::array out;
    for (const auto& threshold : thresholds_) {
        SpanStats whole_run;
        whole_run.add_interval(result.totals, threshold.selection, 0, length_s, expected);
        WindowTally windows = threshold.windows;
        if (threshold.window && threshold.window->intervals > 0 && schedule_done &&
            threshold.window->start_s + threshold.window_s <= scheduled_s + kTimeSlack_s) {
            const SpanStats& last = *threshold.window;
            WindowRecord record{check_threshold(threshold.expr, last), last.start_s, last.end_s};
            if (record.check.actual) windows.note(record);
        }
        out.push_back(result_of(threshold, result, whole_run, windows));
    }
    return out;
}

void ThresholdEvaluator::WindowTally::note(const WindowRecord& record) {
    ++evaluated;
    if (!record.check.pass) ++failed;
    if (!worst || record.check.badness > worst->check.badness) worst = record;
}

json::object ThresholdEvaluator::result_of(const Threshold& threshold,
                                           const engine::RunResult& result,
                                           const SpanStats& whole_run,
                                           const WindowTally& windows) const {
    const auto unit = result_unit(threshold.expr);
    const bool aborted_run = threshold.abort && abort_reason_ &&
                             result.stop_reason == engine::StopReason::aborted &&
                             result.stop_detail == *abort_reason_;
    ThresholdCheck check;
    std::string detail;
    if (thresholds::is_analysis_metric(threshold.expr.metric)) {
        check.limit = tidy(threshold.expr.value * result_scale(threshold.expr));
        detail = "not judged yet: evaluate_analysis_thresholds fills this from the analysis";
    } else if (threshold.expr.metric == ThresholdMetric::observed) {
        check.limit = tidy(threshold.expr.value * result_scale(threshold.expr));
        detail = "not judged yet: evaluate_observed_thresholds fills this from the observed series";
    } else if (aborted_run) {
        check = threshold.abort->check;
        check.pass = false;
        detail = fmt::format("aborted the run after {:g} s: {}", tidy(threshold.abort->end_s),
                             check.detail);
    } else if (threshold.window && windows.evaluated > 0) {
        check = windows.worst->check;
        check.pass = windows.failed == 0;
        detail =
            fmt::format("{} of {} windows of {:g} s failed; worst {:g}-{:g} s: {}", windows.failed,
                        windows.evaluated, threshold.window_s, tidy(windows.worst->start_s),
                        tidy(windows.worst->end_s), check.detail);
    } else {
        check = check_threshold(threshold.expr, whole_run);
        detail = threshold.window
                     ? fmt::format("no complete {:g} s window; measured over the whole run: {}",
                                   threshold.window_s, check.detail)
                     : check.detail;
    }

    json::object object;
    object["expr"] = threshold.spec.expr;
    object["request"] = threshold.request ? json::value(*threshold.request) : json::value(nullptr);
    if (threshold.expr.scope.kind != thresholds::ThresholdScopeKind::all) {
        object["scope"] = thresholds::scope_text(threshold.expr.scope);
    }
    object["window_s"] = threshold.window ? json::value(threshold.window_s) : json::value(nullptr);
    object["actual"] = check.actual ? json::value(*check.actual) : json::value(nullptr);
    object["limit"] = check.limit;
    object["unit"] = unit;
    object["pass"] = check.pass;
    object["abort_on_fail"] = threshold.spec.abort_on_fail;
    object["detail"] = detail;
    if (thresholds::is_analysis_metric(threshold.expr.metric)) {
        object["analysis"] = thresholds::metric_name(threshold.expr.metric);
    }
    if (threshold.expr.metric == ThresholdMetric::observed) {
        object["observed"] = threshold.expr.observed;
    }
    if (threshold.window) {
        json::object tally{{"length_s", threshold.window_s},
                           {"evaluated", windows.evaluated},
                           {"failed", windows.failed}};
        tally["worst_start_s"] =
            windows.worst ? json::value(tidy(windows.worst->start_s)) : json::value(nullptr);
        tally["worst_end_s"] =
            windows.worst ? json::value(tidy(windows.worst->end_s)) : json::value(nullptr);
        object["windows"] = std::move(tally);
    }
    return object;
}

}  // namespace volley::reports
