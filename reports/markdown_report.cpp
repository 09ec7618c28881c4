#include "reports/markdown_report.hpp"

#include <fmt/format.h>

#include "reports/number_format.hpp"
#include "reports/report_journey_tables.hpp"
#include "reports/report_observed.hpp"
#include "reports/report_tables.hpp"
#include "reports/text_escape.hpp"

namespace volley::reports {
namespace {

// A GFM table; an empty table renders as its note only.
std::string markdown_table(const ReportTable& table) {
    std::string md;
    if (table.rows.empty()) return md;
    md += "|";
    for (const auto& column : table.columns)
        md += fmt::format(" {} |", escape_markdown(column.heading));
    md += "\n|";
    for (const auto& column : table.columns) md += column.numeric ? " ---: |" : " --- |";
    md += "\n";
    for (const auto& row : table.rows) {
        md += "|";
        for (const auto& cell : row) md += fmt::format(" {} |", escape_markdown(cell));
        md += "\n";
    }
    return md;
}

std::string markdown_section(const ReportTable& table) {
    std::string md = fmt::format("\n## {}\n\n", escape_markdown(table.title));
    if (!table.note.empty()) md += escape_markdown(table.note) + "\n\n";
    md += markdown_table(table);
    return md;
}

std::string key_figures_table(const RunSummary& summary) {
    ReportTable table{
        "key-figures", "Key figures", "", {{"Figure"}, {"Value", true}, {"Detail"}}, {}, {}};
    for (const auto& figure : key_figures(summary)) {
        table.add_row({figure.label, figure.value, figure.detail});
    }
    return markdown_table(table);
}

}  // namespace

std::string render_markdown(const RunSummary& summary) {
    std::string md = fmt::format("# volley report: {}\n\n**Verdict: {}**",
                                 escape_markdown(scenario_title(summary)), verdict_text(summary));
    const auto& started = summary.started_at;
    if (!started.empty()) md += fmt::format(" · started {}", escape_markdown(started));
    md += fmt::format(" · {} s", format_seconds(summary.duration_s));
    md += "\n";
    if (summary.start) md += fmt::format("\n{}\n", escape_markdown(start_line(*summary.start)));
    const auto items = headline_items(summary);
    const auto found = bottleneck(summary);
    if (!items.empty()) {
        ReportTable headline{"headline", "Headline",
                             "",         {{"Finding"}, {"Value", true}, {"Detail"}, {"Threshold"}},
                             {},         {}};
        for (const auto& item : items) {
            std::string thresholds;
            for (const auto& t : item.thresholds)
                thresholds += (thresholds.empty() ? "" : "; ") + t;
            headline.add_row({item.label, item.value, item.text, thresholds});
        }
        md += markdown_section(headline);
    }
    if (!found.kind.empty()) {
        md += fmt::format("\n**Bottleneck: {}.** {}\n", escape_markdown(found.kind),
                          escape_markdown(found.text));
        if (!found.suggestion.empty())
            md += fmt::format("\n{}\n", escape_markdown(found.suggestion));
    }
    if (const auto steps = stress_steps_table(summary)) md += markdown_section(*steps);
    md += "\n## Key figures\n\n";
    md += key_figures_table(summary);
    for (const auto& notice : notices(summary)) {
        md += fmt::format("\n> **Notice:** {}\n", escape_markdown(notice));
    }
    md += markdown_section(run_table(summary));
    md += markdown_section(thresholds_table(summary));
    md += markdown_section(latency_table(summary));
    if (const auto protocol = protocol_table(summary)) md += markdown_section(*protocol);
    md += markdown_section(spectrum_table(summary));
    md += markdown_section(timeline_table(summary));
    md += markdown_section(outcomes_table(summary));
    if (const auto statuses = status_table(summary)) md += markdown_section(*statuses);
    if (const auto messages = error_messages_table(summary)) md += markdown_section(*messages);
    if (const auto cache = cache_table(summary)) md += markdown_section(*cache);
    for (const auto& table : {observed_sources_table(summary), observed_series_table(summary),
                              observed_statements_table(summary)}) {
        if (table) md += markdown_section(*table);
    }
    md += markdown_section(requests_table(summary));
    for (const auto& table : {journeys_table(summary), journey_steps_table(summary),
                              checks_table(summary), tags_table(summary)}) {
        if (table) md += markdown_section(*table);
    }

    const auto generator = generator_table(summary);
    md += markdown_section(generator);
    const auto notes = generator_notes(summary);
    if (!notes.empty()) {
        md += "\n";
        for (const auto& note : notes) md += fmt::format("- {}\n", escape_markdown(note));
    }
    if (const auto analysis = analysis_table(summary)) md += markdown_section(*analysis);
    md += fmt::format("\n---\nRendered by volley {} from summary.json (schema {}).\n",
                      escape_markdown(summary.volley_version), escape_markdown(summary.schema));
    return md;
}

}  // namespace volley::reports
