// Synthetic runs with known distributions for the bootstrap and noise-compare tests: a RunSample
// built in memory, each interval's latencies drawn from a lognormal whose scale is itself drawn
// per interval, so a run has real between-interval variability (as a real run has: GC pauses,
// noisy neighbours), not just sampling noise.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "history/run_record.hpp"

namespace volley::history::testing {

struct SyntheticRunShape {
    std::size_t intervals = 60;
    std::size_t requests_per_interval = 1000;
    double median_ms = 10.0;
    double sigma = 0.5;               // lognormal shape of latencies within an interval
    double interval_sigma = 0.1;      // lognormal sd of the per-interval latency scale factor
    double latency_scale = 1.0;       // multiplies every latency: a real shift of every percentile
    double throughput_jitter = 0.05;  // relative sd of the requests per interval
    double error_rate = 0.01;
    std::optional<double> hit_rate;   // hits drawn per interval when set
    std::vector<std::string> series;  // request i of an interval also goes to series[i % n]
    std::string scenario_name = "synthetic";
    std::string started_at = "2026-12-01T00:00:00Z";
};

// Fills `run` with a fresh draw. Interval histograms already in `run` with the right shape are
// reset and reused: a latency_ns() histogram is 270 KB, and re-allocating thousands of them per
// test costs more (page faults) than drawing the latencies.
inline void fill_synthetic_run(RunSample& run, const SyntheticRunShape& shape, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> standard_normal(0.0, 1.0);
    run.record.id = "run-" + std::to_string(seed);
    run.record.scenario_name = shape.scenario_name;
    run.record.started_at = shape.started_at;
    // Keep only the series this shape writes, each with shape.intervals histograms.
    for (auto it = run.latency.begin(); it != run.latency.end();) {
        const bool wanted =
            it->first == kAllRequests ||
            std::find(shape.series.begin(), shape.series.end(), it->first) != shape.series.end();
        it = wanted ? std::next(it) : run.latency.erase(it);
    }
    std::vector<std::vector<IntervalHistogram>*> series;
    series.push_back(&run.latency[kAllRequests]);
    for (const auto& name : shape.series) series.push_back(&run.latency[name]);
    for (auto* intervals : series) {
        intervals->resize(shape.intervals);
        for (auto& interval : *intervals) interval.histogram.reset();
    }
    run.intervals.clear();
    for (std::size_t i = 0; i < shape.intervals; ++i) {
        const double scale = std::exp(shape.interval_sigma * standard_normal(rng));
        const double jitter = 1.0 + shape.throughput_jitter * standard_normal(rng);
        const auto requests = static_cast<std::uint64_t>(
            std::max(1.0, std::round(static_cast<double>(shape.requests_per_interval) * jitter)));
        for (auto* intervals : series) {
            (*intervals)[i].start_s = static_cast<double>(i);
            (*intervals)[i].length_s = 1.0;
        }
        const double log_median_ns = std::log(shape.median_ms * 1e6 * shape.latency_scale * scale);
        auto& all = (*series[0])[i].histogram;
        const std::size_t named = shape.series.size();
        for (std::uint64_t r = 0; r < requests; ++r) {
            const auto value_ns = static_cast<std::int64_t>(
                std::exp(log_median_ns + shape.sigma * standard_normal(rng)));
            all.record(value_ns);
            if (named != 0) (*series[1 + r % named])[i].histogram.record(value_ns);
        }
        IntervalCounts counts;
        counts.t_s = static_cast<double>(i);
        counts.length_s = 1.0;
        counts.requests = requests;
        counts.errors = std::binomial_distribution<std::uint64_t>(requests, shape.error_rate)(rng);
        if (shape.hit_rate) {
            counts.hits = std::binomial_distribution<std::uint64_t>(requests, *shape.hit_rate)(rng);
        }
        run.intervals.push_back(counts);
    }
}

inline RunSample make_synthetic_run(const SyntheticRunShape& shape, std::uint64_t seed) {
    RunSample run;
    fill_synthetic_run(run, shape, seed);
    return run;
}

}  // namespace volley::history::testing
