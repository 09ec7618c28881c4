#pragma once
// The run summary the renderers read (report.md, report.html, junit.xml, timeseries.csv, the
// console): one typed, immutable tree with the figures of summary.json (schema
// volley.summary/v1, docs/outputs.md "summary.json") that the renderers show. It is filled in
// one place, parse_run_summary: right after a run from the summary object that is also written
// as summary.json (so the file and the reports cannot disagree), and by `volley report` from a
// saved summary.json. Units are in the names (_ms, _s, _rps); rates and shares are fractions
// 0..1; counts are integers.

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reports/summary_protocol.hpp"

#include <boost/json/fwd.hpp>

namespace volley::reports {

// {min, mean, stddev, p50, p90, p95, p99, p999, max} of one histogram (latency_ms,
// service_time_ms, and each request's latency_ms).
struct LatencyMs {
    double min = 0, mean = 0, stddev = 0, p50 = 0, p90 = 0, p95 = 0, p99 = 0, p999 = 0, max = 0;
    bool operator==(const LatencyMs&) const = default;
};

struct ScheduleLagMs {
    double p50 = 0, p99 = 0, max = 0;
    bool operator==(const ScheduleLagMs&) const = default;
};

struct ConnectionWaitMs {
    double p50 = 0, p90 = 0, p99 = 0, max = 0;
    bool operator==(const ConnectionWaitMs&) const = default;
};

// cache / requests[].cache / intervals[].{hit_rate, served_by}: the share of answers from
// L1..L3 and each tier's share (index 0 = L1 … 3 = L4). Absent when the target reports no tiers.
struct CacheShares {
    double hit_rate = 0;
    std::array<double, 4> served_by{};
    bool operator==(const CacheShares&) const = default;
};

struct StageMarkS {
    double start_s = 0, end_s = 0, target_rps = 0;
    bool operator==(const StageMarkS&) const = default;
};

struct ScenarioInfo {
    std::string name, type, file, model;  // model: "open" or "closed"
    std::vector<StageMarkS> stages;
    bool operator==(const ScenarioInfo&) const = default;
};

struct TargetInfo {
    std::string kind, url;
    std::vector<std::string> notices;
    std::optional<ProtocolInfo> protocol;  // target.protocol (runs before HTTP/2 had none)
    bool operator==(const TargetInfo&) const = default;
};

// totals: `requests` counts completed requests (answered or failed, not dropped, cancelled or
// unsent); `error_rate` = errors / requests; `dropped` arrivals hit the in-flight limit,
// `unsent` ones were still queued when the run ended.
struct Totals {
    std::uint64_t requests = 0, ok = 0, errors = 0, dropped = 0;
    double error_rate = 0, throughput_rps = 0, target_rps = 0;
    // Answered arrivals per second (a journey counts once); only runs of journeys have it.
    std::optional<double> arrivals_rps;
    std::uint64_t unsent = 0;  // 0 when a summary.json from before `unsent` lacks it
    bool operator==(const Totals&) const = default;
};

struct OutcomeCount {
    std::string name;  // engine outcome class: "ok", "http_5xx", …
    std::uint64_t count = 0;
    bool operator==(const OutcomeCount&) const = default;
};

struct StatusCount {
    std::string status;  // "200"
    std::uint64_t count = 0;
    bool operator==(const StatusCount&) const = default;
};

struct ErrorSample {
    std::string outcome_class, detail;  // detail may be ""
    std::uint64_t count = 0;
    bool operator==(const ErrorSample&) const = default;
};

using TagPair = std::pair<std::string, std::string>;  // key, value

struct RequestFigures {
    std::string name;
    std::uint64_t requests = 0, errors = 0;
    double error_rate = 0, throughput_rps = 0;
    LatencyMs latency_ms;
    std::optional<CacheShares> cache;
    // A journey step: its journey, its tags and its extraction errors (absent for requests).
    std::optional<std::string> journey;
    std::vector<TagPair> tags;
    std::uint64_t extract_errors = 0;
    bool operator==(const RequestFigures&) const = default;
};

// journeys[]: one journey (docs/outputs.md); its steps are requests[] entries by name.
struct JourneyFigures {
    std::string name;
    std::vector<TagPair> tags;
    std::vector<std::string> steps;
    std::uint64_t started = 0, completed = 0, failed = 0, dropped = 0, interrupted = 0;
    LatencyMs duration_ms;  // completed and failed journeys
    bool operator==(const JourneyFigures&) const = default;
};

// tags[]: the requests carrying one tag, merged.
struct TagFigures {
    std::string key, value;
    std::uint64_t requests = 0, errors = 0;
    double error_rate = 0;
    LatencyMs latency_ms;
    bool operator==(const TagFigures&) const = default;
};

// checks[]: one check's evaluations.
struct CheckFigures {
    std::string name, step;
    std::uint64_t passed = 0, failed = 0;
    std::optional<double> rate;  // passed / (passed + failed), 0..1; null: never evaluated
    bool operator==(const CheckFigures&) const = default;
};

struct IntervalFigures {
    double t_s = 0, length_s = 0;
    std::uint64_t requests = 0, errors = 0, dropped = 0;
    double throughput_rps = 0, target_rps = 0;
    double p50_ms = 0, p95_ms = 0, p99_ms = 0, max_ms = 0, lag_p99_ms = 0;
    double cpu_util = 0;  // CPU time / interval length (1.0 = one core busy)
    std::optional<CacheShares> cache;
    std::uint64_t unsent = 0;  // 0 when a summary.json from before `unsent` lacks it
    bool operator==(const IntervalFigures&) const = default;
};

// One entry of thresholds[]: the scenario's thresholds, the thresholds on analysis findings
// (`analysis` names the finding) and the run's own failed checks (`builtin`).
struct ThresholdResult {
    std::string expr;
    std::optional<std::string> request;  // the request it is scoped to
    std::optional<double> actual;        // null when nothing was measured
    std::string unit;                    // "ms", "%", "rps", "count", "% target", ""
    bool pass = false;
    std::string detail;
    bool builtin = false;
    std::optional<std::string> analysis;  // "capacity", "breaking_point", "recovery", "drift_p99"
    std::optional<std::string> scope;     // as written in braces: "journey:checkout"
    bool operator==(const ThresholdResult&) const = default;
};

// One [value_ms, percentile (0..100), cumulative count] row of latency_spectrum.
struct SpectrumRow {
    double value_ms = 0;
    double fraction = 0;  // percentile / 100, 0..1
    double count = 0;     // values at or below value_ms
    bool operator==(const SpectrumRow&) const = default;
};

struct HeadlineFinding {
    std::string key, label;
    std::optional<double> value;
    std::string unit, text;  // unit: "rps", "s", "%" or ""
    bool operator==(const HeadlineFinding&) const = default;
};

struct BottleneckFinding {
    std::string kind;  // "none", "generator", "connections", "target"
    std::string text, suggestion;
    bool late_generator = false;  // evidence.late_generator
    bool operator==(const BottleneckFinding&) const = default;
};

struct StressStep {
    std::uint64_t step = 0;
    double start_s = 0, end_s = 0, target_rps = 0, achieved_rps = 0;
    std::optional<double> p99_ms, service_p99_ms, error_rate;
    bool pass = false, complete = false;
    std::vector<std::string> failed;  // the expressions that failed in the step
    bool operator==(const StressStep&) const = default;
};

// analysis: the parts the renderers lay out themselves, and every other finding as a
// ("path.to.key", formatted value) row for the analysis table.
struct AnalysisFindings {
    bool present = false;  // analysis is a non-empty object
    std::string type;
    std::vector<HeadlineFinding> headline;
    std::optional<BottleneckFinding> bottleneck;
    std::optional<std::vector<StressStep>> stress_steps;  // type "stress" only
    std::vector<std::pair<std::string, std::string>> other_findings;
    bool operator==(const AnalysisFindings&) const = default;
};

struct GeneratorHealth {
    std::uint64_t threads = 0, slots = 0;
    double cpu_util = 0, lag_p99_ms = 0;
    std::vector<std::string> notes;
    bool operator==(const GeneratorHealth&) const = default;
};

struct StopInfo {
    std::string reason;  // "completed", "interrupted", "aborted", "source_exhausted", …
    std::string detail;
    std::optional<bool> expected;  // the plan expected this end (set by the run pipeline)
    bool operator==(const StopInfo&) const = default;
};

// observed (docs/observe.md): what `observe:` read from the system under test.
struct ObservedSourceFigures {
    std::string name;
    std::uint64_t samples = 0, failures = 0;
    std::string first_error;  // "" when none failed
    std::vector<std::string> notes;
    bool operator==(const ObservedSourceFigures&) const = default;
};

struct ObservedSeriesFigures {
    std::string name, source, kind, unit;  // kind: gauge, rate, ratio, peak
    std::optional<double> value;           // over the whole run (reports/observed.hpp span_value)
    std::optional<double> min, max;        // of the interval values
    std::optional<double> slope_per_h;     // gauges: least-squares change per hour
    // One per interval row: intervals[i].observed[name]; nullopt where the source had none.
    std::vector<std::optional<double>> values;
    bool operator==(const ObservedSeriesFigures&) const = default;
};

struct ObservedStatementFigures {
    std::string text;
    std::uint64_t calls = 0;
    double total_time_ms = 0, calls_per_request = 0;
    bool n_plus_one = false;
    std::string why;
    bool operator==(const ObservedStatementFigures&) const = default;
};

struct ObservedFigures {
    std::vector<ObservedSourceFigures> sources;
    std::vector<ObservedSeriesFigures> series;
    std::vector<ObservedStatementFigures> statements;
    double sampler_cpu_s = 0;  // CPU time of the observe thread
    bool operator==(const ObservedFigures&) const = default;
};

// summary.json `start`: a run that waited for a start time (docs/distributed.md).
struct StartFigures {
    std::string at;
    double lag_ms = 0, max_start_lag_ms = 0;
    bool clock_known = false, clock_synchronised = false;
    double clock_max_error_ms = 0, clock_estimated_error_ms = 0;
    bool operator==(const StartFigures&) const = default;
};

// The one line the console and report.md show for `start`: "start at …, lag 0.4 ms (limit
// 1000 ms), clock synchronised (max error 12 ms, estimated 0.5 ms)".
[[nodiscard]] std::string start_line(const StartFigures& start);

enum class Verdict { pass, fail };

struct RunSummary {
    std::string schema, volley_version, started_at;
    double duration_s = 0;
    std::optional<StartFigures> start;  // runs with a start time
    ScenarioInfo scenario;
    TargetInfo target;
    Totals totals;
    LatencyMs latency_ms, service_time_ms;
    ScheduleLagMs schedule_lag_ms;
    std::optional<ConnectionWaitMs> connection_wait_ms;
    std::optional<ConnectionWaitMs> stream_wait_ms;  // HTTP/2 runs: the wait for a free stream
    std::vector<OutcomeCount> outcomes;              // in summary.json order
    std::vector<StatusCount> statuses;               // errors.by_status
    std::vector<ErrorSample> first_errors;           // errors.first
    std::optional<CacheShares> cache;
    std::vector<RequestFigures> requests;
    // Journeys, tags and checks: empty for a plain request mix (keys absent).
    std::vector<JourneyFigures> journeys;
    std::vector<TagFigures> tags;
    std::vector<CheckFigures> checks;
    std::vector<IntervalFigures> intervals;
    std::optional<ObservedFigures> observed;  // runs with an observe: section
    std::vector<ThresholdResult> thresholds;
    AnalysisFindings analysis;
    GeneratorHealth generator;
    std::vector<SpectrumRow> response_spectrum, service_spectrum;
    StopInfo stop;
    Verdict verdict = Verdict::fail;
    bool operator==(const RunSummary&) const = default;
};

// A summary.json that lacks a key the renderers need, or holds a value of the wrong type. The
// message names the source and the key path: "out/summary.json: totals.requests: missing".
class SummaryError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The typed summary of a summary.json object. `source` names it in errors (the file path, or
// "the run's summary"). Throws SummaryError on a missing key or a value of the wrong type;
// optional keys: connection_wait_ms, errors, stop.expected, analysis (and within it headline,
// bottleneck, steps), each interval's and request's cache, journeys, tags, checks, each
// request's journey / tags / extract_errors, each threshold's scope, observed and each
// interval's observed.
RunSummary parse_run_summary(const boost::json::object& summary, std::string_view source);

// Reads and parses DIR/summary.json (or the file itself when `path` is a file). Throws
// std::runtime_error naming the file when it cannot be read, is not JSON or not a volley
// summary; SummaryError as above.
RunSummary read_run_summary(const std::filesystem::path& path);

}  // namespace volley::reports
