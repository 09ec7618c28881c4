// volley's own figures in the Prometheus text format (docs/metrics.md), for `--metrics-listen`:
// an engine::IntervalListener that adds each interval to cumulative totals and renders the whole
// exposition, which the caller publishes (observe/metrics_server.hpp serves it at /metrics).
// Runs on the engine's collector thread: it copies counts and walks the interval's histograms
// once, and reads /proc/self/statm; it never blocks on the network.
#pragma once

#include "engine/hdr_histogram.hpp"
#include "engine/runner.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace volley::observe {

// The upper bounds, in seconds, of volley's classic histograms (the +Inf bucket besides). Fixed,
// the same in every volley, so that `sum by (le)` adds the buckets of several generators and
// histogram_quantile over them is meaningful (docs/metrics.md "Buckets").
inline constexpr std::array<double, 18> kLatencyBucketsSeconds = {
    0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075,
    0.1,    0.25,  0.5,    0.75,  1,      2.5,  5,     10,   30};

// Cumulative counts per bucket of kLatencyBucketsSeconds, plus the +Inf bucket, _sum and _count,
// of values recorded in nanoseconds.
struct SecondsHistogram {
    std::array<std::uint64_t, kLatencyBucketsSeconds.size()> at_or_below{};
    std::uint64_t count = 0;
    double sum_seconds = 0;

    // Adds every value of `histogram` (ns). An HDR slot counts towards a bound when its lowest
    // value is at or below the bound: with 3 significant figures a slot is at most 0.1 % of its
    // value wide, so a value is misplaced only when it is within 0.1 % above a bound.
    void add(const engine::HdrHistogram& histogram);
};

// What the exporter reads of the process besides the intervals (a test substitutes it).
using ResidentBytesReader = std::function<std::optional<std::uint64_t>()>;
// VmRSS of this process from /proc/self/statm; nullopt where it cannot be read.
std::optional<std::uint64_t> read_own_resident_bytes();

class MetricsExporter final : public engine::IntervalListener {
public:
    // `publish` gets the full exposition after every interval (and once at construction, with
    // every counter at 0, so that the endpoint answers before the first interval).
    MetricsExporter(std::vector<std::string> request_names,
                    std::function<void(std::string)> publish,
                    ResidentBytesReader resident_bytes = read_own_resident_bytes);

    std::optional<std::string> on_interval(const engine::IntervalReport& report) override;

    // The exposition of everything added so far.
    [[nodiscard]] std::string render() const;

private:
    struct PerRequest {
        engine::OutcomeCounts outcomes{};
        std::uint64_t errors = 0;
        SecondsHistogram response_time, service_time;
    };
    std::vector<std::string> request_names_;
    std::function<void(std::string)> publish_;
    ResidentBytesReader resident_bytes_;
    std::vector<PerRequest> per_request_;
    SecondsHistogram schedule_lag_;
    std::uint64_t sent_ = 0, finished_ = 0;  // finished: answered or cancelled
    double target_rps_ = 0, achieved_rps_ = 0;
    double cpu_seconds_ = 0;
    std::optional<std::uint64_t> resident_bytes_now_;
};

}  // namespace volley::observe
