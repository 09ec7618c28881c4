// The noise-aware compare (`volley compare`'s statistical mode; docs/history-compare.md): every
// figure of the baseline and of the new run gets a bootstrap interval from its own intervals
// (bootstrap.hpp), and a change is a regression only when the new interval lies wholly beyond
// the tolerance from the baseline's interval, ok when it lies wholly inside it, inconclusive
// otherwise.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "history/bootstrap.hpp"
#include "history/run_record.hpp"

namespace volley::history {

// How far a metric may move before it counts against the new run. Relative ones are fractions
// of the baseline's bound (0.10 = 10%); hit_rate_points is an absolute difference of fractions
// (0.01 = one percentage point).
struct Tolerances {
    double p50 = 0.10, p95 = 0.10, p99 = 0.10, p99_9 = 0.10;  // up, relative
    double throughput = 0.10;                                 // down, relative
    double error_rate = 0.10;         // up, relative to the baseline's high bound ...
    double error_rate_floor = 0.001;  // ... but never less than 0.1 point (absolute)
    double hit_rate_points = 0.01;    // down, absolute (percentage points as a fraction)
};

// Parses `--max-regression`: comma-separated items, applied left to right over the defaults.
//   "10%"              every RELATIVE tolerance (p50 p95 p99 p99.9 throughput error_rate);
//                      hit_rate keeps its 1 point (a relative 10% of a hit rate makes no sense,
//                      and 10 points would hide real cache regressions)
//   "latency=5%"       p50 p95 p99 p99.9
//   "p50=…" "p95=…" "p99=…" "p99.9=…" "throughput=…" "error_rate=…"   one metric, relative
//   "hit_rate=2%"      hit rate, in percentage points
// Values are non-negative numbers followed by "%". Throws std::invalid_argument naming the bad
// item for an unknown metric, a value without "%", a malformed or negative number, or an empty
// list or item.
[[nodiscard]] Tolerances parse_tolerances(std::string_view text);

enum class CompareVerdict { ok, inconclusive, regression, not_compared };
enum class NoiseMetricKind { latency_ms, throughput_rps, error_rate, hit_rate };

// "ok", "inconclusive", "regression", "not compared".
[[nodiscard]] std::string_view verdict_name(CompareVerdict verdict);

struct NoiseMetricComparison {
    std::string series;  // "" = all requests, else a RunSample::latency series name
    std::string metric;  // "p50" "p95" "p99" "p99.9" "throughput" "error_rate" "hit_rate"
    NoiseMetricKind kind = NoiseMetricKind::latency_ms;
    std::optional<Estimate> base, fresh;  // unit of the kind (ms, rps, fraction)
    double tolerance = 0;  // as in Tolerances (relative fraction; hit rate: absolute)
    double limit = 0;      // the bound the new interval is judged against (unit of the kind)
    CompareVerdict verdict = CompareVerdict::not_compared;
    std::string reason;  // one sentence, for humans
};

struct NoiseCompareResult {
    std::string base_label, fresh_label;  // "<scenario> @ <started_at>" (base: "+ N more")
    std::vector<NoiseMetricComparison> metrics;
    // regression if any metric regressed, else inconclusive if any is inconclusive (or nothing
    // could be compared at all), else ok. not_compared metrics do not count otherwise.
    CompareVerdict overall = CompareVerdict::ok;

    // "p99", "tag:kind=api p95", … of the metrics with that verdict, in table order.
    [[nodiscard]] std::vector<std::string> names_with(CompareVerdict verdict) const;
};

// The smallest number of intervals a run needs for its own interval (below it the CLI uses the
// simple compare): fewer blocks than this give a bootstrap that cannot see the run's noise.
inline constexpr std::size_t kMinIntervalsForStatistics = 5;

// True when the run has at least kMinIntervalsForStatistics all-requests interval histograms
// (a latency.hlog) and at least one of them holds a count.
[[nodiscard]] bool has_enough_data(const RunSample& run);

// Compares the new runs (usually one) with the baseline runs (pooled: `last:N`). Metrics, in
// order: p50 p95 p99 p99.9 throughput error_rate hit_rate of all requests (hit_rate only when a
// side has hits), then p50 p95 p99 of every other series in either side (not_compared when a
// side has no count in it). Decision rules: docs/history-compare.md "Rules".
[[nodiscard]] NoiseCompareResult compare_samples(const std::vector<const RunSample*>& baseline,
                                                 const std::vector<const RunSample*>& fresh,
                                                 const Tolerances& tolerances,
                                                 const BootstrapSettings& settings);

// A value of the kind as report text with its unit ("12.35 ms", "998.7 rps", "0.42%").
[[nodiscard]] std::string format_metric_value(NoiseMetricKind kind, double value);

// Renderers (noise_compare_render.cpp): an aligned console table and a GitHub Markdown section.
// Both end with the verdict line naming the regressed / inconclusive metrics.
[[nodiscard]] std::string render_noise_compare_console(const NoiseCompareResult& result);
[[nodiscard]] std::string render_noise_compare_markdown(const NoiseCompareResult& result);

}  // namespace volley::history
