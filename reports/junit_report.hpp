#pragma once
// junit.xml: one <testsuite> so CI shows each threshold as a test (docs/outputs.md "junit.xml").
//
// Test cases, in order:
//  * one per entry of summary.thresholds (classname "volley.thresholds", name = the expression,
//    prefixed by "[request] " when scoped). It fails when `pass` is not true; the failure
//    message reads "actual <actual> vs limit <operator and limit>", e.g.
//    "actual 48.30 ms vs limit < 40ms"; the element text adds the threshold's `detail`.
//  * one per journey (classname "volley.journeys", name = the journey) and one per check
//    (classname "volley.checks", name = the check), in summary order, for a run of journeys.
//    They never fail: <system-out> gives the counts and durations (journeys) or passed / failed
//    and the pass rate (checks). Checks and failed journeys decide nothing by themselves; a
//    threshold on them (`checks{NAME} > 99%`) is a threshold case above and fails there.
//  * one for the run itself (classname "volley.run", name "run completed"). It fails when
//      - stop.reason is present and not "completed" (interrupted or aborted; stop.detail is
//        quoted), or
//      - totals.requests is 0 (nothing was measured, so no threshold means much), or
//      - verdict is "fail" while no threshold failed (the run failed for a reason no threshold
//        case shows, so CI must still go red).
//    A failed threshold alone does not fail the run case: it already has its own red case.
//    Generator-bound runs pass but say so in <system-out>.
// All text is XML-escaped; the document is well-formed XML 1.0 in UTF-8.

#include <string>

#include "reports/run_summary.hpp"

namespace volley::reports {

std::string render_junit(const RunSummary& summary);

}  // namespace volley::reports
