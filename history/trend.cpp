#include "history/trend.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "reports/number_format.hpp"
#include "reports/text_escape.hpp"

namespace volley::history {
namespace {

using reports::display_width;
using reports::pad_to_width;

// The run's own figure with the bootstrap band around it (widened to include the figure, so the
// band never excludes what the run's report says). Without a figure, the bootstrap's own value.
std::optional<Estimate> figure_with_band(std::optional<double> figure,
                                         const std::optional<Estimate>& band) {
    if (!figure) return band;
    Estimate estimate{*figure, *figure, *figure};
    if (band) {
        estimate.low = std::min(band->low, *figure);
        estimate.high = std::max(band->high, *figure);
    }
    return estimate;
}

std::optional<Estimate> without_band(std::optional<double> figure) {
    if (!figure) return std::nullopt;
    return Estimate{*figure, *figure, *figure};
}

std::string labels_text(const RunRecord& record) {
    std::string text;
    for (const auto& [key, value] : record.labels)
        text += fmt::format("{}{}={}", text.empty() ? "" : ",", key, value);
    return text;
}

// "±x" with x the wider side of the band (the table keeps one column per figure).
std::string with_spread(const std::optional<Estimate>& e, bool has_band,
                        std::string (*format)(double)) {
    if (!e) return std::string(reports::missing_value_text);
    if (!has_band) return format(e->value);
    return fmt::format("{} ±{}", format(e->value),
                       format(std::max(e->value - e->low, e->high - e->value)));
}

std::string with_range(const std::optional<Estimate>& e, bool has_band,
                       std::string (*format)(double)) {
    if (!e) return std::string(reports::missing_value_text);
    if (!has_band) return format(e->value);
    return fmt::format("{} ({}–{})", format(e->value), format(e->low), format(e->high));
}

std::string percent(const std::optional<Estimate>& e) {
    return e ? reports::format_percent(e->value) : std::string(reports::missing_value_text);
}

}  // namespace

std::string trend_started_text(const std::string& started_at) {
    // "2026-12-05T23:43:13.123Z" → "2026-12-05 23:43:13"
    auto text = started_at.substr(0, 19);
    std::replace(text.begin(), text.end(), 'T', ' ');
    return text;
}

TrendRow trend_row(const RunSample& sample, const BootstrapSettings& settings) {
    TrendRow row;
    row.record = sample.record;
    const auto& figures = sample.record.figures;
    row.has_band = !sample.latency.empty();
    if (!row.has_band) {
        row.p50 = without_band(figures.p50_ms);
        row.p95 = without_band(figures.p95_ms);
        row.p99 = without_band(figures.p99_ms);
        row.throughput = without_band(figures.throughput_rps);
        row.error_rate = without_band(figures.error_rate);
        row.hit_rate = without_band(figures.hit_rate);
        return row;
    }
    const std::vector<const RunSample*> runs{&sample};
    // One set of resamples for the three percentiles (cheaper than three separate bootstraps).
    const auto latency = percentile_estimates(runs, kAllRequests, {50, 95, 99}, settings);
    row.p50 = figure_with_band(figures.p50_ms, latency[0]);
    row.p95 = figure_with_band(figures.p95_ms, latency[1]);
    row.p99 = figure_with_band(figures.p99_ms, latency[2]);
    row.throughput = figure_with_band(figures.throughput_rps,
                                      rate_estimate(runs, RateMetric::throughput_rps, settings));
    row.error_rate =
        figure_with_band(figures.error_rate, rate_estimate(runs, RateMetric::error_rate, settings));
    row.hit_rate =
        figure_with_band(figures.hit_rate, rate_estimate(runs, RateMetric::hit_rate, settings));
    return row;
}

Trend build_trend(HistoryStore& store, const RunQuery& query, const BootstrapSettings& settings) {
    auto listing = store.list(query);
    Trend trend;
    trend.skipped = std::move(listing.skipped);
    for (const auto& record : listing.runs) {
        try {
            trend.rows.push_back(trend_row(store.sample(record.id), settings));
        } catch (const RunReadError& e) {
            trend.skipped.emplace_back(e.what());
        }
    }
    return trend;
}

std::string render_trend_console(const Trend& trend) {
    const std::vector<std::string> headings{"started (UTC)", "run",    "labels", "verdict",
                                            "p50 ms",        "p95 ms", "p99 ms", "throughput rps",
                                            "errors",        "hits"};
    std::vector<std::vector<std::string>> cells;
    for (const auto& row : trend.rows) {
        const auto& r = row.record;
        cells.push_back({trend_started_text(r.started_at), reports::strip_control_characters(r.id),
                         reports::strip_control_characters(labels_text(r)), r.verdict,
                         with_spread(row.p50, row.has_band, &reports::format_ms),
                         with_spread(row.p95, row.has_band, &reports::format_ms),
                         with_spread(row.p99, row.has_band, &reports::format_ms),
                         with_spread(row.throughput, row.has_band, &reports::format_rps),
                         percent(row.error_rate), percent(row.hit_rate)});
    }
    std::vector<std::size_t> widths;
    widths.reserve(headings.size());
    for (const auto& heading : headings) widths.push_back(display_width(heading));
    for (const auto& line : cells)
        for (std::size_t c = 0; c < line.size(); ++c)
            widths[c] = std::max(widths[c], display_width(line[c]));
    const auto render_line = [&](const std::vector<std::string>& line) {
        std::string text;
        for (std::size_t c = 0; c < line.size(); ++c) {
            if (c > 0) text += "  ";
            text += pad_to_width(line[c], widths[c], c >= 4);
        }
        while (!text.empty() && text.back() == ' ') text.pop_back();
        return text + "\n";
    };
    std::string out = render_line(headings);
    for (const auto& line : cells) out += render_line(line);
    bool any_band = false, any_without = false;
    for (const auto& row : trend.rows) (row.has_band ? any_band : any_without) = true;
    if (any_band) out += "± : the wider side of the run's 95% bootstrap band over its intervals\n";
    if (any_without) out += "runs without ±: no latency.hlog, summary figures only\n";
    return out;
}

std::string render_trend_markdown(const Trend& trend) {
    std::string out =
        "| started (UTC) | run | labels | verdict | p50 ms | p95 ms | p99 ms | throughput rps | "
        "error rate | hit rate |\n"
        "|---|---|---|---|--:|--:|--:|--:|--:|--:|\n";
    for (const auto& row : trend.rows) {
        const auto& r = row.record;
        out += fmt::format(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            reports::escape_markdown(trend_started_text(r.started_at)),
            reports::escape_markdown(r.id), reports::escape_markdown(labels_text(r)),
            r.verdict == "pass" ? "pass" : "**" + reports::escape_markdown(r.verdict) + "**",
            with_range(row.p50, row.has_band, &reports::format_ms),
            with_range(row.p95, row.has_band, &reports::format_ms),
            with_range(row.p99, row.has_band, &reports::format_ms),
            with_range(row.throughput, row.has_band, &reports::format_rps),
            with_range(row.error_rate, row.has_band, &reports::format_percent),
            with_range(row.hit_rate, row.has_band, &reports::format_percent));
    }
    out +=
        "\nFigures are each run's summary; (low–high) is its 95% bootstrap band over its "
        "intervals (none without latency.hlog).\n";
    if (!trend.skipped.empty()) {
        out += "\nSkipped (could not be read):\n\n";
        for (const auto& line : trend.skipped)
            out += fmt::format("- {}\n", reports::escape_markdown(line));
    }
    return out;
}

}  // namespace volley::history
