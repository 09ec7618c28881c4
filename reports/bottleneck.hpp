// Bottleneck attribution (summary.json `analysis.bottleneck`, docs/outputs.md "Bottleneck"):
// which side limited the run — the generator, the connections, or the target — with the
// figures that say so and what to change.
//
// Rules (the candidates):
//   generator    schedule lag p99 > 1 ms (the generator sent late), or generator CPU >= 0.9 x
//                its worker threads
//   connections  (open model) requests waited for a free connection (>= 1% of sent requests
//                waited > 1 ms, or some were dropped) and Little's law needs more connections
//                than there are: needed = rate x mean service time (s) at the highest-rate
//                point; suggestion -c N, N = ceil(needed x 1.25)
//   target       service time grew with the rate (p50 or p99 at the highest-rate point at least
//                twice the lowest-rate point's and at least 1 ms more), or target-side errors
//                (5xx, timeout, reset, connect, TLS, protocol) are >= 5% of answered requests,
//                or the achieved rate is < 95% of the target while connections sufficed
//   none         no candidate
// Who is blamed: generator when its CPU is saturated; otherwise connections, then target, over
// a generator that was only late when they added more delay than its lag (connection wait p99,
// service p99 growth) — target-side errors always do; a late generator alone is blamed.
// Rate points: for stress, the first and the last measured step; otherwise the interval with
// the lowest and the one with the highest target rate among intervals with >= 10 responses
// (first of equals for the lowest, last for the highest).
#pragma once

#include "engine/runner.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace volley::reports {

// Service time at one target rate (an interval or a stress step).
struct RatePoint {
    double target_rps = 0;
    double start_s = 0;
    std::uint64_t responses = 0;
    double p50_ms = 0, p99_ms = 0, mean_ms = 0;
};

// The service time of every request in `stats` at `target_rps`.
RatePoint rate_point(const engine::IntervalStats& stats, double target_rps, double start_s);

// Keeps the lowest- and highest-rate intervals (constant memory) while the run goes.
class RatePoints {
public:
    static constexpr std::uint64_t kMinResponses = 10;
    void note(const RatePoint& point);
    [[nodiscard]] const std::optional<RatePoint>& lowest() const { return lowest_; }
    [[nodiscard]] const std::optional<RatePoint>& highest() const { return highest_; }

private:
    std::optional<RatePoint> lowest_, highest_;
};

struct BottleneckInputs {
    std::optional<RatePoint> low, high;
    // How the suggestion names the connections setting in YAML.
    std::string connections_key = "target.http.connections";
};

// {kind: none|generator|connections|target, text, suggestion, evidence: {lag_p99_ms, cpu_util,
//  threads, connection_wait_ms: {p50, p99, max} (of the longer wait: wait_kind "connection",
//  or "stream" when an HTTP/2 target queued requests for streams), waited_share, dropped,
//  connections_needed, connections_available, service_time: {low, high: {target_rps, p50_ms,
//  p99_ms, mean_ms, responses}} | null, target_error_share, achieved_ratio, late_generator}}
boost::json::object bottleneck_analysis(const engine::RunResult& result,
                                        const BottleneckInputs& inputs);

}  // namespace volley::reports
