// Confidence intervals of a run's figures from its own variability: a block bootstrap over the
// run's intervals (docs/history-compare.md "The bootstrap"). A percentile's interval comes from
// resampling blocks of contiguous interval histograms with replacement and merging them exactly
// (sums of bucket counts), so the statistic of every resample is what `volley report` would have
// computed for that set of intervals. Used by the noise-aware compare (noise_compare.hpp) and
// the trend report's uncertainty bands.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "history/run_record.hpp"

namespace volley::history {

struct BootstrapSettings {
    std::size_t resamples = 1000;
    double confidence = 0.95;  // two-sided percentile interval
    std::uint64_t seed = 0x766f6c6c6579;
    std::size_t max_blocks_per_run = 100;  // contiguous intervals grouped into ≤ this many blocks
};

// A point estimate and its interval, in the unit of the metric (ms, rps, fraction).
// Contract: low <= value <= high (the percentile interval is widened to include the point when
// the resampled statistic sits entirely on one side of it; see the .cpp).
struct Estimate {
    double value = 0, low = 0, high = 0;
};

// Percentile (0..100] of `series` in ms, pooled over `runs` (a baseline may pool several runs):
// value = the percentile of all their interval histograms merged exactly (HdrHistogram::add, then
// value_at_percentile, ns → ms); [low, high] = the percentile interval of the resampled
// statistic, each run's blocks resampled with replacement (stratified: a run keeps its number of
// blocks). nullopt when no run has a count in the series. Deterministic for settings.seed.
// Throws std::invalid_argument for a percentile outside (0, 100], a confidence outside (0, 1),
// zero resamples or zero max_blocks_per_run.
std::optional<Estimate> percentile_estimate(const std::vector<const RunSample*>& runs,
                                            const std::string& series, double percentile,
                                            const BootstrapSettings& settings);

// The same for several percentiles of one series at once: the blocks are built once and every
// resample is shared by all the percentiles (what the compare uses). Element i answers
// percentiles[i]; every element is nullopt when no run has a count in the series.
std::vector<std::optional<Estimate>> percentile_estimates(const std::vector<const RunSample*>& runs,
                                                          const std::string& series,
                                                          const std::vector<double>& percentiles,
                                                          const BootstrapSettings& settings);

enum class RateMetric { throughput_rps, error_rate, hit_rate };

// A rate from RunSample::intervals, pooled over `runs`, resampled as above:
//   throughput_rps = Σrequests / Σlength_s; error_rate = Σerrors / Σrequests;
//   hit_rate = Σhits / Σrequests over the intervals that carry hits.
// nullopt when the denominator is zero (no intervals, no requests) and, for hit_rate, when no
// interval carries hits (a run without cache tiers).
std::optional<Estimate> rate_estimate(const std::vector<const RunSample*>& runs, RateMetric metric,
                                      const BootstrapSettings& settings);

}  // namespace volley::history
