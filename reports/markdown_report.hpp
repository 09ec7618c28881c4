#pragma once
// report.md: the report as GitHub-flavoured Markdown tables, for pull requests and wikis.
// Same content and the same formatted figures as report.html (both are built from
// report_tables.hpp); charts become a timeline table and a spectrum table. Every string from
// the summary is escaped with escape_markdown (| < > ` and friends).

#include <string>

#include "reports/run_summary.hpp"

namespace volley::reports {

std::string render_markdown(const RunSummary& summary);

}  // namespace volley::reports
