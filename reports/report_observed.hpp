#pragma once
// The observed sections of report.md and report.html (docs/observe.md): the sources' health, the
// series over the run, PostgreSQL's statements with N+1 suspects, and one chart per source and
// unit on the latency charts' time axis. Each is absent when the run observed nothing.

#include "reports/report_tables.hpp"
#include "reports/run_summary.hpp"
#include "reports/svg_chart.hpp"

#include <optional>
#include <string>
#include <vector>

namespace volley::reports {

[[nodiscard]] std::optional<ReportTable> observed_sources_table(const RunSummary& summary);
[[nodiscard]] std::optional<ReportTable> observed_series_table(const RunSummary& summary);
[[nodiscard]] std::optional<ReportTable> observed_statements_table(const RunSummary& summary);

struct ObservedChart {
    std::string caption;
    LineChart chart;
};
// One chart per source and unit, values per interval (ratios in %).
[[nodiscard]] std::vector<ObservedChart> observed_charts(const RunSummary& summary);

// A value of an observed series in its unit: "97.31%" (ratio), "12.5 MB" (bytes), "850/s".
[[nodiscard]] std::string format_observed(double value, const std::string& unit);

}  // namespace volley::reports
