// What `observe:` saw of the system under test during a run (docs/observe.md): per-interval
// series of the sources' figures, the sources' health, PostgreSQL's statements. The observe
// module (observe/) fills an ObservedRun; the reports write it to summary.json, timeseries.csv,
// report.md and report.html, and judge `observed.*` thresholds on it (observed_thresholds.*).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace volley::reports {

// How a series' per-interval points combine over a span of intervals (the whole run, a
// threshold's window):
enum class ObservedKind {
    gauge,  // a level read at the interval's end (num; den unused): a span's value is the mean of
            // its points; `NAME_slope` is the least-squares slope of the points, per hour
    rate,  // a counter's increase (num) over the interval's seconds (den): Σnum / Σden, per second
    ratio,  // num / den summed: hit rate = hits / (hits + misses), queries per request = calls /
            // completed requests
    peak,   // a figure that must not be averaged (a per-interval quantile of a Prometheus
            // histogram): a span's value is its largest point
};

// "gauge", "rate", "ratio", "peak": the kind's name in summary.json and segment.json.
[[nodiscard]] std::string_view observed_kind_name(ObservedKind kind);

struct ObservedPoint {
    double num = 0;
    double den = 0;
};

// One figure of one interval, as a source reports it.
struct ObservedValue {
    std::string series;  // "redis.hit_rate", "postgres.queries_per_request{request:naive}"
    ObservedKind kind = ObservedKind::gauge;
    std::string unit;  // "ratio", "1/s", "bytes", "count", "seconds", "" (as the source says)
    ObservedPoint point;
};

struct ObservedSeries {
    std::string name;    // as ObservedValue::series
    std::string source;  // the source's name (SourceStatus::name)
    ObservedKind kind = ObservedKind::gauge;
    std::string unit;
    // One per interval row of the run (RunResult::intervals); nullopt where the source failed or
    // had no figure (its first good sample after a failure is a new baseline).
    std::vector<std::optional<ObservedPoint>> points;
};

// A normalised statement of pg_stat_statements over the run.
struct ObservedStatement {
    std::string text;  // as pg_stat_statements normalised it ($1, $2 for constants)
    std::uint64_t calls = 0;
    double total_time_ms = 0;
    double calls_per_request = 0;  // calls / completed requests over the intervals observed
    bool n_plus_one = false;
    std::string why;  // why it is reported as N+1 ("12.0 calls per request > 5"), else empty
};

struct SourceStatus {
    std::string name;  // "redis", "postgres", "process", "prometheus http://127.0.0.1:9100/metrics"
    std::uint64_t samples = 0;       // samples taken (the baseline included)
    std::uint64_t failures = 0;      // samples that failed
    std::string first_error;         // the first failure's reason, empty when none
    std::vector<std::string> notes;  // what the source could not measure and why
                                     // ("pg_stat_statements is not installed: …")
};

struct ObservedRun {
    std::vector<SourceStatus> sources;
    std::vector<ObservedSeries> series;
    std::vector<ObservedStatement> statements;  // most calls first
    double sampler_cpu_seconds = 0;             // CPU time of the observe thread over the run

    [[nodiscard]] bool empty() const { return sources.empty(); }
    [[nodiscard]] const ObservedSeries* find(std::string_view name) const;
};

// The figure of `series` over the intervals [first, last) (indices into its points); nullopt
// when no point in the span has one (or a ratio/rate whose denominator sums to 0).
// `interval_end_s` holds each interval row's end in seconds (for slopes).
[[nodiscard]] std::optional<double> span_value(const ObservedSeries& series, std::size_t first,
                                               std::size_t last);
// The least-squares slope of a gauge's points over [first, last), in its unit per hour; nullopt
// with fewer than two points.
[[nodiscard]] std::optional<double> span_slope_per_hour(const ObservedSeries& series,
                                                        std::span<const double> interval_end_s,
                                                        std::size_t first, std::size_t last);
// One point's own value (num, num/den); nullopt for a ratio or rate with den == 0.
[[nodiscard]] std::optional<double> point_value(ObservedKind kind, const ObservedPoint& point);

}  // namespace volley::reports
