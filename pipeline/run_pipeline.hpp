// What `volley run`, `volley replay` and `volley slo`'s phases share: a validated Plan ->
// target -> engine run (a replay's capture drives the schedule) -> thresholds, analysis,
// reports -> exit code.
#pragma once

#include "pipeline/target_factory.hpp"
#include "scenarios/language/plan.hpp"

#include <boost/json/object.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace volley::engine {
class IntervalListener;
}
namespace volley::replay {
class ReplayRun;
}

namespace volley::pipeline {

struct ReportOptions {
    std::vector<std::string> formats;  // empty: plan.output.formats (empty there: every format)
    bool quiet = false;                // no progress line, no console summary
    bool latency_spectrum = false;     // the console prints the full percentile spectrum
    // `--metrics-listen HOST:PORT` (docs/metrics.md): serve volley's own Prometheus metrics there
    // from before the load until the reports are written; empty: no endpoint.
    std::string metrics_listen{};
};

// Prints every diagnostic ("error: file:line:col: key: message"); returns the usage exit code.
int report_scenario_error(const scenarios::ScenarioError& error);

// plan.output.dir, or results/<name>-<UTC yyyymmddThhmmssZ>.
std::filesystem::path output_dir(const scenarios::Plan& plan);

// Runs the plan and writes its reports. Exit codes as docs/architecture.md "Exit codes and
// verdict": 0 pass, 99 a threshold failed, 2 an unusable target or capture, 1 the run could not be
// carried out, 130 interrupted.
int execute_plan(scenarios::Plan plan, const ReportOptions& options);

// What a caller of the prebuilt-target execute_plan adds to the run.
struct PlanRunExtras {
    replay::ReplayRun* replay = nullptr;  // drives the schedule (plan.replay describes it)
    // Run after the pipeline's own (thresholds, analysis, hlog, progress line).
    std::vector<engine::IntervalListener*> listeners;
    // Called right before engine::run and right after it returns (not when it throws), so what
    // they measure spans the load only, not the set-up or the reports.
    std::function<void()> before_load, after_load;
    bool progress_line = true;  // on a terminal, unless options.quiet
};

struct PlanRunOutcome {
    int exit_code = 0;            // as execute_plan's
    boost::json::object summary;  // summary.json as written; empty when the run was not carried out
};

// execute_plan on a target the caller built and may share between runs (volley slo's phases).
// Errors are printed; exit codes as execute_plan's. Building the target (build_target_or_report)
// and reading a replay's capture are the caller's.
// HTTP/2 targets: the plan's slots become connections x max_streams (apply_streams_per_connection).
PlanRunOutcome execute_plan(scenarios::Plan plan, const BuiltTarget& target,
                            const ReportOptions& options, const PlanRunExtras& extras = {});

}  // namespace volley::pipeline
