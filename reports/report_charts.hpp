#pragma once
// The charts of the HTML report, built from the run summary's intervals, stages and
// latency spectrum. Each returns a LineChart for svg_chart.hpp; a chart without data
// renders as "no data". Interval values are drawn at the interval's midpoint
// (t_s + length_s / 2); stage boundaries are vertical markers.

#include "reports/run_summary.hpp"
#include "reports/svg_chart.hpp"

namespace volley::reports {

// An empty chart on the run's time axis (0 .. duration, stage markers) with a y axis from 0: the
// frame every per-interval chart shares, so that charts line up with the latency chart.
LineChart interval_time_chart(const RunSummary& summary, std::string title, std::string y_label);

// p50, p95, p99 and max response time per interval (ms).
LineChart latency_over_time_chart(const RunSummary& summary);
// Achieved and target throughput per interval (rps).
LineChart throughput_chart(const RunSummary& summary);
// Errors and dropped requests per second, per interval.
LineChart outcomes_chart(const RunSummary& summary);
// Cache-hit rate and the served-by share of L1..L4 per interval (%). Call only when the
// summary's cache is not null.
LineChart cache_chart(const RunSummary& summary);
// Response and service time against percentile, on a log 1/(1−p) axis (HdrHistogram style).
LineChart spectrum_chart(const RunSummary& summary);
// Schedule lag p99 (ms) per interval.
LineChart schedule_lag_chart(const RunSummary& summary);
// Generator CPU per interval, in % of one core (cpu_util × 100; may exceed 100).
LineChart cpu_chart(const RunSummary& summary);

}  // namespace volley::reports
