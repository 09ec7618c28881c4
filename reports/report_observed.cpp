#include "reports/report_observed.hpp"

#include "reports/number_format.hpp"
#include "reports/report_charts.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <map>

namespace volley::reports {

std::string format_observed(double value, const std::string& unit) {
    if (unit == "ratio") return format_percent(value);
    if (unit == "bytes") {
        const double magnitude = std::abs(value);
        if (magnitude >= 1e9) return fmt::format("{} GB", format_number(value / 1e9));
        if (magnitude >= 1e6) return fmt::format("{} MB", format_number(value / 1e6));
        if (magnitude >= 1e3) return fmt::format("{} kB", format_number(value / 1e3));
        return fmt::format("{} B", format_number(value));
    }
    if (unit == "1/s") return format_number(value) + "/s";
    if (unit.empty() || unit == "count") return format_number(value);
    return fmt::format("{} {}", format_number(value), unit);
}

std::optional<ReportTable> observed_sources_table(const RunSummary& summary) {
    if (!summary.observed) return std::nullopt;
    ReportTable table{"observed-sources",
                      "Observed sources",
                      "What observe: read from the system under test once per interval, on its own "
                      "thread; a source that fails is counted here and never stops the run.",
                      {{"Source"}, {"Samples", true}, {"Failed", true}, {"First error"}, {"Notes"}},
                      {},
                      {}};
    for (const auto& source : summary.observed->sources) {
        std::string notes;
        for (const auto& note : source.notes) notes += (notes.empty() ? "" : "; ") + note;
        table.add_row(
            {source.name, format_count(static_cast<double>(source.samples)),
             format_count(static_cast<double>(source.failures)), source.first_error, notes},
            source.failures > 0 ? RowMark::bad : RowMark::none);
    }
    return table;
}

std::optional<ReportTable> observed_series_table(const RunSummary& summary) {
    if (!summary.observed || summary.observed->series.empty()) return std::nullopt;
    ReportTable table{
        "observed-series",
        "Observed figures",
        "Over the whole run: counters as per-second rates, ratios summed over the "
        "intervals, levels as their mean (with the least-squares change per hour), "
        "per-interval quantiles as their worst interval.",
        {{"Series"}, {"Whole run", true}, {"Min", true}, {"Max", true}, {"Change per hour", true}},
        {},
        {}};
    const auto show = [](const std::optional<double>& value, const std::string& unit) {
        return value ? format_observed(*value, unit) : std::string("—");
    };
    for (const auto& series : summary.observed->series) {
        table.add_row({series.name, show(series.value, series.unit), show(series.min, series.unit),
                       show(series.max, series.unit),
                       series.slope_per_h ? format_observed(*series.slope_per_h, series.unit) + "/h"
                                          : std::string("—")});
    }
    return table;
}

std::optional<ReportTable> observed_statements_table(const RunSummary& summary) {
    if (!summary.observed || summary.observed->statements.empty()) return std::nullopt;
    ReportTable table{
        "observed-statements",
        "PostgreSQL statements",
        "From pg_stat_statements, most calls first; calls per request divide by the "
        "requests completed while PostgreSQL was observed. N+1: more calls per "
        "request than observe.postgres.n_plus_one.",
        {{"Statement"}, {"Calls", true}, {"Calls per request", true}, {"Time (ms)", true}, {"N+1"}},
        {},
        {}};
    for (const auto& statement : summary.observed->statements) {
        table.add_row(
            {statement.text, format_count(static_cast<double>(statement.calls)),
             format_number(statement.calls_per_request), format_ms(statement.total_time_ms),
             statement.n_plus_one ? "N+1: " + statement.why : ""},
            statement.n_plus_one ? RowMark::bad : RowMark::none);
    }
    return table;
}

std::vector<ObservedChart> observed_charts(const RunSummary& summary) {
    std::vector<ObservedChart> charts;
    if (!summary.observed) return charts;
    // (source, unit) -> chart index, in the order the series come.
    std::map<std::pair<std::string, std::string>, std::size_t> index;
    int style = 0;
    for (const auto& series : summary.observed->series) {
        const auto key = std::make_pair(series.source, series.unit);
        auto found = index.find(key);
        if (found == index.end()) {
            const bool ratio = series.unit == "ratio";
            const std::string unit = ratio ? "%" : (series.unit.empty() ? "value" : series.unit);
            LineChart chart = interval_time_chart(summary, series.source + " (" + unit + ")", unit);
            if (ratio) chart.y.max = 100.0;
            found = index.emplace(key, charts.size()).first;
            charts.push_back({fmt::format("Observed: {} ({} per interval)", series.source, unit),
                              std::move(chart)});
            style = 0;
        }
        const double scale = series.unit == "ratio" ? 100.0 : 1.0;
        ChartSeries line{series.name, {}, style++ % 6};
        for (std::size_t i = 0; i < summary.intervals.size() && i < series.values.size(); ++i) {
            const auto& row = summary.intervals[i];
            const auto& value = series.values[i];
            line.points.push_back(
                {row.t_s + row.length_s / 2,
                 value ? *value * scale : std::numeric_limits<double>::quiet_NaN()});
        }
        charts[found->second].chart.series.push_back(std::move(line));
    }
    return charts;
}

}  // namespace volley::reports
