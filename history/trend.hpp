// Trends across runs (`volley history`, docs/history.md "Trends"): one row per stored run with its
// headline figures and their uncertainty band, rendered as a console table, a Markdown table or a
// self-contained HTML trend report (inline CSS and SVG, no script, no external reference).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "history/bootstrap.hpp"
#include "history/store.hpp"

namespace volley::history {

// One run of a trend. Each figure's value is the run's own summary figure (what its report.html
// says); with has_band, [low, high] is the bootstrap interval over the run's intervals
// (history/bootstrap.hpp), widened to include the value. Without has_band (a run without
// latency.hlog), low = high = value.
struct TrendRow {
    RunRecord record;
    std::optional<Estimate> p50, p95, p99;  // ms, all requests
    std::optional<Estimate> throughput;     // requests per second
    std::optional<Estimate> error_rate;     // fraction 0..1
    std::optional<Estimate> hit_rate;       // fraction 0..1; nullopt without cache tiers
    bool has_band = false;
};

struct Trend {
    std::vector<TrendRow> rows;        // oldest first
    std::vector<std::string> skipped;  // "PATH: reason": runs that could not be read
};

// The runs matching `query`, each read with store.sample(id) for its band. A run whose files
// cannot be read (RunReadError) is left out and named in `skipped`, as are the store's own
// skipped runs. Throws StoreError when the store fails.
[[nodiscard]] Trend build_trend(HistoryStore& store, const RunQuery& query,
                                const BootstrapSettings& settings);

// The row of one run sample (no store): what build_trend does per run.
[[nodiscard]] TrendRow trend_row(const RunSample& sample, const BootstrapSettings& settings);

// "2026-12-05T23:43:13.123Z" → "2026-12-05 23:43:13" (how trends show when a run started).
[[nodiscard]] std::string trend_started_text(const std::string& started_at);

// A plain-text table, one line per run: started (UTC), id, labels, verdict, p50/p95/p99 ms with
// "±" the wider side of the band, throughput ± band, error rate, hit rate. Names are stripped of
// control characters. Skipped runs are not in it (the command prints them on stderr).
[[nodiscard]] std::string render_trend_console(const Trend& trend);

// The same as a GitHub-flavoured Markdown table (bands as "low–high"), then the skipped runs.
[[nodiscard]] std::string render_trend_markdown(const Trend& trend);

// The HTML trend report: a title, the scenario names and hashes, charts of p50/p95/p99 (the p99
// band shaded, error bars on p50/p95), throughput and error rate (bands shaded; hit rate when any
// run has it), one point per run labelled by date and verdict (failed runs marked), the table
// and the skipped runs. Every text from a summary is HTML-escaped.
[[nodiscard]] std::string render_trend_html(const Trend& trend, const std::string& title);

}  // namespace volley::history
