#include "reports/observed_summary.hpp"

#include "reports/json_numbers.hpp"
#include "reports/summary_fields.hpp"
#include "reports/thresholds.hpp"
#include "thresholds/threshold_expr.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace volley::reports {
namespace json = boost::json;
using detail::Fields;

namespace {

std::vector<double> interval_ends_s(const std::vector<engine::IntervalRow>& rows) {
    std::vector<double> ends;
    ends.reserve(rows.size());
    for (const auto& row : rows) ends.push_back(row.t_s + row.length_s);
    return ends;
}

const char* kSlope = "_slope";

}  // namespace

json::object observed_section(const ObservedRun& observed,
                              const std::vector<engine::IntervalRow>& rows) {
    json::array sources;
    for (const auto& source : observed.sources) {
        json::array notes;
        for (const auto& note : source.notes) notes.emplace_back(note);
        sources.push_back(json::object{
            {"name", source.name},
            {"samples", source.samples},
            {"failures", source.failures},
            {"first_error",
             source.first_error.empty() ? json::value(nullptr) : json::value(source.first_error)},
            {"notes", std::move(notes)}});
    }
    const auto ends = interval_ends_s(rows);
    json::array series;
    for (const auto& s : observed.series) {
        std::optional<double> low, high;
        for (const auto& point : s.points) {
            if (!point) continue;
            const auto value = point_value(s.kind, *point);
            if (!value) continue;
            low = low ? std::min(*low, *value) : *value;
            high = high ? std::max(*high, *value) : *value;
        }
        json::object entry{{"name", s.name},
                           {"source", s.source},
                           {"kind", observed_kind_name(s.kind)},
                           {"unit", s.unit},
                           {"value", tidy_or_null(span_value(s, 0, s.points.size()))},
                           {"min", tidy_or_null(low)},
                           {"max", tidy_or_null(high)}};
        if (s.kind == ObservedKind::gauge) {
            entry["slope_per_h"] = tidy_or_null(span_slope_per_hour(s, ends, 0, s.points.size()));
        }
        series.push_back(std::move(entry));
    }
    json::array statements;
    for (const auto& statement : observed.statements) {
        statements.push_back(json::object{{"text", statement.text},
                                          {"calls", statement.calls},
                                          {"total_time_ms", tidy(statement.total_time_ms)},
                                          {"calls_per_request", tidy(statement.calls_per_request)},
                                          {"n_plus_one", statement.n_plus_one},
                                          {"why", statement.why}});
    }
    return json::object{{"sources", std::move(sources)},
                        {"series", std::move(series)},
                        {"statements", std::move(statements)},
                        {"sampler_cpu_s", tidy(observed.sampler_cpu_seconds)}};
}

void add_observed_intervals(json::array& intervals, const ObservedRun& observed) {
    for (std::size_t i = 0; i < intervals.size(); ++i) {
        auto* row = intervals[i].if_object();
        if (row == nullptr) continue;
        json::object values;
        for (const auto& s : observed.series) {
            std::optional<double> value;
            if (i < s.points.size() && s.points[i]) value = point_value(s.kind, *s.points[i]);
            values[s.name] = tidy_or_null(value);
        }
        (*row)["observed"] = std::move(values);
    }
}

namespace {

struct ObservedFigure {
    std::optional<double> value;  // in the series' unit (per hour for a slope)
    std::string detail;
};

// The threshold's figure over the rows [first, last).
ObservedFigure figure_of(const ObservedSeries& series, bool slope, const std::vector<double>& ends,
                         std::size_t first, std::size_t last) {
    if (slope) {
        const auto value = span_slope_per_hour(series, ends, first, last);
        if (!value) return {std::nullopt, "fewer than two samples to fit a slope"};
        return {value, "least-squares slope of the samples"};
    }
    const auto value = span_value(series, first, last);
    if (!value) return {std::nullopt, "no sample with a value"};
    std::string how;
    switch (series.kind) {
        case ObservedKind::gauge: how = "mean of the samples"; break;
        case ObservedKind::peak: how = "largest interval value"; break;
        case ObservedKind::rate: how = "increase / seconds"; break;
        case ObservedKind::ratio: how = "sum / sum over the intervals"; break;
    }
    return {value, how};
}

// Why a series has no point at all: the source's failures, or no such series.
std::string why_no_data(const ObservedRun& observed, const std::string& name) {
    const auto dot = name.find('.');
    const std::string prefix = name.substr(0, dot);
    for (const auto& source : observed.sources) {
        const bool matches =
            source.name == prefix || (prefix == "prom" && source.name.starts_with("prometheus"));
        if (!matches) continue;
        if (source.failures > 0) {
            return fmt::format("no data: source {} failed {} of {} samples: {}", source.name,
                               source.failures, source.samples, source.first_error);
        }
        if (!source.notes.empty()) return "no data: " + source.notes.front();
    }
    return fmt::format("no data: no source wrote {}", name);
}

}  // namespace

namespace {

// The worst complete window of `window_s` (consecutive interval rows) of a threshold, with the
// tally summary.json keeps for windowed thresholds.
struct WindowsJudged {
    std::uint64_t evaluated = 0, failed = 0;
    ObservedFigure worst;
    double worst_start_s = 0, worst_end_s = 0;
};

WindowsJudged judge_windows(const ObservedSeries& series, bool slope,
                            const thresholds::ThresholdExpr& expr, double window_s,
                            const engine::RunResult& result, const std::vector<double>& ends,
                            std::size_t count) {
    const auto& rows = result.intervals;
    const double scheduled_s = std::chrono::duration<double>(result.scheduled_duration).count();
    const bool schedule_done =
        result.stop_reason == engine::StopReason::completed && scheduled_s > 0;
    WindowsJudged out;
    std::optional<double> worst_badness;
    std::size_t first = 0;
    double length = 0;
    for (std::size_t i = 0; i < count; ++i) {
        length += rows[i].length_s;
        const bool last_covered =
            i + 1 == count && schedule_done && rows[first].t_s + window_s <= scheduled_s + 1e-6;
        if (length + 1e-6 < window_s && !last_covered) continue;
        const auto figure = figure_of(series, slope, ends, first, i + 1);
        if (figure.value) {
            ++out.evaluated;
            if (!thresholds::compare(*figure.value, expr.cmp, expr.value)) ++out.failed;
            const double bad = thresholds::badness(*figure.value, expr.cmp, expr.value);
            if (!worst_badness || bad > *worst_badness) {
                worst_badness = bad;
                out.worst = figure;
                out.worst_start_s = rows[first].t_s;
                out.worst_end_s = ends[i];
            }
        }
        first = i + 1;
        length = 0;
    }
    return out;
}

}  // namespace

void evaluate_observed_thresholds(json::array& thresholds, const ObservedRun& observed,
                                  const engine::RunResult& result) {
    const auto ends = interval_ends_s(result.intervals);
    for_each_judged_at_end(
        thresholds, "observed",
        [&](json::object& threshold, const thresholds::ThresholdExpr& expr) {
            std::string name = expr.observed;
            const bool slope = name.ends_with(kSlope);
            if (slope) name.resize(name.size() - std::string_view(kSlope).size());
            if (expr.scope.kind != thresholds::ThresholdScopeKind::all) {
                name += fmt::format("{{{}}}", thresholds::scope_text(expr.scope));
            }
            const bool as_percent = expr.unit == thresholds::ThresholdUnit::ratio;
            const double scale = as_percent ? 100 : 1;
            const ObservedSeries* series = observed.find(name);
            threshold["limit"] = tidy(expr.value * scale);
            if (series == nullptr) {
                threshold["actual"] = nullptr;
                threshold["pass"] = false;
                threshold["unit"] = as_percent ? "%" : "";
                threshold["detail"] = why_no_data(observed, name);
                return;
            }
            threshold["unit"] =
                as_percent ? std::string("%") : (slope ? series->unit + "/h" : series->unit);
            const std::size_t count = std::min(series->points.size(), result.intervals.size());
            ObservedFigure judged = figure_of(*series, slope, ends, 0, count);
            bool pass = judged.value && thresholds::compare(*judged.value, expr.cmp, expr.value);
            std::string detail = judged.detail;
            const auto* window = threshold.if_contains("window_s");
            if (window != nullptr && window->is_number() && window->to_number<double>() > 0) {
                const double window_s = window->to_number<double>();
                const auto windows =
                    judge_windows(*series, slope, expr, window_s, result, ends, count);
                const bool any = windows.evaluated > 0;
                if (any) {
                    judged = windows.worst;
                    pass = windows.failed == 0;
                    detail = fmt::format("{} of {} windows of {:g} s failed; worst {:g}-{:g} s: {}",
                                         windows.failed, windows.evaluated, window_s,
                                         tidy(windows.worst_start_s), tidy(windows.worst_end_s),
                                         judged.detail);
                } else {
                    detail =
                        fmt::format("no complete {:g} s window; measured over the whole run: {}",
                                    window_s, detail);
                }
                threshold["windows"] = json::object{
                    {"length_s", window_s},
                    {"evaluated", windows.evaluated},
                    {"failed", windows.failed},
                    {"worst_start_s",
                     any ? json::value(tidy(windows.worst_start_s)) : json::value()},
                    {"worst_end_s", any ? json::value(tidy(windows.worst_end_s)) : json::value()}};
            }
            if (!judged.value) detail = why_no_data(observed, name) + " (" + judged.detail + ")";
            threshold["actual"] =
                judged.value ? json::value(tidy(*judged.value * scale)) : json::value(nullptr);
            threshold["pass"] = judged.value.has_value() && pass;
            threshold["detail"] = detail;
        });
}

std::optional<ObservedFigures> parse_observed(const json::object& object, std::string_view source) {
    const Fields summary(object, "", source);
    if (!summary.has("observed")) return std::nullopt;
    const auto section = summary.object("observed");
    ObservedFigures out;
    out.sources = section.objects("sources", [](const Fields& f) {
        ObservedSourceFigures row;
        row.name = f.text("name");
        row.samples = f.count("samples");
        row.failures = f.count("failures");
        row.first_error = f.text_or_null("first_error").value_or("");
        row.notes = f.texts("notes");
        return row;
    });
    out.series = section.objects("series", [](const Fields& f) {
        ObservedSeriesFigures row;
        row.name = f.text("name");
        row.source = f.text("source");
        row.kind = f.text("kind");
        row.unit = f.text("unit");
        row.value = f.number_or_null("value");
        row.min = f.number_or_null("min");
        row.max = f.number_or_null("max");
        if (f.has("slope_per_h")) row.slope_per_h = f.number_or_null("slope_per_h");
        return row;
    });
    out.statements = section.objects("statements", [](const Fields& f) {
        return ObservedStatementFigures{f.text("text"),
                                        f.count("calls"),
                                        f.number("total_time_ms"),
                                        f.number("calls_per_request"),
                                        f.flag("n_plus_one"),
                                        f.text("why")};
    });
    out.sampler_cpu_s = section.number("sampler_cpu_s");
    // Each interval's values, by series name.
    const auto& intervals = summary.array("intervals");
    for (auto& series : out.series) series.values.resize(intervals.size());
    for (std::size_t i = 0; i < intervals.size(); ++i) {
        if (!intervals[i].is_object()) continue;  // run_summary reports it
        const Fields row(intervals[i].get_object(), fmt::format("intervals[{}]", i), source);
        if (!row.has("observed")) continue;
        const auto values = row.object("observed");
        for (auto& series : out.series) {
            if (values.has(series.name)) series.values[i] = values.number_or_null(series.name);
        }
    }
    return out;
}

}  // namespace volley::reports
