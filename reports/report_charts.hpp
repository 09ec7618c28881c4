#pragma once
// The charts of the HTML report, built from summary.json's intervals, stages and
// latency_spectrum. Each returns a LineChart for svg_chart.hpp; a chart whose data is absent
// renders as "no data". Interval values are drawn at the interval's midpoint
// (t_s + length_s / 2); stage boundaries are vertical markers.

#include <boost/json/fwd.hpp>

#include "reports/svg_chart.hpp"

namespace volley::reports {

// p50, p95, p99 and max response time per interval (ms).
LineChart latency_over_time_chart(const boost::json::object& summary);
// Achieved and target throughput per interval (rps).
LineChart throughput_chart(const boost::json::object& summary);
// Errors and dropped requests per second, per interval.
LineChart outcomes_chart(const boost::json::object& summary);
// Cache-hit rate and the served-by share of L1..L4 per interval (%). Call only when the
// summary's cache is not null.
LineChart cache_chart(const boost::json::object& summary);
// Response and service time against percentile, on a log 1/(1−p) axis (HdrHistogram style).
LineChart spectrum_chart(const boost::json::object& summary);
// Schedule lag p99 (ms) per interval.
LineChart schedule_lag_chart(const boost::json::object& summary);
// Generator CPU per interval, in % of one core (cpu_util × 100; may exceed 100).
LineChart cpu_chart(const boost::json::object& summary);

}  // namespace volley::reports
