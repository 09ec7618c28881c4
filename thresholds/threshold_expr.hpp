// Threshold expressions (`p(95) < 200ms`, `error_rate < 1%`, `throughput >= 95% target`):
// parsed and validated by the scenario loader, evaluated by reports/ (docs/scenarios.md).
#pragma once

#include <string>
#include <string_view>

namespace volley::thresholds {

enum class ThresholdMetric {
    percentile,      // p(N): response time at percentile N
    avg,             // mean response time
    min,             // fastest response time
    max,             // slowest response time
    error_rate,      // errors / completed requests
    throughput,      // completed requests per second
    dropped,         // requests the schedule asked for but never sent
    cache_hit_rate,  // answers from L1..L3 / requests
    served_by,       // share of requests answered by `tier`
    // Findings of the run's analysis, judged once at the end (reports/analysis.hpp):
    capacity,        // stress: the highest step rate that met every threshold
    breaking_point,  // stress: the first step rate that did not
    recovery,        // spike: time from the spike's end until back in the baseline band
    drift_p99,       // soak: change of p99 from the first to the last drift window
    // Journeys (docs/scenarios.md "journeys"):
    checks,            // passed check evaluations / all check evaluations
    journey_duration,  // duration_p(N): a journey's duration (first intended start -> last
                       // completion) at percentile N
    journeys_failed,   // failed journeys / finished (completed + failed) journeys
    // A figure `observe:` read from the system under test (docs/observe.md), judged at the end of
    // the run from its per-interval series: `observed.redis.hit_rate > 95%`.
    observed,
};

// What a threshold measures over, written in braces after the metric (`p(95){journey:checkout}`).
enum class ThresholdScopeKind {
    all,      // no braces: every request (every journey, every check)
    request,  // {request:NAME}: one request (or journey step, by its full name)
    journey,  // {journey:NAME}: the steps of one journey (its duration, its checks)
    step,     // {step:JOURNEY.STEP}: one journey step
    tag,      // {KEY:VALUE} with any other key: every request carrying that tag
    check,    // checks{NAME} or checks{check:NAME}: one check
};

struct ThresholdScope {
    ThresholdScopeKind kind = ThresholdScopeKind::all;
    std::string key;   // the tag key when kind == tag
    std::string name;  // the request, journey, step or check name, or the tag value
};

enum class ThresholdComparator { less, less_equal, greater, greater_equal, equal };

enum class ThresholdUnit {
    ns,                  // a time, in nanoseconds (p, avg, min, max)
    ratio,               // 0..1, written as a percentage (error_rate, cache_hit_rate, served_by,
                         // dropped as a share of scheduled requests)
    rps,                 // requests per second (throughput > 1000/s)
    count,               // a plain count (dropped == 0)
    fraction_of_target,  // share of the target rate (throughput >= 95% target -> 0.95)
    change_ratio,        // a relative change, written as a percentage that may exceed 100%
                         // (drift(p99) < 20% -> 0.2)
    observed,            // an observed figure in its series' own unit: bytes (10MB -> 1e7), per
                         // second (1000/s), per hour for a slope (10MB/h -> 1e7), or a number
};

struct ThresholdExpr {
    using Metric = ThresholdMetric;
    using Comparator = ThresholdComparator;
    using Unit = ThresholdUnit;

    Metric metric = Metric::percentile;
    double percentile = 0;  // 0 < percentile <= 100 when metric == percentile (p(N))
    std::string tier;       // "L1".."L4" when metric == served_by
    // metric == observed: the series name without scope ("redis.hit_rate", "process.rss_slope",
    // "prom.http_requests_total"); a scope in braces names one of its labelled series.
    std::string observed;
    Comparator cmp = Comparator::less;
    double value = 0;  // in `unit`
    Unit unit = Unit::ns;
    ThresholdScope scope;
};

// Grammar: METRIC [SCOPE] CMP VALUE, spaces optional between the parts.
//   METRIC: p(N) | avg | min | max | error_rate | throughput | dropped | cache_hit_rate |
//           served_by.L1..L4 | capacity | breaking_point | recovery | drift(p99) |
//           checks | duration_p(N) | journeys_failed | observed.SERIES
//   SCOPE:  {request:NAME} | {journey:NAME} | {step:JOURNEY.STEP} | {KEY:VALUE} (a tag) for the
//           request metrics (p .. served_by) and checks; checks also take {NAME} or
//           {check:NAME} (one check); duration_p and journeys_failed take {journey:NAME} only;
//           the analysis metrics (capacity .. drift) take none. Names are trimmed and must not
//           contain braces.
//   CMP:    < | <= | > | >= | ==
//   VALUE:  times 200ms / 1.5s / 250us (p, avg, min, max, recovery); percentages 1%
//           (error_rate, cache_hit_rate, served_by); throughput: 1000/s or 95% target; dropped:
//           a count or a percentage of scheduled requests; capacity, breaking_point: a rate
//           (500/s); drift(p99): a percentage change (20%, may exceed 100%) or a time (50ms);
//           checks, journeys_failed: percentages; duration_p(N): a time; observed.SERIES: a
//           percentage (a ratio), or a number with an optional byte size (B, kB, MB, GB, KiB,
//           MiB, GiB) and an optional per-time (/s, /m, /h); a series ending in _slope (per hour)
//           needs a per-time. observed takes any {KEY:VALUE} scope (its series' label).
//           A bare 0 is accepted wherever a unit is.
// Throws std::invalid_argument naming what is wrong, e.g. "p(95) < 200: a time needs a unit".
[[nodiscard]] ThresholdExpr parse_threshold_expr(std::string_view text);

// Canonical text of an expression ("p(95) < 200ms", "p(95){journey:checkout} < 2s",
// "checks{login ok} > 99%"), parseable again.
[[nodiscard]] std::string format_threshold_expr(const ThresholdExpr& expr);

[[nodiscard]] std::string_view metric_name(ThresholdMetric metric);       // "p", "avg", …
[[nodiscard]] std::string_view comparator_text(ThresholdComparator cmp);  // "<", "<=", …
// The scope as written inside the braces ("journey:checkout", "login ok"); empty for `all`.
[[nodiscard]] std::string scope_text(const ThresholdScope& scope);

// True for the metrics measured from the run's analysis at its end (capacity, breaking_point,
// recovery, drift_p99): no request scope, window or abort_on_fail.
[[nodiscard]] bool is_analysis_metric(ThresholdMetric metric);
// The scenario type whose analysis measures an analysis metric ("stress", "spike", "soak");
// empty for the other metrics.
[[nodiscard]] std::string_view analysis_metric_type(ThresholdMetric metric);

// True for the metrics judged once at the end of the run instead of per interval: the analysis
// metrics and `observed` (its series are sampled apart from the engine's intervals).
[[nodiscard]] bool is_judged_at_end(ThresholdMetric metric);

// True when `actual cmp limit` holds.
[[nodiscard]] bool compare(double actual, ThresholdComparator cmp, double limit);
// How far `actual` lies on the failing side of `limit` (negative: on the passing side), in their
// unit; orders windows from best to worst.
[[nodiscard]] double badness(double actual, ThresholdComparator cmp, double limit);

}  // namespace volley::thresholds
