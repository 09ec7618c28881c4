#include "reports/timeseries_csv.hpp"

#include <optional>

#include <fmt/format.h>

#include "reports/number_format.hpp"

namespace volley::reports {
namespace {

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\n") == std::string::npos) return text;
    std::string quoted = "\"";
    for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

using Figure = std::optional<double> (*)(const IntervalFigures&);

struct Column {
    std::string_view name;
    Figure value;
    std::string (*formatter)(double);
};

std::optional<double> count(std::uint64_t n) { return static_cast<double>(n); }
std::optional<double> served(const IntervalFigures& row, std::size_t tier) {
    return row.cache ? std::optional(row.cache->served_by[tier]) : std::nullopt;
}

// error_rate = errors / requests, absent when no request completed in the interval.
std::optional<double> error_rate(const IntervalFigures& row) {
    if (row.requests == 0) return std::nullopt;
    return static_cast<double>(row.errors) / static_cast<double>(row.requests);
}

const std::vector<Column>& columns() {
    static const std::vector<Column> all{
        {"t_s", [](const IntervalFigures& r) { return std::optional(r.t_s); }, &format_seconds},
        {"length_s", [](const IntervalFigures& r) { return std::optional(r.length_s); },
         &format_seconds},
        {"requests", [](const IntervalFigures& r) { return count(r.requests); }, &format_count},
        {"errors", [](const IntervalFigures& r) { return count(r.errors); }, &format_count},
        {"dropped", [](const IntervalFigures& r) { return count(r.dropped); }, &format_count},
        {"unsent", [](const IntervalFigures& r) { return count(r.unsent); }, &format_count},
        {"throughput_rps", [](const IntervalFigures& r) { return std::optional(r.throughput_rps); },
         &format_rps},
        {"target_rps", [](const IntervalFigures& r) { return std::optional(r.target_rps); },
         &format_rps},
        {"error_rate", &error_rate, &format_fraction},
        {"p50_ms", [](const IntervalFigures& r) { return std::optional(r.p50_ms); }, &format_ms},
        {"p95_ms", [](const IntervalFigures& r) { return std::optional(r.p95_ms); }, &format_ms},
        {"p99_ms", [](const IntervalFigures& r) { return std::optional(r.p99_ms); }, &format_ms},
        {"max_ms", [](const IntervalFigures& r) { return std::optional(r.max_ms); }, &format_ms},
        {"hit_rate",
         [](const IntervalFigures& r) {
             return r.cache ? std::optional(r.cache->hit_rate) : std::nullopt;
         },
         &format_fraction},
        {"served_L1", [](const IntervalFigures& r) { return served(r, 0); }, &format_fraction},
        {"served_L2", [](const IntervalFigures& r) { return served(r, 1); }, &format_fraction},
        {"served_L3", [](const IntervalFigures& r) { return served(r, 2); }, &format_fraction},
        {"served_L4", [](const IntervalFigures& r) { return served(r, 3); }, &format_fraction},
        {"cpu_util", [](const IntervalFigures& r) { return std::optional(r.cpu_util); },
         &format_fraction},
        {"lag_p99_ms", [](const IntervalFigures& r) { return std::optional(r.lag_p99_ms); },
         &format_ms},
    };
    return all;
}

}  // namespace

const std::vector<std::string_view>& timeseries_columns() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> out;
        for (const auto& column : columns()) out.push_back(column.name);
        return out;
    }();
    return names;
}

std::string render_timeseries_csv(const RunSummary& summary) {
    std::string csv;
    for (const auto& column : columns()) {
        if (&column != &columns().front()) csv += ',';
        csv += column.name;
    }
    // Observed series follow as `observed:NAME` columns (docs/outputs.md "timeseries.csv"); a
    // name is quoted as CSV requires when it holds a comma or a quote.
    const auto* observed = summary.observed ? &summary.observed->series : nullptr;
    if (observed != nullptr) {
        for (const auto& series : *observed) csv += "," + csv_field("observed:" + series.name);
    }
    csv += '\n';
    for (std::size_t i = 0; i < summary.intervals.size(); ++i) {
        const auto& row = summary.intervals[i];
        bool first = true;
        for (const auto& column : columns()) {
            if (!first) csv += ',';
            first = false;
            csv += format_optional(column.value(row), column.formatter, "");
        }
        if (observed != nullptr) {
            for (const auto& series : *observed) {
                csv += ',';
                if (i < series.values.size() && series.values[i]) {
                    csv += fmt::format("{}", *series.values[i]);
                }
            }
        }
        csv += '\n';
    }
    return csv;
}

}  // namespace volley::reports
