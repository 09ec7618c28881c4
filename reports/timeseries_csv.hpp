#pragma once
// timeseries.csv: one header line, then one row per interval of the run summary, in order.
// Comma-separated, LF line ends, no quoting needed (every cell is a number or empty).
// An absent value (no cache figures, no error rate) is an empty cell. Columns (documented in
// docs/outputs.md):
//   t_s, length_s, requests, errors, dropped, unsent, throughput_rps, target_rps, error_rate,
//   p50_ms, p95_ms, p99_ms, max_ms, hit_rate, served_L1, served_L2, served_L3, served_L4,
//   cpu_util, lag_p99_ms
// Rates and shares are fractions 0..1 (error_rate = errors / requests, empty when no request
// was sent in the interval); cpu_util is CPU time / interval length (1.0 = one core busy).

#include <string>
#include <string_view>
#include <vector>

#include "reports/run_summary.hpp"

namespace volley::reports {

// The column names in order, as in the header line.
const std::vector<std::string_view>& timeseries_columns();

std::string render_timeseries_csv(const RunSummary& summary);

}  // namespace volley::reports
