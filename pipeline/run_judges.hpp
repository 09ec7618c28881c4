// The listeners that judge and record a run, and the steps from its result to the exit code
// (docs/architecture.md "Data path of one request", steps 9–12). execute_plan and `volley merge`
// (pipeline/merge_runs.cpp) share them, so a merged run is judged, reported and exited by the
// same code as a single one.
#pragma once

#include "pipeline/run_pipeline.hpp"
#include "reports/analysis.hpp"
#include "reports/run_checks.hpp"
#include "reports/run_outputs.hpp"
#include "reports/summary_json.hpp"
#include "reports/thresholds.hpp"

#include <boost/json/object.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

namespace volley::pipeline {

// What the end of a run adds to the engine's result.
struct RunEnding {
    reports::RunMetadata metadata;
    reports::RunExpectations expectations;
    // Entries added to summary.json `analysis` (e.g. `replay`).
    boost::json::object extra_analysis;
    const reports::ObservedRun* observed = nullptr;
    // Last edits of summary.json before it is written (a merged run's `merged` section).
    std::function<void(boost::json::object&)> amend_summary;
};

// True when the plan ends the run on purpose once a request source runs out (a csv feeder's
// `on_exhausted: end_run`): RunExpectations::source_end_expected.
[[nodiscard]] bool source_end_expected(const scenarios::Plan& plan);

class RunJudges {
public:
    // `formats` as written (empty: every format). `hlog_start_time_s`: latency.hlog's StartTime
    // (seconds since the epoch); nullopt: the wall clock at the first interval, less its end.
    // Throws std::invalid_argument for thresholds or analysis settings no run can use.
    RunJudges(const scenarios::Plan& plan, const std::filesystem::path& dir,
              std::vector<std::string> formats, std::optional<double> hlog_start_time_s = {});
    RunJudges(const RunJudges&) = delete;
    RunJudges& operator=(const RunJudges&) = delete;

    // The thresholds, the analyser and latency.hlog's recorder (when hlog is written): the
    // first listeners of a run, in this order.
    [[nodiscard]] std::vector<engine::IntervalListener*> listeners();

    // Analysis, thresholds and the run's own checks -> summary.json and the reports in `dir`,
    // the console summary, the history store (output.store), and the exit code (0, 99, 130; 1
    // when the files cannot be written). A segment of a distributed run leaves the verdict to
    // the merge: its failed thresholds do not make it exit 99.
    PlanRunOutcome finish(const engine::RunResult& result, const RunEnding& ending,
                          const ReportOptions& options);

private:
    const scenarios::Plan& plan_;
    std::filesystem::path dir_;
    std::vector<std::string> formats_;
    reports::ThresholdEvaluator thresholds_;
    reports::RunAnalyser analyser_;
    std::optional<reports::HlogRecorder> hlog_;
};

}  // namespace volley::pipeline
