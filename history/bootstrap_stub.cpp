// TEMPORARY (branch `trend` only; drop when branch `stats` lands history/bootstrap.cpp): the
// bootstrap API answered without resampling, value = the point estimate, low = high = value.
#include "history/bootstrap.hpp"

namespace volley::history {

std::optional<Estimate> percentile_estimate(const std::vector<const RunSample*>& runs,
                                            const std::string& series, double percentile,
                                            const BootstrapSettings&) {
    std::optional<engine::HdrHistogram> merged;
    for (const auto* run : runs) {
        if (auto window = merge_window(*run, series, -1e300, 1e300)) {
            if (merged)
                merged->add(*window);
            else
                merged = std::move(window);
        }
    }
    if (!merged || merged->total_count() == 0) return std::nullopt;
    const double value = static_cast<double>(merged->value_at_percentile(percentile)) / 1e6;
    return Estimate{value, value, value};
}

std::optional<Estimate> rate_estimate(const std::vector<const RunSample*>& runs, RateMetric metric,
                                      const BootstrapSettings&) {
    double requests = 0, errors = 0, seconds = 0, hits = 0, hit_requests = 0;
    for (const auto* run : runs) {
        for (const auto& interval : run->intervals) {
            requests += static_cast<double>(interval.requests);
            errors += static_cast<double>(interval.errors);
            seconds += interval.length_s;
            if (interval.hits) {
                hits += static_cast<double>(*interval.hits);
                hit_requests += static_cast<double>(interval.requests);
            }
        }
    }
    double value = 0;
    switch (metric) {
        case RateMetric::throughput_rps:
            if (seconds <= 0) return std::nullopt;
            value = requests / seconds;
            break;
        case RateMetric::error_rate:
            if (requests <= 0) return std::nullopt;
            value = errors / requests;
            break;
        case RateMetric::hit_rate:
            if (hit_requests <= 0) return std::nullopt;
            value = hits / hit_requests;
            break;
    }
    return Estimate{value, value, value};
}

}  // namespace volley::history
