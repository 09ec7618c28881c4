// RunResult -> summary.json (schema volley.summary/v1, docs/outputs.md "summary.json"). The
// canonical output: every other report can be rendered from it (plus latency.hlog).
#pragma once

#include "engine/runner.hpp"
#include "reports/observed.hpp"
#include "thresholds/run_catalog.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace volley::reports {

inline constexpr const char* kSummarySchema = "volley.summary/v1";

// Stage boundaries of the load profile, for charts (seconds since the end of warm-up).
struct StageMark {
    double start_s = 0, end_s = 0, target_rps = 0;
};

// What the summary says about the run beyond its measurements.
struct RunMetadata {
    std::string scenario_name;
    std::string scenario_type = "custom";
    std::string scenario_file;
    std::string scenario_hash;                  // Plan::scenario_hash: summary.json scenario.hash
    std::map<std::string, std::string> labels;  // `--label k=v`: summary.json labels
    std::string target_kind = "http";           // "http" or "resolver"
    std::string target_url;
    std::vector<std::string> target_notices;
    // engine::Target::protocol_report(): summary.json target.protocol (and, for HTTP/2,
    // stream_wait_ms).
    std::optional<engine::ProtocolReport> protocol;
    std::vector<StageMark> stages;
    bool reports_tiers = false;
    // What the run's journeys, steps, tags and checks are (Plan::catalog); empty for a plain
    // request mix, whose summary then has no journey sections (reports/summary_journeys.hpp).
    thresholds::RunCatalog catalog;
};

// summary.json stop.reason: "completed", "interrupted", "interrupted_immediately", "aborted",
// "source_exhausted".
const char* stop_reason_name(engine::StopReason reason);

std::vector<StageMark> stage_marks(const engine::OpenProfile& profile);

// Latency statistics of one histogram in ms: {min, mean, stddev, p50, p90, p95, p99, p999, max}.
boost::json::object latency_ms(const engine::HdrHistogram& histogram);

// Builds summary.json. `thresholds` holds {expr, actual, pass} objects and `analysis` the
// type-specific analysis (RunAnalyser::analyse); thresholds on analysis findings (capacity,
// breaking_point, recovery, drift) are evaluated here from `analysis`
// (evaluate_analysis_thresholds). The verdict is "fail" when any entry of `thresholds` failed,
// the run's own checks (reports/run_checks.hpp, appended by the caller) included.
// `observed` (a run with an observe: section): summary.json `observed`, each interval's
// `observed` values, and the `observed.*` thresholds judged on it (reports/observed_summary.hpp).
boost::json::object make_summary(const engine::RunResult& result, const RunMetadata& metadata,
                                 boost::json::array thresholds, boost::json::object analysis,
                                 const ObservedRun* observed = nullptr);

// Pretty-printed JSON text (2-space indent, one key per line) ending in a newline.
std::string to_pretty_json(const boost::json::value& value);

}  // namespace volley::reports
