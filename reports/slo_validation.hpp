// slo_validation.json (resolver-notes.md): measured SLO values -> statuses -> the seed's report
// shape. Pure: no I/O, no clocks; the caller measures and passes every value in.
//
// Statuses: a value within its target is PASSED; outside the target but within the hard gate is
// WARNING; past the hard gate is FAILED. Targets are inclusive (mean <= 1.25 ms, >= 42,726 RPS),
// hard gates strict (p95 < 10 ms, > 10,000 RPS), as the seed's table writes them. A value that
// could not be measured is WARNING (not measured is not a pass), unless `error` says the
// measurement itself failed (e.g. the view refresh returned an error): FAILED.
#pragma once

#include <boost/json/object.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace volley::reports {

enum class SloStatus { passed, warning, failed };

std::string_view slo_status_name(SloStatus status);  // "PASSED", "WARNING", "FAILED"

struct SloMeasurement {
    std::string metric_name;  // ancestor_resolution, throughput, ...
    std::string statistic;    // mean, p95, p99, rate, peak, duration
    std::string unit;         // ms, RPS, %
    bool higher_is_better = false;
    std::optional<double> target;     // inclusive; nullopt = no target
    std::optional<double> hard_gate;  // strict; nullopt = no gate
    std::optional<double> actual;     // nullopt = not measured
    std::string error;                // non-empty: the measurement failed (FAILED)
    std::string details;
};

SloStatus evaluate_slo(const SloMeasurement& m);

// Key of one measurement in a baseline: "metric_name/statistic".
std::string slo_key(const SloMeasurement& m);

struct SloReportInput {
    std::string timestamp;  // ISO 8601 UTC
    std::string pipeline_execution_id;
    std::vector<SloMeasurement> measurements;
    // A previous run's values by slo_key; a value worse than it by more than
    // regression_tolerance (relative) is a regression. Empty: no comparison is made.
    std::map<std::string, double> baseline;
    std::string baseline_source;  // where the baseline came from (for the report)
    double regression_tolerance = 0.10;
    boost::json::object extra;  // further top-level keys (phases, environment)
};

// The seed's fields: timestamp, pipeline_execution_id, overall_status, slos_validated
// [{metric_name, target_value, actual_value, unit, status, details, + statistic, hard_gate,
// comparison}], regression_detected, blockers, next_actions; plus regression_check and `extra`.
// overall_status: FAILED when any SLO failed, else WARNING when any warned, else PASSED.
boost::json::object make_slo_validation(const SloReportInput& input);

// The values of a previous slo_validation.json by slo_key (entries without a numeric
// actual_value are skipped; a missing statistic reads as "").
std::map<std::string, double> slo_baseline_from_json(const boost::json::object& previous);

}  // namespace volley::reports
