// The HTML trend report (history/trend.hpp): one self-contained page, inline CSS and inline SVG,
// no script and no external reference, like report.html. The charts are drawn here rather than
// with reports/svg_chart (a time-axis line chart): a trend's x axis is one slot per run, and
// each point carries a band, a verdict and a tooltip.
#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include <fmt/format.h>

#include "history/trend.hpp"
#include "reports/number_format.hpp"
#include "reports/svg_chart.hpp"
#include "reports/text_escape.hpp"

namespace volley::history {
namespace {

using reports::escape_markup;

constexpr std::string_view stylesheet = R"css(
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1120px; padding: 24px 28px 48px; color: #1b1f24;
  background: #fff; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto,
  "DejaVu Sans", "Liberation Sans", sans-serif; }
h1 { font-size: 24px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #d0d7de; }
p.sub, p.note { margin: 4px 0; color: #57606a; }
code { overflow-wrap: anywhere; }
figure.chart { margin: 12px 0 20px; }
figure.chart figcaption { font-weight: 600; margin-bottom: 4px; }
figure.chart svg { display: block; width: 100%; height: auto; border: 1px solid #eaeef2; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 6px 0 12px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e5e8eb; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr.fail td { background: #fff5f5; }
tr.fail td.verdict { color: #a40e26; font-weight: 700; }
.band { color: #57606a; font-size: 12px; }
@media print { figure.chart, table { break-inside: avoid; } tr.fail td { background: none; } }
)css";

enum class BandStyle { shaded, bars };

struct ChartLine {
    std::string name;
    const char* colour;
    std::function<const std::optional<Estimate>&(const TrendRow&)> figure;
    BandStyle band;
    std::string key;  // class of its points ("p99"), for readers and tests
};

std::string coordinate(double v) { return fmt::format("{:.1f}", v); }

std::string point_title(const TrendRow& row, const std::string& name, const Estimate& e,
                        std::string (*format)(double)) {
    auto text = fmt::format("{} · {} · {} · {} {}", trend_started_text(row.record.started_at),
                            row.record.id, row.record.verdict, name, format(e.value));
    if (row.has_band) text += fmt::format(" (band {}–{})", format(e.low), format(e.high));
    return escape_markup(text);
}

// One chart: a slot per run along x (labelled with its date; failed runs marked "fail" under
// the axis and drawn as larger red points), the lines, their bands, a legend.
std::string render_chart(const std::string& title, const std::string& y_label,
                         const std::vector<TrendRow>& rows, const std::vector<ChartLine>& lines,
                         std::string (*format)(double), double scale) {
    const double width = 880, height = 320;
    const double left = 70, right = width - 18, top = 36, bottom = height - 64;
    const auto n = rows.size();
    double high = 0;
    for (const auto& row : rows)
        for (const auto& line : lines)
            if (const auto& e = line.figure(row); e && std::isfinite(e->high))
                high = std::max(high, e->high * scale);
    const auto ticks = reports::nice_ticks(0, high > 0 ? high : 1, 5);
    const double y_max = ticks.back();
    const double slot = (right - left) / static_cast<double>(std::max<std::size_t>(n, 1));
    const auto px = [&](std::size_t i) { return left + (static_cast<double>(i) + 0.5) * slot; };
    const auto py = [&](double v) {
        return bottom - std::clamp(v * scale / y_max, 0.0, 1.0) * (bottom - top);
    };

    std::string svg =
        fmt::format(R"(<svg viewBox="0 0 {} {}" role="img" aria-label="{}" )"
                    R"(font-family="system-ui, sans-serif" font-size="11"><title>{}</title>)"
                    "\n<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n",
                    width, height, escape_markup(title), escape_markup(title), width, height);
    for (const double tick : ticks) {
        const auto y = coordinate(bottom - tick / y_max * (bottom - top));
        svg +=
            fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#e3e6ea"/>)"
                        R"(<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle" )"
                        R"(fill="#444">{}</text>)"
                        "\n",
                        left, y, right, y, left - 6, y, escape_markup(reports::format_tick(tick)));
    }
    svg += fmt::format(
        R"(<path d="M{} {}V{}H{}" fill="none" stroke="#555"/>)"
        "\n"
        R"svg(<text transform="translate(14 {}) rotate(-90)" text-anchor="middle" fill="#222">{}</text>)svg"
        "\n",
        left, top, bottom, right, coordinate((top + bottom) / 2), escape_markup(y_label));
    // Date labels (thinned so they do not overlap), and "fail" under every failed run.
    // x labels "12-05 23:43"; with seconds when two runs started in the same minute.
    std::vector<std::string> dates;
    dates.reserve(rows.size());
    for (const auto& row : rows)
        dates.push_back(trend_started_text(row.record.started_at).substr(5));
    bool same_minute = false;
    for (std::size_t i = 1; i < n; ++i)
        same_minute = same_minute || dates[i].substr(0, 11) == dates[i - 1].substr(0, 11);
    for (auto& date : dates) date = date.substr(same_minute ? 6 : 0, same_minute ? 8 : 11);
    const auto label_every =
        std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(70 / slot)));
    for (std::size_t i = 0; i < n; ++i) {
        const auto x = coordinate(px(i));
        if (i % label_every == 0 || i + 1 == n)
            svg += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle" fill="#444">{}</text>)"
                               "\n",
                               x, bottom + 15, escape_markup(dates[i]));
        if (rows[i].record.verdict != "pass")
            svg += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle" fill="#a40e26" )"
                               R"(font-weight="700" class="verdict-fail">{}</text>)"
                               "\n",
                               x, bottom + 30, escape_markup(rows[i].record.verdict));
    }
    svg += fmt::format(
        R"(<text x="{}" y="{}" text-anchor="middle" fill="#222">run (started, UTC)</text>)"
        "\n",
        coordinate((left + right) / 2), height - 8);

    for (const auto& line : lines) {
        // Bands: shaded area over each stretch of consecutive runs that have the figure, or bars.
        std::string upper, lower;
        const auto close_area = [&] {
            if (!upper.empty())
                svg += fmt::format(
                    R"(<path d="M{}{}Z" fill="{}" fill-opacity="0.18" stroke="none" class="band {}"/>)"
                    "\n",
                    upper.substr(1), lower, line.colour, line.key);
            upper.clear();
            lower.clear();
        };
        std::string path;
        bool pen_down = false;
        for (std::size_t i = 0; i < n; ++i) {
            const auto& e = line.figure(rows[i]);
            if (!e || !std::isfinite(e->value)) {
                close_area();
                pen_down = false;
                continue;
            }
            const auto x = px(i);
            if (rows[i].has_band && line.band == BandStyle::shaded) {
                upper += fmt::format("L{} {}", coordinate(x - slot * 0.2), coordinate(py(e->high)));
                upper += fmt::format("L{} {}", coordinate(x + slot * 0.2), coordinate(py(e->high)));
                lower =
                    fmt::format("L{} {}L{} {}", coordinate(x + slot * 0.2), coordinate(py(e->low)),
                                coordinate(x - slot * 0.2), coordinate(py(e->low))) +
                    lower;
            } else {
                close_area();
                if (rows[i].has_band)
                    svg += fmt::format(
                        R"(<path d="M{0} {1}V{2}M{3} {1}H{4}M{3} {2}H{4}" stroke="{5}" class="band {6}"/>)"
                        "\n",
                        coordinate(x), coordinate(py(e->high)), coordinate(py(e->low)),
                        coordinate(x - 3), coordinate(x + 3), line.colour, line.key);
            }
            path += fmt::format("{}{} {}", pen_down ? "L" : "M", coordinate(x),
                                coordinate(py(e->value)));
            pen_down = true;
        }
        close_area();
        if (!path.empty())
            svg += fmt::format(R"(<path d="{}" fill="none" stroke="{}" stroke-width="1.6"/>)"
                               "\n",
                               path, line.colour);
        for (std::size_t i = 0; i < n; ++i) {
            const auto& e = line.figure(rows[i]);
            if (!e || !std::isfinite(e->value)) continue;
            const bool failed = rows[i].record.verdict != "pass";
            svg += fmt::format(
                R"(<circle cx="{}" cy="{}" r="{}" fill="{}" stroke="{}" class="pt {}{}"><title>{}</title></circle>)"
                "\n",
                coordinate(px(i)), coordinate(py(e->value)), failed ? 5 : 3.5,
                failed ? "#cf222e" : line.colour, failed ? "#6e0b17" : "#ffffff", line.key,
                failed ? " fail" : "", point_title(rows[i], line.name, *e, format));
        }
    }
    if (n == 0)
        svg += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle" fill="#777">no runs</text>)"
                           "\n",
                           coordinate((left + right) / 2), coordinate((top + bottom) / 2));
    double legend_x = left;
    for (const auto& line : lines) {
        svg += fmt::format(R"(<line x1="{}" y1="14" x2="{}" y2="14" stroke="{}" stroke-width="2"/>)"
                           R"(<text x="{}" y="18" fill="#222">{}</text>)"
                           "\n",
                           coordinate(legend_x), coordinate(legend_x + 22), line.colour,
                           coordinate(legend_x + 27), escape_markup(line.name));
        legend_x += 40 + 6.5 * static_cast<double>(line.name.size());
    }
    return svg + "</svg>";
}

std::string figure_cell(const std::optional<Estimate>& e, bool has_band,
                        std::string (*format)(double)) {
    if (!e) return fmt::format("<td class=\"num\">{}</td>", reports::missing_value_text);
    if (!has_band) return fmt::format("<td class=\"num\">{}</td>", escape_markup(format(e->value)));
    return fmt::format("<td class=\"num\">{} <span class=\"band\">{}–{}</span></td>",
                       escape_markup(format(e->value)), escape_markup(format(e->low)),
                       escape_markup(format(e->high)));
}

std::string trend_table(const std::vector<TrendRow>& rows) {
    std::string html =
        "<div class=\"table-wrap\"><table id=\"table-trend\"><thead><tr><th>started (UTC)</th>"
        "<th>run</th><th>labels</th><th>verdict</th><th class=\"num\">p50 ms</th>"
        "<th class=\"num\">p95 ms</th><th class=\"num\">p99 ms</th>"
        "<th class=\"num\">throughput rps</th><th class=\"num\">error rate</th>"
        "<th class=\"num\">hit rate</th></tr></thead>\n<tbody>\n";
    for (const auto& row : rows) {
        const auto& r = row.record;
        std::string labels;
        for (const auto& [key, value] : r.labels)
            labels += fmt::format("{}{}={}", labels.empty() ? "" : ", ", key, value);
        html += fmt::format(
            "<tr{}><td>{}</td><td><code>{}</code></td><td>{}</td>"
            "<td class=\"verdict\">{}</td>",
            r.verdict == "pass" ? "" : " class=\"fail\"",
            escape_markup(trend_started_text(r.started_at)), escape_markup(r.id),
            escape_markup(labels), escape_markup(r.verdict));
        html += figure_cell(row.p50, row.has_band, &reports::format_ms);
        html += figure_cell(row.p95, row.has_band, &reports::format_ms);
        html += figure_cell(row.p99, row.has_band, &reports::format_ms);
        html += figure_cell(row.throughput, row.has_band, &reports::format_rps);
        html += figure_cell(row.error_rate, row.has_band, &reports::format_percent);
        html += figure_cell(row.hit_rate, row.has_band, &reports::format_percent);
        html += "</tr>\n";
    }
    return html + "</tbody></table></div>\n";
}

std::string chart_figure(const std::string& caption, const std::string& svg) {
    return fmt::format("<figure class=\"chart\"><figcaption>{}</figcaption>\n{}\n</figure>\n",
                       escape_markup(caption), svg);
}

std::string percent_number(double fraction) { return reports::format_percent(fraction); }

}  // namespace

std::string render_trend_html(const Trend& trend, const std::string& title) {
    const auto& rows = trend.rows;
    std::set<std::pair<std::string, std::string>> scenarios;
    for (const auto& row : rows)
        scenarios.emplace(row.record.scenario_name, row.record.scenario_hash);
    std::string scenario_text;
    for (const auto& [name, hash] : scenarios)
        scenario_text += fmt::format("{}<strong>{}</strong> (hash <code>{}</code>)",
                                     scenario_text.empty() ? "" : ", ", escape_markup(name),
                                     escape_markup(hash.empty() ? "none" : hash));

    std::string body = fmt::format("<h1>{}</h1>\n", escape_markup(title));
    body += fmt::format("<p class=\"sub\">Scenario: {}</p>\n",
                        scenario_text.empty() ? "none" : scenario_text);
    if (!rows.empty())
        body += fmt::format("<p class=\"sub\">{} runs, {} to {} (UTC); failed runs in red.</p>\n",
                            rows.size(),
                            escape_markup(trend_started_text(rows.front().record.started_at)),
                            escape_markup(trend_started_text(rows.back().record.started_at)));
    body +=
        "<p class=\"note\">Each point is the run's own summary figure; the shaded area (or "
        "bar) is its 95% bootstrap band over the run's intervals. Runs without latency.hlog "
        "have no band. Hover a point for its run.</p>\n";

    const std::vector<ChartLine> latency{
        {"p50", "#2ca02c", [](const TrendRow& r) -> const auto& {return r.p50;
}
, BandStyle::bars, "p50"
}  // namespace volley::history
, {"p95", "#1f77b4", [](const TrendRow& r) -> const auto& {return r.p95;
}
, BandStyle::bars, "p95"
}
, {"p99", "#d62728", [](const TrendRow& r) -> const auto& {return r.p99;
}
, BandStyle::shaded, "p99"
}
,
}
;
body += "<h2>Response time</h2>\n";
body += chart_figure(
    "Response time p50 / p95 / p99 (ms), p99 band shaded",
    render_chart("Response time per run", "ms", rows, latency, &reports::format_ms, 1.0));
body += "<h2>Throughput and errors</h2>\n";
    body += chart_figure(
        "Throughput (requests/s)",
        render_chart("Throughput per run", "requests/s", rows,
                     {{"throughput", "#1f77b4",
                       [](const TrendRow& r) -> const auto& { return r.throughput;
    }
    , BandStyle::shaded, "throughput"
    }
    },
                     &reports::format_rps, 1.0));
    body += chart_figure(
        "Error rate (%)",
        render_chart("Error rate per run", "%", rows,
                     {{"error rate", "#d62728",
                       [](const TrendRow& r) -> const auto& { return r.error_rate;
    }
    , BandStyle::shaded, "error-rate"
    }
    },
                     &percent_number, 100.0));
    if (std::any_of(rows.begin(), rows.end(),
                    [](const TrendRow& r) { return r.hit_rate.has_value(); }))
        body += chart_figure(
            "Cache hit rate (%)",
            render_chart("Hit rate per run", "%", rows,
                         {{"hit rate", "#2ca02c",
                           [](const TrendRow& r) -> const auto& { return r.hit_rate;
    }
    , BandStyle::shaded, "hit-rate"
    }
    },
                         &percent_number, 100.0));
    body += "<h2>Runs</h2>\n" + trend_table(rows);
    if (!trend.skipped.empty()) {
        body += "<h2>Skipped runs</h2>\n<p class=\"note\">These could not be read:</p>\n<ul>\n";
        for (const auto& line : trend.skipped)
            body += fmt::format("<li><code>{}</code></li>\n", escape_markup(line));
        body += "</ul>\n";
    }
    return fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n{}<footer class=\"note\">"
        "Generated by volley history.</footer>\n</body>\n</html>\n",
        escape_markup(title), stylesheet, body);
    }

    }  // namespace volley::history
