// The console summary printed at the end of a run (and by `volley report`), rendered from
// the run summary (run_summary.hpp), so that it always shows the same figures as the files.
#pragma once

#include "reports/run_summary.hpp"

#include <string>

namespace volley::reports {

// `full_spectrum`: also print the HdrHistogram percentile table (wrk2's --latency).
std::string render_console(const RunSummary& summary, bool full_spectrum = false);

}  // namespace volley::reports
