#include "reports/html_report.hpp"

#include <fmt/format.h>

#include "reports/number_format.hpp"
#include "reports/report_charts.hpp"
#include "reports/report_journey_tables.hpp"
#include "reports/report_observed.hpp"
#include "reports/report_tables.hpp"
#include "reports/svg_chart.hpp"
#include "reports/text_escape.hpp"

namespace volley::reports {
namespace {

constexpr std::string_view stylesheet = R"css(
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1120px; padding: 24px 28px 48px; color: #1b1f24;
  background: #fff; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto,
  "DejaVu Sans", "Liberation Sans", sans-serif; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 12px 20px;
  border-bottom: 2px solid #d0d7de; padding-bottom: 12px; }
h1 { font-size: 24px; margin: 0; overflow-wrap: anywhere; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 15px; margin: 18px 0 6px; }
p.sub { margin: 4px 0 0; color: #57606a; width: 100%; }
p.note { color: #57606a; margin: 4px 0 8px; }
.verdict { display: inline-block; padding: 3px 14px; border-radius: 6px; font-weight: 700;
  font-size: 18px; letter-spacing: .05em; border: 2px solid; }
.verdict.pass { color: #116329; background: #dafbe1; border-color: #2da44e; }
.verdict.fail, .verdict.unknown { color: #a40e26; background: #ffebe9; border-color: #cf222e; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr));
  gap: 10px; margin: 16px 0; }
.figure { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px; }
.figure .label { color: #57606a; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.figure .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.figure .detail { color: #57606a; font-size: 12px; }
.figure.bad { border-color: #cf222e; }
.notice { border-left: 4px solid #bf8700; background: #fff8c5; padding: 8px 12px; margin: 8px 0; }
.bottleneck { border-left: 4px solid #cf222e; background: #ffebe9; padding: 8px 12px; }
.finding { border-left: 4px solid #bf8700; background: #fff8c5; padding: 8px 12px; }
.finding.none { border-left-color: #2da44e; background: #f6f8fa; }
.headline { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr));
  gap: 12px; margin: 16px 0 8px; }
.headline .figure { border-width: 2px; padding: 10px 14px; }
.headline .figure .value { font-size: 30px; }
.headline .figure .detail { font-size: 13px; color: #1b1f24; }
.headline .figure .threshold { font-size: 12px; color: #57606a; margin-top: 4px; }
.headline .figure.bad .threshold { color: #a40e26; font-weight: 600; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 6px 0 12px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e5e8eb; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
#table-run tr.good td:last-child, #table-thresholds tr.good td:nth-child(3) {
  color: #116329; font-weight: 600; }
#table-run tr.bad td:last-child, #table-thresholds tr.bad td:nth-child(3) {
  color: #a40e26; font-weight: 700; }
tr.bad td { background: #fff5f5; }
td { overflow-wrap: anywhere; }
figure.chart { margin: 12px 0 20px; }
figure.chart figcaption { font-weight: 600; margin-bottom: 4px; }
figure.chart svg { display: block; width: 100%; height: auto; border: 1px solid #eaeef2; }
footer { margin-top: 36px; color: #57606a; font-size: 12px; border-top: 1px solid #d0d7de;
  padding-top: 8px; }
@page { margin: 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  header { border-bottom-color: #000; }
  h2 { break-after: avoid; }
  figure.chart, table, .figures, .headline, .notice, .bottleneck, .finding { break-inside: avoid; }
  figure.chart svg { border: none; }
  tr.bad td { background: none; }
  .verdict, .figure { border-color: #000; }
}
)css";

std::string row_class(RowMark mark) {
    switch (mark) {
        case RowMark::good: return R"( class="good")";
        case RowMark::bad: return R"( class="bad")";
        case RowMark::none: break;
    }
    return "";
}

// The table alone (no heading): <table> with <thead>/<tbody>; numeric columns get class="num".
std::string html_table(const ReportTable& table) {
    std::string html =
        fmt::format(R"(<div class="table-wrap"><table id="table-{}">)", escape_markup(table.id));
    html += "<thead><tr>";
    for (const auto& column : table.columns) {
        html += fmt::format("<th{}>{}</th>", column.numeric ? R"( class="num")" : "",
                            escape_markup(column.heading));
    }
    html += "</tr></thead>\n<tbody>\n";
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
        html += fmt::format("<tr{}>", row_class(table.marks[r]));
        for (std::size_t c = 0; c < table.rows[r].size(); ++c) {
            html += fmt::format("<td{}>{}</td>", table.columns[c].numeric ? R"( class="num")" : "",
                                escape_markup(table.rows[r][c]));
        }
        html += "</tr>\n";
    }
    html += "</tbody></table></div>\n";
    return html;
}

// A <section> with heading, optional note and table.
std::string table_section(const ReportTable& table, const std::string& extra = "") {
    std::string html = fmt::format("<section id=\"{}\">\n<h2>{}</h2>\n", escape_markup(table.id),
                                   escape_markup(table.title));
    if (!table.note.empty())
        html += fmt::format("<p class=\"note\">{}</p>\n", escape_markup(table.note));
    if (!table.rows.empty()) html += html_table(table);
    html += extra;
    html += "</section>\n";
    return html;
}

std::string chart_figure(const LineChart& chart, std::string_view caption) {
    return fmt::format("<figure class=\"chart\"><figcaption>{}</figcaption>\n{}\n</figure>\n",
                       escape_markup(caption), render_line_chart(chart));
}

std::string header_html(const RunSummary& summary) {
    const auto verdict = verdict_text(summary);
    std::string css_class = verdict == "PASS" ? "pass" : "fail";
    std::string meta;
    for (const auto* part :
         {&summary.scenario.type, &summary.scenario.model, &summary.started_at}) {
        if (part->empty()) continue;
        meta += (meta.empty() ? "" : " · ") + escape_markup(*part);
    }
    meta += (meta.empty() ? "" : " · ") + format_seconds(summary.duration_s) + " s";
    return fmt::format(
        "<header>\n<h1>{}</h1>\n<span class=\"verdict {}\">{}</span>\n"
        "<p class=\"sub\">{}</p>\n</header>\n",
        escape_markup(scenario_title(summary)), css_class, verdict, meta);
}

std::string figures_html(const RunSummary& summary) {
    std::string html = "<section id=\"key-figures\" class=\"figures\">\n";
    for (const auto& figure : key_figures(summary)) {
        html += fmt::format(
            "<div class=\"figure{}\"><div class=\"label\">{}</div><div class=\"value\">{}</div>"
            "<div class=\"detail\">{}</div></div>\n",
            figure.mark == RowMark::bad ? " bad" : "", escape_markup(figure.label),
            escape_markup(figure.value), escape_markup(figure.detail));
    }
    html += "</section>\n";
    return html;
}

// The type's answer (analysis.headline), what limited the run, and for stress the steps: the
// first thing under the verdict.
std::string headline_html(const RunSummary& summary) {
    const auto items = headline_items(summary);
    const auto found = bottleneck(summary);
    const auto steps = stress_steps_table(summary);
    if (items.empty() && found.kind.empty() && !steps) return "";
    std::string html = "<section id=\"headline\">\n";
    if (!items.empty()) {
        html += "<div class=\"headline\">\n";
        for (const auto& item : items) {
            html += fmt::format(
                "<div class=\"figure{}\" id=\"headline-{}\"><div class=\"label\">{}</div>"
                "<div class=\"value\">{}</div><div class=\"detail\">{}</div>",
                item.failed ? " bad" : "", escape_markup(item.key), escape_markup(item.label),
                escape_markup(item.value), escape_markup(item.text));
            for (const auto& threshold : item.thresholds) {
                html += fmt::format("<div class=\"threshold\">threshold {}</div>",
                                    escape_markup(threshold));
            }
            html += "</div>\n";
        }
        html += "</div>\n";
    }
    if (!found.kind.empty()) {
        const char* css = found.kind == "generator" ? "bottleneck"
                          : found.kind == "none"    ? "finding none"
                                                    : "finding";
        html += fmt::format(
            "<p class=\"{}\" id=\"bottleneck\"><strong>Bottleneck: {}.</strong> {}{}</p>\n", css,
            escape_markup(found.kind), escape_markup(found.text),
            found.suggestion.empty() ? ""
                                     : " <strong>" + escape_markup(found.suggestion) + "</strong>");
    }
    if (steps) {
        html += fmt::format("<h2>{}</h2>\n<p class=\"note\">{}</p>\n", escape_markup(steps->title),
                            escape_markup(steps->note));
        html += html_table(*steps);
    }
    html += "</section>\n";
    return html;
}

std::string notices_html(const RunSummary& summary) {
    std::string html;
    for (const auto& notice : notices(summary)) {
        html += fmt::format("<p class=\"notice\"><strong>Notice:</strong> {}</p>\n",
                            escape_markup(notice));
    }
    return html;
}

std::string generator_html(const RunSummary& summary) {
    const auto table = generator_table(summary);
    const bool bound = bottleneck(summary).kind == "generator";
    std::string html = fmt::format("<section id=\"{}\">\n<h2>{}</h2>\n<p class=\"{}\">{}</p>\n",
                                   table.id, escape_markup(table.title),
                                   bound ? "bottleneck" : "note", escape_markup(table.note));
    const auto notes = generator_notes(summary);
    if (!notes.empty()) {
        html += "<ul>\n";
        for (const auto& note : notes) html += fmt::format("<li>{}</li>\n", escape_markup(note));
        html += "</ul>\n";
    }
    html += html_table(table);
    html += chart_figure(schedule_lag_chart(summary), "Schedule lag p99 per interval (ms)");
    html += chart_figure(cpu_chart(summary), "Generator CPU per interval (% of one core)");
    html += "</section>\n";
    return html;
}

}  // namespace

std::string render_html(const RunSummary& summary) {
    std::string html = fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>volley · {} · {}</title>\n<style>{}</style>\n</head>\n<body>\n",
        escape_markup(scenario_title(summary)), verdict_text(summary), stylesheet);
    html += header_html(summary);
    html += headline_html(summary);
    html += figures_html(summary);
    html += notices_html(summary);
    html += table_section(run_table(summary));
    html += table_section(thresholds_table(summary));

    html += table_section(
        latency_table(summary),
        chart_figure(latency_over_time_chart(summary),
                     "Response time per interval (ms): p50, p95, p99, max; dashed verticals mark "
                     "stage boundaries") +
            chart_figure(spectrum_chart(summary),
                         "Latency spectrum: response and service time by percentile") +
            html_table(spectrum_table(summary)));

    if (const auto protocol = protocol_table(summary)) html += table_section(*protocol);

    html += "<section id=\"throughput\">\n<h2>Throughput</h2>\n";
    html += chart_figure(throughput_chart(summary), "Achieved vs target throughput (requests/s)");
    html += "</section>\n";

    std::string errors_html;
    if (const auto statuses = status_table(summary)) {
        errors_html +=
            fmt::format("<h3>{}</h3>\n", escape_markup(statuses->title)) + html_table(*statuses);
    }
    if (const auto messages = error_messages_table(summary)) {
        errors_html += fmt::format("<h3>{}</h3>\n<p class=\"note\">{}</p>\n",
                                   escape_markup(messages->title), escape_markup(messages->note)) +
                       html_table(*messages);
    }
    html += table_section(
        outcomes_table(summary),
        errors_html + chart_figure(outcomes_chart(summary),
                                   "Errors and dropped requests per second, per interval"));

    if (const auto cache = cache_table(summary)) {
        html += table_section(
            *cache,
            chart_figure(cache_chart(summary), "Cache-hit rate and served-by share per interval"));
    }
    if (const auto sources = observed_sources_table(summary)) {
        // The server's own figures, charted on the latency charts' time axis.
        std::string charts;
        for (const auto& observed : observed_charts(summary)) {
            charts += chart_figure(observed.chart, observed.caption);
        }
        html += table_section(*sources);
        if (const auto series = observed_series_table(summary)) {
            html += table_section(*series, charts);
        }
        if (const auto statements = observed_statements_table(summary)) {
            html += table_section(*statements);
        }
    }
    html += table_section(requests_table(summary));
    for (const auto& table : {journeys_table(summary), journey_steps_table(summary),
                              checks_table(summary), tags_table(summary)}) {
        if (table) html += table_section(*table);
    }
    html += generator_html(summary);
    if (const auto analysis = analysis_table(summary)) html += table_section(*analysis);

    html += fmt::format(
        "<footer>Rendered by volley {} from summary.json (schema {}). Response time counts from "
        "the intended start, so queueing is included (no coordinated omission).</footer>\n"
        "</body>\n</html>\n",
        escape_markup(summary.volley_version), escape_markup(summary.schema));
    return html;
}

}  // namespace volley::reports
