#pragma once
// report.html: one self-contained page rendered from the run summary (run_summary.hpp).
// Inline CSS and inline SVG only: no script, no external font, image, stylesheet or link, so
// it opens offline from a CI artifact and prints cleanly (@media print). Every string taken
// from the summary is HTML-escaped.

#include <string>

#include "reports/run_summary.hpp"

namespace volley::reports {

// The whole page as UTF-8 HTML5; figures a measure does not have show as "—". Sections: verdict and
// key figures, notices, run metadata, thresholds, latency table and per-interval percentiles (stage
// boundaries marked), latency spectrum, throughput, outcomes, cache (only when summary.cache is not
// null), per-request table, generator health, analysis.
std::string render_html(const RunSummary& summary);

}  // namespace volley::reports
