// The run's own checks, judged beside the user's thresholds: a run passes only if it sent
// requests, got at least one successful response and reached its planned end (unless the plan
// says an earlier end is expected). A failed check becomes a summary.json `thresholds[]` entry
// with `builtin: true`, so every report and junit.xml show it as a failed threshold and the
// verdict fails (exit 99). Passed checks are not listed (they would be noise on every run).
#pragma once

#include "engine/runner.hpp"

#include <boost/json/array.hpp>

#include <string>

namespace volley::reports {

struct RunExpectations {
    // A request source running out ends the run as planned (csv `on_exhausted: end_run`).
    bool source_end_expected = false;
    // Why a replay's input ended early (unreadable capture), empty when it did not.
    std::string replay_failure;
};

// True when the run ended before its plan for a reason the plan did not expect.
[[nodiscard]] bool ended_early(const engine::RunResult& result, const RunExpectations& expect);

// The built-in checks that failed (none for a sound run), in the shape of
// ThresholdEvaluator::results() entries.
[[nodiscard]] boost::json::array run_checks(const engine::RunResult& result,
                                            const RunExpectations& expect);

// "connect_error 60 (connection refused); tls_error 2": the error classes of the run with the
// first message seen for each, for a sentence a user can act on. Empty without errors.
[[nodiscard]] std::string error_digest(const engine::IntervalStats& totals);

}  // namespace volley::reports
