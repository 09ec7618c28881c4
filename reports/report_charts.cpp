#include "reports/report_charts.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "reports/number_format.hpp"
#include "reports/report_tables.hpp"

namespace volley::reports {
namespace {

constexpr double no_value = std::numeric_limits<double>::quiet_NaN();

// One figure of an interval row; nullopt (no cache in the row) draws as a gap.
using IntervalValue = std::optional<double> (*)(const IntervalFigures&);

std::string percent_tick(double percent) { return fmt::format("{}%", format_tick(percent)); }

// One series from the intervals: y = value(row) × scale, optionally divided by the interval
// length (to turn counts into per-second rates). Absent values become NaN so the line breaks.
ChartSeries interval_series(const RunSummary& summary, std::string name, IntervalValue value,
                            int style, double scale = 1.0, bool per_second = false) {
    ChartSeries series{std::move(name), {}, style};
    for (const auto& row : summary.intervals) {
        const double length = row.length_s;
        const double start = row.t_s;
        const auto measured = value(row);
        double y = measured ? *measured * scale : no_value;
        if (per_second) y = length > 0 ? y / length : no_value;
        series.points.push_back({start + length / 2, y});
    }
    return series;
}

}  // namespace

LineChart interval_time_chart(const RunSummary& summary, std::string title, std::string y_label) {
    LineChart chart;
    chart.title = std::move(title);
    chart.x.label = "time since start (s)";
    chart.x.min = 0.0;
    if (summary.duration_s > 0) chart.x.max = summary.duration_s;
    chart.y.label = std::move(y_label);
    chart.y.min = 0.0;
    for (const auto& stage : stages(summary)) {
        if (stage.number == 1 && stage.start_s <= 0) continue;
        chart.markers.push_back({stage.start_s, stage.target_rps
                                                    ? fmt::format("stage {} → {} rps", stage.number,
                                                                  format_rps(*stage.target_rps))
                                                    : fmt::format("stage {}", stage.number)});
    }
    return chart;
}

namespace {

// x position of a percentile level p (0..1) on the 1/(1−p) axis: log10(1/(1−p)). p = 1 has no
// finite position; it is drawn where 1/(1−p) = total count, past the finest resolvable level.
// At most 15 decades (99.9999999999999 %): more needs over 10^15 responses, which only a
// corrupted summary claims (an infinite count would make the axis infinite).
constexpr double kMaxTailDecades = 15.0;

double tail_position(double percentile, double total_count) {
    if (percentile < 1.0) return std::min(kMaxTailDecades, std::log10(1.0 / (1.0 - percentile)));
    return std::min(kMaxTailDecades, std::log10(std::max(10.0, total_count)));
}

// Tick label of decade d on the 1/(1−p) axis: the percentile 1 − 10^−d.
std::string tail_label(int decade) {
    if (decade == 0) return "0%";
    if (decade == 1) return "90%";
    return "99" + (decade > 2 ? "." + std::string(static_cast<std::size_t>(decade - 2), '9') : "") +
           "%";
}

ChartSeries spectrum_series(const std::vector<SpectrumRow>& rows, std::string name, int style,
                            double& widest) {
    ChartSeries series{std::move(name), {}, style};
    double total = 0;
    for (const auto& row : rows) total = std::max(total, row.count);
    for (const auto& row : rows) {
        const double x = tail_position(row.fraction, total);
        widest = std::max(widest, x);
        series.points.push_back({x, row.value_ms});
    }
    return series;
}

}  // namespace

LineChart latency_over_time_chart(const RunSummary& summary) {
    auto chart = interval_time_chart(summary, "Response time percentiles per interval",
                                     "response time (ms)");
    chart.series = {
        interval_series(
            summary, "p50", [](const IntervalFigures& r) { return std::optional(r.p50_ms); }, 0),
        interval_series(
            summary, "p95", [](const IntervalFigures& r) { return std::optional(r.p95_ms); }, 2),
        interval_series(
            summary, "p99", [](const IntervalFigures& r) { return std::optional(r.p99_ms); }, 1),
        interval_series(
            summary, "max", [](const IntervalFigures& r) { return std::optional(r.max_ms); }, 5)};
    return chart;
}

LineChart throughput_chart(const RunSummary& summary) {
    auto chart =
        interval_time_chart(summary, "Achieved and target throughput", "requests per second");
    chart.series = {
        interval_series(
            summary, "achieved",
            [](const IntervalFigures& r) { return std::optional(r.throughput_rps); }, 0),
        interval_series(
            summary, "target", [](const IntervalFigures& r) { return std::optional(r.target_rps); },
            3)};
    return chart;
}

LineChart outcomes_chart(const RunSummary& summary) {
    auto chart =
        interval_time_chart(summary, "Errors and dropped requests per second", "per second");
    chart.series = {
        interval_series(
            summary, "errors/s",
            [](const IntervalFigures& r) { return std::optional(static_cast<double>(r.errors)); },
            1, 1.0, true),
        interval_series(
            summary, "dropped/s",
            [](const IntervalFigures& r) { return std::optional(static_cast<double>(r.dropped)); },
            3, 1.0, true)};
    return chart;
}

LineChart cache_chart(const RunSummary& summary) {
    auto chart =
        interval_time_chart(summary, "Cache-hit rate and served-by share", "share of requests (%)");
    chart.y.max = 100.0;
    chart.y.tick_format = &percent_tick;
    chart.series = {interval_series(
        summary, "hit rate",
        [](const IntervalFigures& r) {
            return r.cache ? std::optional(r.cache->hit_rate) : std::nullopt;
        },
        0, 100.0)};
    constexpr std::array<int, 4> tier_styles{2, 3, 4, 1};
    constexpr std::array<IntervalValue, 4> tier_shares{
        [](const IntervalFigures& r) {
            return r.cache ? std::optional(r.cache->served_by[0]) : std::nullopt;
        },
        [](const IntervalFigures& r) {
            return r.cache ? std::optional(r.cache->served_by[1]) : std::nullopt;
        },
        [](const IntervalFigures& r) {
            return r.cache ? std::optional(r.cache->served_by[2]) : std::nullopt;
        },
        [](const IntervalFigures& r) {
            return r.cache ? std::optional(r.cache->served_by[3]) : std::nullopt;
        }};
    for (std::size_t i = 0; i < cache_tiers.size(); ++i) {
        chart.series.push_back(
            interval_series(summary, fmt::format("{} {}", cache_tiers[i].tier, cache_tiers[i].name),
                            tier_shares[i], tier_styles[i], 100.0));
    }
    return chart;
}

LineChart spectrum_chart(const RunSummary& summary) {
    LineChart chart;
    chart.title = "Latency by percentile (HdrHistogram percentile spectrum)";
    chart.x.label = "percentile (log scale of 1/(1−p))";
    chart.y.label = "latency (ms)";
    chart.y.min = 0.0;
    double widest = 1.0;
    chart.series = {spectrum_series(summary.response_spectrum, "response time", 0, widest),
                    spectrum_series(summary.service_spectrum, "service time", 1, widest)};
    const int decades = std::max(1, static_cast<int>(std::ceil(widest - 1e-9)));
    chart.x.min = 0.0;
    chart.x.max = static_cast<double>(decades);
    for (int decade = 0; decade <= decades; ++decade) {
        chart.x.ticks.push_back({static_cast<double>(decade), tail_label(decade)});
    }
    return chart;
}

LineChart schedule_lag_chart(const RunSummary& summary) {
    auto chart =
        interval_time_chart(summary, "Schedule lag p99 per interval", "schedule lag p99 (ms)");
    chart.height = 220;
    chart.series = {interval_series(
        summary, "schedule lag p99",
        [](const IntervalFigures& r) { return std::optional(r.lag_p99_ms); }, 0)};
    return chart;
}

LineChart cpu_chart(const RunSummary& summary) {
    // cpu_util is CPU time / wall time: 100% = one core busy, more with several threads.
    auto chart = interval_time_chart(summary, "Generator CPU per interval", "CPU (% of one core)");
    chart.height = 220;
    chart.y.tick_format = &percent_tick;
    chart.series = {interval_series(
        summary, "CPU", [](const IntervalFigures& r) { return std::optional(r.cpu_util); }, 3,
        100.0)};
    return chart;
}

}  // namespace volley::reports
