// Shapes of summary.json `analysis` (every type starts with the common keys):
//   common  {type, target_rps (null in a closed model), achieved_rps, achieved_ratio (null
//            without a target)}; load and soak add hold: {start_s, target_rps, achieved_rps}
//   stress  capacity_rps, capacity_step, breaking_point_rps, breaking_point_step (null when
//           none), breaking_point_failed: [expr], steps_planned, steps: [{step, start_s, end_s,
//           target_rps, achieved_rps, p99_ms, error_rate, service_p50_ms, service_p99_ms, pass,
//           complete, failed: [expr]}]
//   spike   recovered, recovery_s (null when not recovered), spike_end_s, baseline: {rps,
//           p99_ms, error_rate}, band: {p99_ms, error_rate, intervals}, peak: {rps,
//           achieved_rps, p99_ms, error_rate}
//   soak    drift: {window_s, windows, first, last: {start_s, end_s, p99_ms, error_rate,
//           throughput_rps} | null, p99_change_ms, p99_change_pct, p99_ms_per_min,
//           error_rate_change, generator_rss_mib: {first, last, change}}
//   all     headline: [{key, label, value, unit, text}] (analysis_headline), bottleneck:
//           {kind, text, suggestion, evidence} (reports/bottleneck.hpp)
// A figure that cannot be measured is null; `note` explains a missing analysis.
//
// Definitions:
//   achieved_rps   completed requests per second (of the run: over the schedule, or less when
//                  stopped early; of a window: completions in it, which lag its arrivals by the
//                  response time)
//   step pass      every threshold of the plan holds over the step's hold window (its `window`
//                  setting ignored: the step is the window); a step without completed requests
//                  fails the thresholds that need them
//   breaking point the first step that did not pass; capacity: the step before it (the last
//                  step when none failed; null when the first failed)
//   recovery_s     from the spike's end to the start of the first run of `intervals`
//                  consecutive intervals whose p99 and error rate are inside the band;
//                  intervals after the schedule (the drain) do not count
#include "reports/analysis.hpp"
#include "reports/json_numbers.hpp"

#include <boost/json/array.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <stdexcept>

namespace volley::reports {
namespace json = boost::json;
using thresholds::ScenarioType;

namespace {

// Interval bounds are exact multiples of the interval; this absorbs rounding only.
constexpr double kSlack_s = 1e-6;
constexpr double kRunning = std::numeric_limits<double>::infinity();

double seconds(engine::Nanos n) { return std::chrono::duration<double>(n).count(); }

double milliseconds(engine::Nanos n) {
    return std::chrono::duration<double, std::milli>(n).count();
}

std::optional<double> p99_ms_of(const engine::HdrHistogram& h) {
    if (h.empty()) return std::nullopt;
    return static_cast<double>(h.value_at_percentile(99)) / 1e6;
}

std::optional<double> error_rate_of(const SpanStats& span) {
    const auto completed = span.completed();
    if (completed == 0) return std::nullopt;
    const auto ok = span.outcomes[static_cast<std::size_t>(engine::Outcome::ok)];
    return static_cast<double>(completed - ok) / static_cast<double>(completed);
}

std::optional<double> ratio_or_null(double numerator, double denominator) {
    if (denominator <= 0) return std::nullopt;
    return numerator / denominator;
}

// The end of the schedule when the run completed it; infinity otherwise (nothing after the
// last interval counts as complete then).
double schedule_end_s(const engine::RunResult& result) {
    const double scheduled = seconds(result.scheduled_duration);
    return result.stop_reason == engine::StopReason::completed && scheduled > 0 ? scheduled
                                                                                : kRunning;
}

// The run's length as thresholds see it: the schedule, or less when stopped early.
double run_length_s(const engine::RunResult& result) {
    const double measured = seconds(result.measured);
    const double scheduled = seconds(result.scheduled_duration);
    return scheduled > 0 ? std::min(measured, scheduled) : measured;
}

json::object window_json(const SpanStats& span) {
    return json::object{
        {"start_s", tidy(span.start_s)},
        {"end_s", tidy(span.end_s)},
        {"p99_ms", tidy_or_null(p99_ms_of(span.response_time))},
        {"error_rate", tidy_or_null(error_rate_of(span))},
        {"throughput_rps",
         tidy_or_null(ratio_or_null(static_cast<double>(span.completed()), span.length_s))}};
}

}  // namespace

std::optional<double> resident_memory_kib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) != 0) continue;
        const auto digits = line.find_first_of("0123456789");
        if (digits == std::string::npos) return std::nullopt;
        const auto end = line.find_first_not_of("0123456789", digits);
        const std::string_view number = std::string_view(line).substr(digits, end - digits);
        double kib = 0;
        if (std::from_chars(number.data(), number.data() + number.size(), kib).ec != std::errc())
            return std::nullopt;
        return kib;
    }
    return std::nullopt;
}

RunAnalyser::RunAnalyser(AnalysisSettings settings, const ThresholdEvaluator* thresholds)
    : settings_(std::move(settings)), thresholds_(thresholds) {
    if (settings_.drift_window <= engine::Nanos{0}) {
        throw std::invalid_argument(fmt::format(
            "analysis: the drift window ({} ns) must be positive", settings_.drift_window.count()));
    }
    for (const StepWindow& step : settings_.steps) {
        if (step.end <= step.start) {
            throw std::invalid_argument(fmt::format(
                "analysis: the step window at {} s ends before it starts", seconds(step.start)));
        }
    }
    if (settings_.type == ScenarioType::spike) {
        baseline_.emplace();
        peak_.emplace();
    }
    if (settings_.type == ScenarioType::soak) drift_current_.emplace();
}

std::optional<std::string> RunAnalyser::on_interval(const engine::IntervalReport& report) {
    const double start_s = seconds(report.start), end_s = seconds(report.end);
    rate_points_.note(rate_point(report.stats, report.target_rps, start_s));
    switch (settings_.type) {
        case ScenarioType::stress: feed_stress(report, start_s, end_s); break;
        case ScenarioType::spike: feed_spike(report, start_s, end_s); break;
        case ScenarioType::soak: feed_soak(report, start_s, end_s); break;
        default: break;
    }
    return std::nullopt;
}

// ---- stress -------------------------------------------------------------------------------

// An interval belongs to the step whose hold window contains its midpoint; intervals on a
// ramp or after the last hold (the drain) belong to none.
void RunAnalyser::feed_stress(const engine::IntervalReport& report, double start_s, double end_s) {
    const double mid_s = (start_s + end_s) / 2;
    if (step_ && mid_s >= seconds(settings_.steps[step_->index].end)) {
        step_rows_.push_back(evaluate_step(*step_, kRunning));
        step_.reset();
    }
    for (std::size_t i = 0; i < settings_.steps.size(); ++i) {
        const StepWindow& window = settings_.steps[i];
        if (mid_s < seconds(window.start) || mid_s >= seconds(window.end)) continue;
        if (step_ && step_->index != i) {
            step_rows_.push_back(evaluate_step(*step_, kRunning));
            step_.reset();
        }
        if (!step_) {
            step_.emplace(StepAccumulator{i, engine::IntervalStats(report.stats.per_request.size()),
                                          0, 0, start_s, end_s});
        }
        step_->stats.add(report.stats);
        step_->length_s += end_s - start_s;
        step_->expected_requests += report.target_rps * (end_s - start_s);
        step_->end_s = end_s;
        return;
    }
}

RunAnalyser::StepRow RunAnalyser::evaluate_step(const StepAccumulator& step,
                                                double schedule_end_s) const {
    StepRow row;
    row.step = step.index + 1;
    row.window = settings_.steps[step.index];
    row.measured_s = step.length_s;
    const double window_start_s = seconds(row.window.start), window_end_s = seconds(row.window.end);
    row.complete =
        step.length_s + kSlack_s >= window_end_s - window_start_s ||
        (step.start_s <= window_start_s + kSlack_s && window_end_s <= schedule_end_s + kSlack_s);
    SpanStats all;
    all.add_interval(step.stats, std::nullopt, step.start_s, step.end_s, step.expected_requests);
    row.achieved_rps = all.length_s > 0 ? static_cast<double>(all.arrivals) / all.length_s : 0;
    row.p99_ms = p99_ms_of(all.response_time);
    row.error_rate = error_rate_of(all);
    row.service = rate_point(step.stats, row.window.target_rps, step.start_s);
    if (thresholds_ != nullptr) {
        const auto checks =
            thresholds_->check_all(step.stats, step.start_s, step.end_s, step.expected_requests);
        for (std::size_t i = 0; i < checks.size(); ++i) {
            if (checks[i].pass) continue;
            const auto& spec = thresholds_->spec(i);
            row.failed.push_back(spec.request ? fmt::format("[{}] {}", *spec.request, spec.expr)
                                              : spec.expr);
        }
    }
    row.pass = row.failed.empty();
    return row;
}

json::object RunAnalyser::stress_analysis(double schedule_end_s) const {
    std::vector<StepRow> rows = step_rows_;
    if (step_) rows.push_back(evaluate_step(*step_, schedule_end_s));
    const auto breaking =
        std::find_if(rows.begin(), rows.end(), [](const StepRow& r) { return !r.pass; });
    const StepRow* capacity = nullptr;
    if (breaking != rows.begin() && !rows.empty()) capacity = &*std::prev(breaking);

    json::object out;
    out["capacity_rps"] =
        capacity ? json::value(capacity->window.target_rps) : json::value(nullptr);
    out["capacity_step"] = capacity ? json::value(capacity->step) : json::value(nullptr);
    const bool broke = breaking != rows.end();
    out["breaking_point_rps"] =
        broke ? json::value(breaking->window.target_rps) : json::value(nullptr);
    out["breaking_point_step"] = broke ? json::value(breaking->step) : json::value(nullptr);
    json::array failed;
    if (broke) {
        for (const auto& expr : breaking->failed) failed.push_back(json::string(expr));
    }
    out["breaking_point_failed"] = std::move(failed);
    out["steps_planned"] = settings_.steps.size();
    json::array steps;
    for (const auto& row : rows) {
        json::array row_failed;
        for (const auto& expr : row.failed) row_failed.push_back(json::string(expr));
        steps.push_back(json::object{
            {"step", row.step},
            {"start_s", tidy(seconds(row.window.start))},
            {"end_s", tidy(seconds(row.window.end))},
            {"target_rps", row.window.target_rps},
            {"achieved_rps", tidy(row.achieved_rps)},
            {"p99_ms", tidy_or_null(row.p99_ms)},
            {"error_rate", tidy_or_null(row.error_rate)},
            {"service_p50_ms", row.service.responses > 0 ? json::value(tidy(row.service.p50_ms))
                                                         : json::value(nullptr)},
            {"service_p99_ms", row.service.responses > 0 ? json::value(tidy(row.service.p99_ms))
                                                         : json::value(nullptr)},
            {"pass", row.pass},
            {"complete", row.complete},
            {"failed", std::move(row_failed)}});
    }
    out["steps"] = std::move(steps);
    if (rows.empty())
        out["note"] = "no step hold window was measured";
    else if (thresholds_ == nullptr || thresholds_->size() == 0)
        out["note"] = "no thresholds: every measured step counts as met";
    return out;
}

// ---- spike --------------------------------------------------------------------------------

void RunAnalyser::feed_spike(const engine::IntervalReport& report, double start_s, double end_s) {
    const double expected = report.target_rps * (end_s - start_s);
    if (end_s <= seconds(settings_.spike_start) + kSlack_s) {
        baseline_->add_interval(report.stats, std::nullopt, start_s, end_s, expected);
    }
    const double mid_s = (start_s + end_s) / 2;
    if (mid_s >= seconds(settings_.spike_peak_start) && mid_s < seconds(settings_.spike_peak_end)) {
        peak_->add_interval(report.stats, std::nullopt, start_s, end_s, expected);
    }
}

json::object RunAnalyser::spike_analysis(const engine::RunResult& result) const {
    json::object out;
    // A spike that never ends: no interval comes after it, nothing recovers.
    const bool spike_ended = settings_.spike_end.has_value();
    const double spike_end_s = spike_ended ? seconds(*settings_.spike_end) : kRunning;
    out["spike_end_s"] = spike_ended ? json::value(spike_end_s) : json::value(nullptr);
    const auto baseline_p99 = p99_ms_of(baseline_->response_time);
    const auto baseline_errors = error_rate_of(*baseline_);
    out["baseline"] = json::object{{"rps", settings_.baseline_rps},
                                   {"p99_ms", tidy_or_null(baseline_p99)},
                                   {"error_rate", tidy_or_null(baseline_errors)}};
    out["peak"] = json::object{
        {"rps", settings_.spike_rps},
        {"achieved_rps",
         tidy_or_null(ratio_or_null(static_cast<double>(peak_->arrivals), peak_->length_s))},
        {"p99_ms", tidy_or_null(p99_ms_of(peak_->response_time))},
        {"error_rate", tidy_or_null(error_rate_of(*peak_))}};
    if (!baseline_p99 || !baseline_errors) {
        out["recovered"] = false;
        out["recovery_s"] = nullptr;
        out["band"] = nullptr;
        out["note"] = "no request completed before the spike: no baseline to recover to";
        return out;
    }
    const double band_p99_ms =
        settings_.recovery_p99_factor * *baseline_p99 + milliseconds(settings_.recovery_p99_slack);
    const double band_error_rate = *baseline_errors + settings_.recovery_error_points / 100;
    out["band"] = json::object{{"p99_ms", tidy(band_p99_ms)},
                               {"error_rate", tidy(band_error_rate)},
                               {"intervals", settings_.recovery_intervals}};

    // The first run of `recovery_intervals` consecutive in-band intervals after the spike;
    // intervals after the schedule (the drain) are not part of the profile and do not count.
    const double scheduled_end_s = seconds(result.scheduled_duration);
    std::optional<double> streak_start_s;
    std::size_t streak = 0;
    bool recovered = false;
    for (const auto& row : result.intervals) {
        const double row_start_s = row.t_s;  // intervals' t_s is their start
        if (row_start_s + kSlack_s < spike_end_s) continue;
        if (scheduled_end_s > 0 && row_start_s + kSlack_s >= scheduled_end_s) break;
        const double p99_ms = static_cast<double>(row.p99_ns) / 1e6;
        const double error_rate =
            row.requests > 0 ? static_cast<double>(row.errors) / static_cast<double>(row.requests)
                             : 1;
        const bool in_band =
            row.requests > 0 && p99_ms <= band_p99_ms && error_rate <= band_error_rate;
        if (!in_band) {
            streak = 0;
            continue;
        }
        if (streak++ == 0) streak_start_s = row_start_s;
        if (streak >= settings_.recovery_intervals) {
            recovered = true;
            break;
        }
    }
    out["recovered"] = recovered;
    out["recovery_s"] = recovered ? json::value(tidy(std::max(0.0, *streak_start_s - spike_end_s)))
                                  : json::value(nullptr);
    if (!spike_ended) {
        out["note"] = "the profile does not come back to the baseline after the spike";
    } else if (!recovered) {
        out["note"] = fmt::format(
            "p99 and error rate did not stay within the baseline band for {} "
            "consecutive intervals after the spike",
            settings_.recovery_intervals);
    }
    return out;
}

// ---- soak ---------------------------------------------------------------------------------

void RunAnalyser::feed_soak(const engine::IntervalReport& report, double start_s, double end_s) {
    if (const auto rss = resident_memory_kib()) {
        if (!rss_first_kib_) rss_first_kib_ = rss;
        rss_last_kib_ = rss;
    }
    if (start_s + kSlack_s < seconds(settings_.hold_start)) return;
    drift_current_->add_interval(report.stats, std::nullopt, start_s, end_s,
                                 report.target_rps * (end_s - start_s));
    if (drift_current_->length_s + kSlack_s < seconds(settings_.drift_window)) return;
    ++drift_windows_;
    auto& keep = drift_first_ ? drift_last_ : drift_first_;
    if (!keep) keep.emplace();
    std::swap(*keep, *drift_current_);
    drift_current_->reset();
}

json::object RunAnalyser::soak_analysis(double schedule_end_s) const {
    // The window being filled counts when the schedule covered all of it.
    const SpanStats* first = drift_first_ ? &*drift_first_ : nullptr;
    const SpanStats* last = drift_last_ ? &*drift_last_ : nullptr;
    std::size_t windows = drift_windows_;
    if (drift_current_ && drift_current_->intervals > 0 &&
        drift_current_->start_s + seconds(settings_.drift_window) <= schedule_end_s + kSlack_s) {
        (first ? last : first) = &*drift_current_;
        ++windows;
    }
    json::object drift;
    drift["window_s"] = seconds(settings_.drift_window);
    drift["windows"] = windows;
    drift["first"] = first ? json::value(window_json(*first)) : json::value(nullptr);
    drift["last"] = last ? json::value(window_json(*last)) : json::value(nullptr);
    std::optional<double> p99_change_ms, p99_change_pct, p99_ms_per_min, error_rate_change;
    if (first && last) {
        const auto first_p99 = p99_ms_of(first->response_time);
        const auto last_p99 = p99_ms_of(last->response_time);
        if (first_p99 && last_p99) {
            p99_change_ms = *last_p99 - *first_p99;
            if (*first_p99 > 0) p99_change_pct = (*last_p99 / *first_p99 - 1) * 100;
            const double minutes_apart =
                ((last->start_s + last->end_s) - (first->start_s + first->end_s)) / 2 / 60;
            if (minutes_apart > 0) p99_ms_per_min = *p99_change_ms / minutes_apart;
        }
        const auto first_errors = error_rate_of(*first);
        const auto last_errors = error_rate_of(*last);
        if (first_errors && last_errors) error_rate_change = *last_errors - *first_errors;
    } else {
        drift["note"] = fmt::format("fewer than two complete {:g} s drift windows",
                                    seconds(settings_.drift_window));
    }
    drift["p99_change_ms"] = tidy_or_null(p99_change_ms);
    drift["p99_change_pct"] = tidy_or_null(p99_change_pct);
    drift["p99_ms_per_min"] = tidy_or_null(p99_ms_per_min);
    drift["error_rate_change"] = tidy_or_null(error_rate_change);
    const auto mib = [](std::optional<double> kib) -> std::optional<double> {
        if (!kib) return std::nullopt;
        return *kib / 1024;
    };
    std::optional<double> rss_change;
    if (rss_first_kib_ && rss_last_kib_) rss_change = (*rss_last_kib_ - *rss_first_kib_) / 1024;
    drift["generator_rss_mib"] = json::object{{"first", tidy_or_null(mib(rss_first_kib_))},
                                              {"last", tidy_or_null(mib(rss_last_kib_))},
                                              {"change", tidy_or_null(rss_change)}};
    return json::object{{"drift", std::move(drift)}};
}

// ---- all types ----------------------------------------------------------------------------

json::object RunAnalyser::analyse(const engine::RunResult& result) const {
    json::object out;
    out["type"] = thresholds::scenario_type_name(settings_.type);
    // Against the target rate: answered arrivals (a journey counts once, not once per step).
    const double completed = static_cast<double>(result.totals.arrivals);
    const auto achieved = ratio_or_null(completed, run_length_s(result));
    out["target_rps"] =
        result.target_rps > 0 ? json::value(tidy(result.target_rps)) : json::value(nullptr);
    out["achieved_rps"] = tidy_or_null(achieved);
    out["achieved_ratio"] = tidy_or_null(achieved && result.target_rps > 0
                                             ? std::optional<double>(*achieved / result.target_rps)
                                             : std::nullopt);
    if (settings_.type == ScenarioType::load || settings_.type == ScenarioType::soak) {
        // The hold: profile intervals from the end of the ramp-up to the end of the schedule.
        // Completions in the drain after it belong to requests sent in the hold: they count,
        // the drain's time does not.
        const double scheduled_end_s = seconds(result.scheduled_duration);
        double length_s = 0, requests = 0, expected = 0;
        for (const auto& row : result.intervals) {
            const double row_start_s = row.t_s;  // intervals' t_s is their start
            if (row_start_s + kSlack_s < seconds(settings_.hold_start)) continue;
            requests += static_cast<double>(row.arrivals);
            if (scheduled_end_s > 0 && row_start_s + kSlack_s >= scheduled_end_s) continue;
            // The last interval may reach into the drain (a short tail joins it): only its
            // time up to the schedule's end counts; its expected arrivals all lie before.
            const double row_end_s = row.t_s + row.length_s;
            length_s += (scheduled_end_s > 0 ? std::min(row_end_s, scheduled_end_s) : row_end_s) -
                        row_start_s;
            expected += row.target_rps * row.length_s;
        }
        out["hold"] =
            json::object{{"start_s", seconds(settings_.hold_start)},
                         {"target_rps", tidy_or_null(ratio_or_null(expected, length_s))},
                         {"achieved_rps", tidy_or_null(ratio_or_null(requests, length_s))}};
    }
    json::object specific;
    switch (settings_.type) {
        case ScenarioType::stress: specific = stress_analysis(schedule_end_s(result)); break;
        case ScenarioType::spike: specific = spike_analysis(result); break;
        case ScenarioType::soak: specific = soak_analysis(schedule_end_s(result)); break;
        default: break;
    }
    for (auto& [key, value] : specific) out[key] = value;
    out["headline"] = analysis_headline(out);

    BottleneckInputs inputs;
    inputs.connections_key = settings_.connections_key;
    inputs.low = rate_points_.lowest();
    inputs.high = rate_points_.highest();
    if (settings_.type == ScenarioType::stress) {
        // The steps hold their rates: compare the first and the last measured step.
        std::vector<StepRow> rows = step_rows_;
        if (step_) rows.push_back(evaluate_step(*step_, schedule_end_s(result)));
        std::optional<RatePoint> first, last;
        for (const auto& row : rows) {
            if (row.service.responses < RatePoints::kMinResponses) continue;
            if (!first) first = row.service;
            last = row.service;
        }
        if (first) {
            inputs.low = first;
            inputs.high = last;
        }
    }
    out["bottleneck"] = bottleneck_analysis(result, inputs);
    return out;
}

}  // namespace volley::reports
