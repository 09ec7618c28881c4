// Console and Markdown renderings of a noise-aware compare (same figures as reports/compare.cpp,
// plus each figure's interval and the verdict with its limit).
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "history/noise_compare.hpp"
#include "reports/number_format.hpp"
#include "reports/text_escape.hpp"

namespace volley::history {
namespace {

using reports::display_width;
using reports::pad_to_width;

using reports::missing_value_text;

// The number of a value without unit, for the [low–high] part.
std::string format_bare(NoiseMetricKind kind, double value) {
    switch (kind) {
        case NoiseMetricKind::latency_ms: return reports::format_ms(value);
        case NoiseMetricKind::throughput_rps: return reports::format_rps(value);
        case NoiseMetricKind::error_rate:
        case NoiseMetricKind::hit_rate: return reports::format_percent(value);
    }
    return reports::format_number(value);
}

// "12.35 ms [12.01–12.80]".
std::string format_estimate(NoiseMetricKind kind, const std::optional<Estimate>& estimate) {
    if (!estimate) return std::string(missing_value_text);
    return fmt::format("{} [{}–{}]", format_metric_value(kind, estimate->value),
                       format_bare(kind, estimate->low), format_bare(kind, estimate->high));
}

// Change of the point values: relative for latency and throughput, points for the rates.
std::string format_change(const NoiseMetricComparison& m) {
    if (!m.base || !m.fresh) return std::string(missing_value_text);
    const double base = m.base->value, fresh = m.fresh->value;
    if (m.kind == NoiseMetricKind::error_rate || m.kind == NoiseMetricKind::hit_rate) {
        return reports::format_signed(fresh - base, &reports::format_percentage_points);
    }
    if (base == 0.0) return std::string(missing_value_text);
    return reports::format_signed((fresh - base) / base, &reports::format_percent);
}

std::string format_verdict(const NoiseMetricComparison& m) {
    switch (m.verdict) {
        case CompareVerdict::not_compared: return fmt::format("not compared ({})", m.reason);
        case CompareVerdict::regression:
            return fmt::format("REGRESSION (limit {})", format_metric_value(m.kind, m.limit));
        case CompareVerdict::inconclusive:
            return fmt::format("inconclusive (limit {})", format_metric_value(m.kind, m.limit));
        case CompareVerdict::ok:
            return fmt::format("ok (limit {})", format_metric_value(m.kind, m.limit));
    }
    return {};
}

struct Row {
    std::string series, metric, base, fresh, change, verdict;
};

std::vector<Row> rows_of(const NoiseCompareResult& result) {
    std::vector<Row> rows;
    for (const auto& m : result.metrics) {
        rows.push_back({m.series.empty() ? std::string("(all requests)") : m.series, m.metric,
                        format_estimate(m.kind, m.base), format_estimate(m.kind, m.fresh),
                        format_change(m), format_verdict(m)});
    }
    return rows;
}

std::string join(const std::vector<std::string>& names) {
    std::string text;
    for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
    return text;
}

std::string verdict_line(const NoiseCompareResult& result) {
    const auto regressed = result.names_with(CompareVerdict::regression);
    const auto unclear = result.names_with(CompareVerdict::inconclusive);
    switch (result.overall) {
        case CompareVerdict::regression: {
            std::string line = fmt::format("REGRESSION in {}", join(regressed));
            if (!unclear.empty()) line += fmt::format("; inconclusive: {}", join(unclear));
            return line;
        }
        case CompareVerdict::inconclusive:
            return unclear.empty() ? std::string("INCONCLUSIVE: nothing could be compared")
                                   : fmt::format(
                                         "INCONCLUSIVE: {} (the intervals overlap the limit; "
                                         "more or longer runs would tell)",
                                         join(unclear));
        case CompareVerdict::ok:
        case CompareVerdict::not_compared: break;
    }
    return "ok: no metric moved beyond its tolerance";
}

}  // namespace

std::string format_metric_value(NoiseMetricKind kind, double value) {
    switch (kind) {
        case NoiseMetricKind::latency_ms: return reports::format_ms(value) + " ms";
        case NoiseMetricKind::throughput_rps: return reports::format_rps(value) + " rps";
        case NoiseMetricKind::error_rate:
        case NoiseMetricKind::hit_rate: return reports::format_percent(value);
    }
    return reports::format_number(value);
}

std::string render_noise_compare_console(const NoiseCompareResult& result) {
    std::vector<Row> rows{
        {"series", "metric", "base [interval]", "new [interval]", "change", "verdict"}};
    for (auto& row : rows_of(result)) {
        row.series = reports::strip_control_characters(row.series);
        rows.push_back(std::move(row));
    }
    std::array<std::size_t, 5> widths{};
    for (const auto& row : rows) {
        const std::array<const std::string*, 5> cells{&row.series, &row.metric, &row.base,
                                                      &row.fresh, &row.change};
        for (std::size_t i = 0; i < cells.size(); ++i)
            widths[i] = std::max(widths[i], display_width(*cells[i]));
    }
    std::string text =
        fmt::format("base: {}\nnew:  {}\n\n", reports::strip_control_characters(result.base_label),
                    reports::strip_control_characters(result.fresh_label));
    for (const auto& row : rows) {
        text += fmt::format("{}  {}  {}  {}  {}  {}\n", pad_to_width(row.series, widths[0], false),
                            pad_to_width(row.metric, widths[1], false),
                            pad_to_width(row.base, widths[2], true),
                            pad_to_width(row.fresh, widths[3], true),
                            pad_to_width(row.change, widths[4], true), row.verdict);
    }
    text += "\n" + verdict_line(result) + "\n";
    return text;
}

std::string render_noise_compare_markdown(const NoiseCompareResult& result) {
    std::string md = fmt::format("## volley compare\n\nBase: {}  \nNew: {}\n\n",
                                 reports::escape_markdown(result.base_label),
                                 reports::escape_markdown(result.fresh_label));
    md +=
        "| Series | Metric | Base [interval] | New [interval] | Change | Verdict |\n"
        "| --- | --- | ---: | ---: | ---: | --- |\n";
    for (const auto& row : rows_of(result)) {
        md += fmt::format("| {} | {} | {} | {} | {} | {} |\n",
                          reports::escape_markdown(reports::strip_control_characters(row.series)),
                          reports::escape_markdown(row.metric), reports::escape_markdown(row.base),
                          reports::escape_markdown(row.fresh), reports::escape_markdown(row.change),
                          reports::escape_markdown(row.verdict));
    }
    md += "\n**" + reports::escape_markdown(verdict_line(result)) + "**\n";
    return md;
}

}  // namespace volley::history
