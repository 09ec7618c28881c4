#pragma once
// `volley compare BASE NEW`: the headline figures of two runs side by side, with deltas and a
// regression flag per metric. Reads summary.json values (latency_ms.p50/p95/p99/p999/max,
// totals.throughput_rps, totals.error_rate, cache.hit_rate). The CLI exits 99 when
// CompareResult::regressed() is true.
//
// Regression rules, with m = max_regression_fraction (0.10 for "--max-regression 10%"):
//  * latency (p50, p95, p99, p99.9, max): new > base × (1 + m)
//  * throughput:                          new < base × (1 − m)
//  * error rate:                          new − base > max(m × base, 0.001)  (0.1 point floor)
//  * cache-hit rate:                      base − new > 0.01                  (1 point)
// A metric missing (or null) in either run is listed as not compared and never regresses.

#include <optional>
#include <string>
#include <vector>

#include <boost/json/fwd.hpp>

namespace volley::reports {

enum class MetricKind { latency_ms, throughput_rps, error_rate, hit_rate };

struct MetricComparison {
    std::string name;  // "p99", "throughput", "error rate", "cache-hit rate"
    MetricKind kind = MetricKind::latency_ms;
    std::optional<double> base;  // ms, rps, or a fraction 0..1 (rates)
    std::optional<double> fresh;
    bool regressed = false;
    std::string limit{};  // the rule that applied: "up > 10.00%", "down > 1.00 pp"

    bool compared() const { return base.has_value() && fresh.has_value(); }
    // fresh − base (ms, rps, or fraction difference), when compared.
    std::optional<double> delta() const;
    // (fresh − base) / base, when compared and base ≠ 0.
    std::optional<double> relative_change() const;
};

struct CompareResult {
    std::string base_label;  // "scenario name @ started_at"
    std::string fresh_label;
    double max_regression_fraction = 0.10;
    std::vector<MetricComparison> metrics;  // p50, p95, p99, p99.9, max, throughput, error rate,
                                            // cache-hit rate, in this order

    bool regressed() const;
    std::size_t regression_count() const;
};

// max_regression_fraction must be ≥ 0 (a negative value is treated as 0).
CompareResult compare_runs(const boost::json::object& base, const boost::json::object& fresh,
                           double max_regression_fraction);

// Aligned plain-text table for a terminal, ending with a verdict line. Labels are stripped of
// control characters.
std::string render_compare_console(const CompareResult& result);

// A Markdown section (heading, table, verdict) for a pull request comment.
std::string render_compare_markdown(const CompareResult& result);

}  // namespace volley::reports
