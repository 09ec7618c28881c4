// TEMPORARY (branch `trend` only): the bootstrap API as fixed in the issue 13 design, so the trend
// code builds before branch `stats` lands. Branch `stats` owns history/bootstrap.{hpp,cpp}; the
// lead drops this header and history/bootstrap_stub.cpp when merging it.
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
    double confidence = 0.95;
    std::uint64_t seed = 0x766f6c6c6579;
    std::size_t max_blocks_per_run = 100;
};

struct Estimate {
    double value = 0, low = 0, high = 0;
};

std::optional<Estimate> percentile_estimate(const std::vector<const RunSample*>& runs,
                                            const std::string& series, double percentile,
                                            const BootstrapSettings& settings);

enum class RateMetric { throughput_rps, error_rate, hit_rate };

std::optional<Estimate> rate_estimate(const std::vector<const RunSample*>& runs, RateMetric metric,
                                      const BootstrapSettings& settings);

}  // namespace volley::history
