#pragma once
// The journey parts of a human-facing report (docs/outputs.md, journeys): the journeys with their
// durations and counts, their steps grouped by journey, the checks and the tags, built from the
// run summary like report_tables.hpp and shared by the HTML, Markdown and console renderers.
// Each is absent (nullopt) for a run without journeys, checks or tags.

#include "reports/report_tables.hpp"
#include "reports/run_summary.hpp"

#include <optional>
#include <string>

namespace volley::reports {

// One row per journey: started, completed, failed (and its share of the finished), dropped,
// interrupted, duration p50/p95/p99/max. A row is marked bad when journeys failed.
std::optional<ReportTable> journeys_table(const RunSummary& summary);
// One row per step, grouped by journey in the journey's step order: journey, step (the name
// after "JOURNEY."), requests, errors, extraction errors, p50/p95/p99/max, tags "k=v, …".
std::optional<ReportTable> journey_steps_table(const RunSummary& summary);
// One row per check: check, step, passed, failed, pass rate. Checks do not decide the verdict
// (thresholds on them do, e.g. `checks{NAME} > 99%`); a row with failures is marked bad.
std::optional<ReportTable> checks_table(const RunSummary& summary);
// One row per tag key=value: requests, errors, error rate, p50/p95/p99/max of the tagged
// requests merged.
std::optional<ReportTable> tags_table(const RunSummary& summary);

// "k=v, k2=v2".
std::string tags_text(const std::vector<TagPair>& tags);
// A step's name without its journey's prefix ("checkout.pay" in "checkout" -> "pay").
std::string step_short_name(const std::string& step, const std::string& journey);

}  // namespace volley::reports
