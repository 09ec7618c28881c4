// Block bootstrap over interval histograms (docs/history-compare.md "The bootstrap").
//
// How it stays fast: the non-empty HDR slots of every interval of every run are collected into
// one sorted "union" of columns (a few thousand for real latencies, out of ~34 000 slots). Each
// block (contiguous intervals of one run) becomes a dense row over that union holding its
// CUMULATIVE counts. A resample is a list of (block, times drawn) weights; the merged histogram
// of the resample is never built: its cumulative count at a column is Σ weight × row[column], so
// the percentile's column is found by a binary search over the columns, each probe costing one
// multiply-add per drawn block. 2 runs × 100 blocks × 1000 resamples is a few million
// multiply-adds per percentile.
#include "history/bootstrap.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

namespace volley::history {
namespace {

using engine::HdrHistogram;

void check_settings(const BootstrapSettings& settings) {
    if (settings.resamples == 0) throw std::invalid_argument("bootstrap: resamples must be > 0");
    if (!(settings.confidence > 0.0 && settings.confidence < 1.0)) {
        throw std::invalid_argument(
            fmt::format("bootstrap: confidence must be in (0, 1), got {}", settings.confidence));
    }
    if (settings.max_blocks_per_run == 0) {
        throw std::invalid_argument("bootstrap: max_blocks_per_run must be > 0");
    }
}

// Block k of m over n items covers [k·n/m, (k+1)·n/m): contiguous, sizes differing by at most
// one, m = min(n, max_blocks). Contiguous blocks keep the correlation of neighbouring intervals
// (a slow minute is usually followed by another) inside a block.
std::vector<std::pair<std::size_t, std::size_t>> block_bounds(std::size_t n,
                                                              std::size_t max_blocks) {
    const std::size_t m = std::min(n, max_blocks);
    std::vector<std::pair<std::size_t, std::size_t>> bounds;
    bounds.reserve(m);
    for (std::size_t k = 0; k < m; ++k) bounds.emplace_back(k * n / m, (k + 1) * n / m);
    return bounds;
}

// Blocks per run for a pool of `runs` runs: settings.max_blocks_per_run, but at most
// kMaxBlocksInAll / runs (and at least kMinBlocksPerRun), so a long `last:N` baseline does not
// multiply the memory (8 bytes × blocks × slots): 400 blocks in all are plenty for a stable
// interval, and the expansion (expanded_tail_probability) accounts for the smaller strata.
constexpr std::size_t kMaxBlocksInAll = 400;
constexpr std::size_t kMinBlocksPerRun = 10;
std::size_t blocks_per_run_limit(const BootstrapSettings& settings, std::size_t runs) {
    const std::size_t share = runs == 0 ? kMaxBlocksInAll : kMaxBlocksInAll / runs;
    return std::min(settings.max_blocks_per_run, std::max(share, kMinBlocksPerRun));
}

// Uniform in [0, bound) by rejection on the generator's raw output, so the draws (and so every
// interval) are the same with every standard library, unlike std::uniform_int_distribution.
std::size_t draw_below(std::mt19937_64& rng, std::size_t bound) {
    const std::uint64_t range = bound;
    const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() -
                                std::numeric_limits<std::uint64_t>::max() % range;
    std::uint64_t x = rng();
    while (x >= limit) x = rng();
    return static_cast<std::size_t>(x % range);
}

struct Weight {
    std::size_t block;
    std::int64_t times;
};

// Stratified resampling: run r's blocks are [first_block[r], first_block[r] + blocks[r]); each
// resample draws blocks[r] of them with replacement, independently per run.
class Resampler {
public:
    Resampler(std::vector<std::size_t> blocks_per_run, std::uint64_t seed)
        : blocks_per_run_(std::move(blocks_per_run)), rng_(seed) {
        std::size_t total = 0;
        for (const auto n : blocks_per_run_) total += n;
        drawn_.assign(total, 0);
    }
    // Every block once: the original data (the point estimate).
    [[nodiscard]] std::vector<Weight> identity() const {
        std::vector<Weight> weights;
        for (std::size_t b = 0; b < drawn_.size(); ++b) weights.push_back({b, 1});
        return weights;
    }
    // The next resample's non-zero weights, in block order.
    void next(std::vector<Weight>& weights) {
        std::size_t first = 0;
        for (const auto n : blocks_per_run_) {
            for (std::size_t i = 0; i < n; ++i) ++drawn_[first + draw_below(rng_, n)];
            first += n;
        }
        weights.clear();
        for (std::size_t b = 0; b < drawn_.size(); ++b) {
            if (drawn_[b] != 0) weights.push_back({b, drawn_[b]});
            drawn_[b] = 0;
        }
    }

private:
    std::vector<std::size_t> blocks_per_run_;
    std::mt19937_64 rng_;
    std::vector<std::int64_t> drawn_;
};

// The expanded percentile interval of the resampled statistic (linear interpolation between
// order statistics; `tail` from expanded_tail_probability), widened to include the point: with few
// blocks a discrete statistic can sit entirely on one side of the point, and a displayed interval
// that misses its own value reads as a bug. Widening only makes the compare more cautious.
Estimate interval_of(double point, std::vector<double> values, double tail) {
    Estimate estimate{point, point, point};
    if (values.empty()) return estimate;
    std::sort(values.begin(), values.end());
    const auto quantile = [&](double q) {
        const double h = q * static_cast<double>(values.size() - 1);
        const auto lo = static_cast<std::size_t>(std::floor(h));
        const std::size_t hi = std::min(lo + 1, values.size() - 1);
        return values[lo] + (h - static_cast<double>(lo)) * (values[hi] - values[lo]);
    };
    estimate.low = std::min(point, quantile(tail));
    estimate.high = std::max(point, quantile(1.0 - tail));
    return estimate;
}

// HdrHistogram::value_at_percentile's target count (§6.1), for a histogram of `total` counts.
std::int64_t count_at_percentile(double percentile, std::int64_t total) {
    const double requested = std::min(
        std::max(std::nextafter(percentile, -std::numeric_limits<double>::infinity()), 0.0), 100.0);
    const double wanted = std::ceil((requested * static_cast<double>(total)) / 100.0);
    if (wanted < static_cast<double>(total)) {
        return std::max<std::int64_t>(static_cast<std::int64_t>(wanted), 1);
    }
    return total;
}

// The blocks of one series over the pooled runs, as cumulative rows over the union of non-empty
// slots (see the top of the file). Slots are those of HdrHistogram::latency_ns(); a histogram of
// another layout is mapped as HdrHistogram::add maps it (each slot at its lowest value).
class HistogramBlocks {
public:
    HistogramBlocks(const std::vector<const RunSample*>& runs, const std::string& series,
                    std::size_t max_blocks_per_run)
        : reference_(HdrHistogram::latency_ns()) {
        std::vector<const std::vector<IntervalHistogram>*> per_run;
        for (const auto* run : runs) {
            const auto found = run->latency.find(series);
            per_run.push_back(found == run->latency.end() ? nullptr : &found->second);
        }
        std::vector<std::int32_t> column_of(reference_.counts_length(), -1);
        for (const auto* intervals : per_run) {
            if (intervals == nullptr) continue;
            for (const auto& interval : *intervals) {
                for_each_slot(interval.histogram,
                              [&](std::size_t slot, std::int64_t) { column_of[slot] = 0; });
            }
        }
        for (std::size_t slot = 0; slot < column_of.size(); ++slot) {
            if (column_of[slot] < 0) continue;
            column_of[slot] = static_cast<std::int32_t>(slots_.size());
            slots_.push_back(slot);
        }
        const std::size_t columns = slots_.size();
        std::vector<std::vector<std::pair<std::size_t, std::size_t>>> bounds_per_run;
        std::size_t blocks = 0;
        for (const auto* intervals : per_run) {
            bounds_per_run.push_back(
                block_bounds(intervals == nullptr ? 0 : intervals->size(), max_blocks_per_run));
            blocks_per_run_.push_back(bounds_per_run.back().size());
            blocks += bounds_per_run.back().size();
        }
        cumulative_.assign(blocks * columns, 0);  // one allocation: rows are written in place
        std::size_t row = 0;
        for (std::size_t r = 0; r < per_run.size(); ++r) {
            const auto* intervals = per_run[r];
            for (const auto& [from, to] : bounds_per_run[r]) {
                std::int64_t total = 0;
                for (std::size_t i = from; i < to; ++i) {
                    for_each_slot(
                        (*intervals)[i].histogram, [&](std::size_t slot, std::int64_t count) {
                            cumulative_[row + static_cast<std::size_t>(column_of[slot])] += count;
                            total += count;
                        });
                }
                for (std::size_t c = 1; c < columns; ++c) {
                    cumulative_[row + c] += cumulative_[row + c - 1];
                }
                totals_.push_back(total);
                row += columns;
            }
        }
    }

    [[nodiscard]] bool empty() const { return slots_.empty(); }
    [[nodiscard]] const std::vector<std::size_t>& blocks_per_run() const { return blocks_per_run_; }

    // The percentile in ms of the histogram Σ weight × block; nullopt when it is empty.
    [[nodiscard]] std::optional<double> percentile_ms(const std::vector<Weight>& weights,
                                                      double percentile) const {
        std::int64_t total = 0;
        for (const auto& w : weights) total += w.times * totals_[w.block];
        if (total == 0) return std::nullopt;
        const std::int64_t target = count_at_percentile(percentile, total);
        const std::size_t columns = slots_.size();
        // Smallest column whose merged cumulative count reaches the target (exists: the last
        // column's cumulative count is the total).
        std::size_t lo = 0, hi = columns - 1;
        while (lo < hi) {
            const std::size_t mid = lo + (hi - lo) / 2;
            std::int64_t running = 0;
            for (const auto& w : weights) running += w.times * cumulative_[w.block * columns + mid];
            if (running >= target) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        const std::int64_t value_ns =
            reference_.highest_equivalent_value(reference_.value_from_index(slots_[lo]));
        return static_cast<double>(value_ns) / 1e6;
    }

private:
    HdrHistogram reference_;
    std::vector<std::size_t> slots_;        // the union's slots, ascending (one per column)
    std::vector<std::int64_t> cumulative_;  // block-major rows of cumulative counts
    std::vector<std::int64_t> totals_;      // per block
    std::vector<std::size_t> blocks_per_run_;

    // Calls f(reference slot, count) for every non-empty slot of h.
    template <typename F>
    void for_each_slot(const HdrHistogram& h, F&& f) const {
        if (h.empty()) return;
        const std::size_t last = std::min(h.counts_index(h.max()), h.counts_length() - 1);
        const std::size_t first = std::min(h.counts_index(h.min()), last);
        const bool same = reference_.same_layout(h);
        for (std::size_t i = first; i <= last; ++i) {
            const std::int64_t count = h.count_at_index(i);
            if (count == 0) continue;
            const std::size_t slot = same ? i
                                          : std::min(reference_.counts_index(h.value_from_index(i)),
                                                     reference_.counts_length() - 1);
            f(slot, count);
        }
    }
};

// One block of summary.json intervals[] rows, summed.
struct RateBlock {
    double length_s = 0;
    double requests = 0, errors = 0;
    double hits = 0, requests_with_hits = 0;  // over the intervals that carry hits
    bool has_hits = false;
};

std::optional<double> rate_of(const std::vector<RateBlock>& blocks,
                              const std::vector<Weight>& weights, RateMetric metric) {
    double numerator = 0, denominator = 0;
    for (const auto& w : weights) {
        const auto& b = blocks[w.block];
        const auto times = static_cast<double>(w.times);
        switch (metric) {
            case RateMetric::throughput_rps:
                numerator += times * b.requests;
                denominator += times * b.length_s;
                break;
            case RateMetric::error_rate:
                numerator += times * b.errors;
                denominator += times * b.requests;
                break;
            case RateMetric::hit_rate:
                numerator += times * b.hits;
                denominator += times * b.requests_with_hits;
                break;
        }
    }
    if (denominator <= 0) return std::nullopt;
    return numerator / denominator;
}

}  // namespace

// The expanded percentile interval's tail probability: reasons and measurements in bootstrap.hpp.
double expanded_tail_probability(double confidence,
                                 const std::vector<std::size_t>& blocks_per_run) {
    const double alpha = 1.0 - confidence;
    std::size_t smallest = 0;
    double degrees_of_freedom = 0;
    for (const auto n : blocks_per_run) {
        if (n == 0) continue;
        if (smallest == 0 || n < smallest) smallest = n;
        degrees_of_freedom += static_cast<double>(n - 1);
    }
    if (smallest < 2 || degrees_of_freedom < 1) return alpha / 2.0;
    const auto n = static_cast<double>(smallest);
    const boost::math::students_t_distribution<double> t(degrees_of_freedom);
    const double widened = std::sqrt(n / (n - 1.0)) * boost::math::quantile(t, 1.0 - alpha / 2.0);
    return boost::math::cdf(boost::math::normal_distribution<double>(), -widened);
}

std::vector<std::optional<Estimate>> percentile_estimates(const std::vector<const RunSample*>& runs,
                                                          const std::string& series,
                                                          const std::vector<double>& percentiles,
                                                          const BootstrapSettings& settings) {
    check_settings(settings);
    for (const double p : percentiles) {
        if (!(p > 0.0 && p <= 100.0)) {
            throw std::invalid_argument(
                fmt::format("bootstrap: percentile must be in (0, 100], got {}", p));
        }
    }
    std::vector<std::optional<Estimate>> estimates(percentiles.size());
    const HistogramBlocks blocks(runs, series, blocks_per_run_limit(settings, runs.size()));
    if (blocks.empty()) return estimates;
    Resampler resampler(blocks.blocks_per_run(), settings.seed);
    const auto all = resampler.identity();
    std::vector<std::vector<double>> resampled(percentiles.size());
    for (auto& values : resampled) values.reserve(settings.resamples);
    std::vector<Weight> weights;
    for (std::size_t r = 0; r < settings.resamples; ++r) {
        resampler.next(weights);
        // A resample that drew only empty blocks has no percentile; it is left out (the
        // interval is conditional on a non-empty resample).
        for (std::size_t i = 0; i < percentiles.size(); ++i) {
            if (const auto v = blocks.percentile_ms(weights, percentiles[i])) {
                resampled[i].push_back(*v);
            }
        }
    }
    for (std::size_t i = 0; i < percentiles.size(); ++i) {
        const auto point = blocks.percentile_ms(all, percentiles[i]);
        if (point) {
            estimates[i] = interval_of(
                *point, std::move(resampled[i]),
                expanded_tail_probability(settings.confidence, blocks.blocks_per_run()));
        }
    }
    return estimates;
}

std::optional<Estimate> percentile_estimate(const std::vector<const RunSample*>& runs,
                                            const std::string& series, double percentile,
                                            const BootstrapSettings& settings) {
    return percentile_estimates(runs, series, {percentile}, settings).front();
}

std::optional<Estimate> rate_estimate(const std::vector<const RunSample*>& runs, RateMetric metric,
                                      const BootstrapSettings& settings) {
    check_settings(settings);
    std::vector<RateBlock> blocks;
    std::vector<std::size_t> blocks_per_run;
    bool any_hits = false;
    const std::size_t max_blocks = blocks_per_run_limit(settings, runs.size());
    for (const auto* run : runs) {
        const auto bounds = block_bounds(run->intervals.size(), max_blocks);
        blocks_per_run.push_back(bounds.size());
        for (const auto& [from, to] : bounds) {
            RateBlock block;
            for (std::size_t i = from; i < to; ++i) {
                const auto& interval = run->intervals[i];
                block.length_s += interval.length_s;
                block.requests += static_cast<double>(interval.requests);
                block.errors += static_cast<double>(interval.errors);
                if (interval.hits) {
                    block.has_hits = true;
                    block.hits += static_cast<double>(*interval.hits);
                    block.requests_with_hits += static_cast<double>(interval.requests);
                }
            }
            any_hits = any_hits || block.has_hits;
            blocks.push_back(block);
        }
    }
    if (metric == RateMetric::hit_rate && !any_hits) return std::nullopt;
    const double tail = expanded_tail_probability(settings.confidence, blocks_per_run);
    Resampler resampler(std::move(blocks_per_run), settings.seed);
    const auto point = rate_of(blocks, resampler.identity(), metric);
    if (!point) return std::nullopt;
    std::vector<double> values;
    values.reserve(settings.resamples);
    std::vector<Weight> weights;
    for (std::size_t r = 0; r < settings.resamples; ++r) {
        resampler.next(weights);
        if (const auto v = rate_of(blocks, weights, metric)) values.push_back(*v);
    }
    return interval_of(*point, std::move(values), tail);
}

}  // namespace volley::history
