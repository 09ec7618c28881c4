#pragma once
// The content of a human-facing report, built once from the run summary (run_summary.hpp) and
// shared by the HTML and Markdown renderers, so both show the same figures with the same words.
// Cell text is raw (unescaped); each renderer escapes for its own language. Numbers are already
// formatted by number_format.hpp.

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reports/run_summary.hpp"

namespace volley::reports {

// The resolver tiers in lookup order, with the names reports show beside the numbers.
struct CacheTier {
    const char* tier;  // key in served_by: "L1".."L4"
    const char* name;  // "memory", "redis", "view", "live"
};
inline constexpr std::array<CacheTier, 4> cache_tiers{
    {{"L1", "memory"}, {"L2", "redis"}, {"L3", "view"}, {"L4", "live"}}};

enum class RowMark { none, good, bad };  // how a renderer may highlight a row (pass / fail)

struct TableColumn {
    std::string heading;   // includes the unit, e.g. "p99 (ms)"
    bool numeric = false;  // right-aligned
};

struct ReportTable {
    std::string id;     // stable anchor, e.g. "thresholds"
    std::string title;  // section heading
    std::string note;   // one explanatory sentence under the heading, or ""
    std::vector<TableColumn> columns;
    std::vector<std::vector<std::string>> rows;  // each row has columns.size() cells
    std::vector<RowMark> marks;                  // one per row

    void add_row(std::vector<std::string> cells, RowMark mark = RowMark::none);
};

struct KeyFigure {
    std::string label;   // "p99"
    std::string value;   // "48.30 ms"
    std::string detail;  // "of 183.3 target" or ""
    RowMark mark = RowMark::none;
};

// One stage of the load profile as summary.json's scenario.stages gives it. Zero-length stages
// (a jump to the next rate, e.g. stress with step_ramp 0s) are left out and not numbered.
struct StageSpan {
    int number = 0;  // 1-based
    double start_s = 0;
    double end_s = 0;
    std::optional<double> target_rps;  // rate reached at the stage's end
};

// "PASS" or "FAIL".
std::string verdict_text(const RunSummary& summary);
// scenario.name, or "(unnamed scenario)".
std::string scenario_title(const RunSummary& summary);
std::vector<StageSpan> stages(const RunSummary& summary);
// What the reader must see before the figures, as raw strings: that the run did not complete
// (stop.reason other than "completed"), then target.notices[] (e.g. TLS verification disabled).
std::vector<std::string> notices(const RunSummary& summary);
// stop.reason with stop.detail ("interrupted: SIGINT"), or missing_value_text.
std::string stop_text(const RunSummary& summary);
// generator.notes[] as raw strings.
std::vector<std::string> generator_notes(const RunSummary& summary);

// ---- findings (report_findings.cpp) ----

// One item of analysis.headline, ready to show, with the analysis thresholds on it.
struct HeadlineItem {
    std::string key;                      // "capacity", "breaking_point", "recovery", "drift_p99"
    std::string label;                    // "Capacity"
    std::string value;                    // "400.0/s", "2.0 s", "+12.30%", or missing_value_text
    std::string text;                     // the sentence from summary.json
    std::vector<std::string> thresholds;  // "capacity >= 500/s: FAIL (actual 400 rps)"
    bool failed = false;                  // a threshold on it failed
};
// analysis.headline in order; empty when the summary has none.
std::vector<HeadlineItem> headline_items(const RunSummary& summary);
// True for a threshold object judged from the analysis (it carries `analysis: <key>`).
bool is_analysis_threshold(const ThresholdResult& threshold);

// analysis.bottleneck: kind ("none", "generator", "connections", "target"; "" when absent),
// its sentence and suggestion.
struct Bottleneck {
    std::string kind;
    std::string text;
    std::string suggestion;
};
Bottleneck bottleneck(const RunSummary& summary);
// One plain paragraph: the bottleneck's sentence and suggestion; a fallback sentence for a
// summary without one.
std::string bottleneck_sentence(const RunSummary& summary);

// errors.by_status as "200 950, 404 50" ("" when none) and errors.first as
// "connect_error 60: connection refused" lines (without detail: "timeout 3").
std::string status_breakdown(const RunSummary& summary);
std::vector<std::string> error_messages(const RunSummary& summary);
// HTTP statuses of the answered requests; none when errors.by_status is absent or empty.
std::optional<ReportTable> status_table(const RunSummary& summary);
// The first distinct error messages; none when errors.first is absent or empty.
std::optional<ReportTable> error_messages_table(const RunSummary& summary);
// The stress steps (analysis.steps) as a table; none for other types.
std::optional<ReportTable> stress_steps_table(const RunSummary& summary);

// "[request] expr" for a scoped threshold, else expr.
std::string threshold_label(const ThresholdResult& threshold);
// The limit side of a threshold expression: "p(95) < 200ms" → "< 200ms"; the whole expression
// when no comparison operator is found.
std::string threshold_limit(const std::string& expression);
// The threshold's `actual` with its `unit` ("ms", "%", "rps", "count", "% target"):
// "48.30 ms", "97.81%", "99.10% of target", "12"; null → missing_value_text.
std::string threshold_actual(const ThresholdResult& threshold);

std::vector<KeyFigure> key_figures(const RunSummary& summary);
ReportTable run_table(const RunSummary& summary);
ReportTable thresholds_table(const RunSummary& summary);
ReportTable latency_table(const RunSummary& summary);
ReportTable outcomes_table(const RunSummary& summary);
std::optional<ReportTable> cache_table(const RunSummary& summary);  // null cache → none
// HTTP/2 runs: the negotiated protocol, the server's SETTINGS, streams, GOAWAY/RST_STREAM and
// retries (target.protocol); none for HTTP/1.1.
std::optional<ReportTable> protocol_table(const RunSummary& summary);
ReportTable requests_table(const RunSummary& summary);
// The intervals grouped into at most `max_rows` consecutive windows; latency columns show the
// highest interval value inside each window.
ReportTable timeline_table(const RunSummary& summary, int max_rows = 12);
// Response and service time from latency_spectrum: for 50, 75, 90, 95, 99, 99.9, 99.99 % and
// max, the first spectrum row at or above that level, labelled with the row's exact level (so
// the value is the histogram's, never interpolated). Duplicate rows are shown once.
ReportTable spectrum_table(const RunSummary& summary);
ReportTable generator_table(const RunSummary& summary);
std::optional<ReportTable> analysis_table(const RunSummary& summary);  // empty → none

}  // namespace volley::reports
