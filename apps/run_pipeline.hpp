// What `volley run` and `volley replay` share: a validated Plan -> target -> engine run (a
// replay's capture drives the schedule) -> thresholds, analysis, reports -> exit code.
#pragma once

#include "scenarios/plan.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace volley::apps {

struct ReportOptions {
    std::vector<std::string> formats;  // empty: plan.output.formats (empty there: every format)
    bool quiet = false;                // no progress line, no console summary
    bool latency_spectrum = false;     // the console prints the full percentile spectrum
};

// Prints every diagnostic ("error: file:line:col: key: message"); returns the usage exit code.
int report_scenario_error(const scenarios::ScenarioError& error);

// plan.output.dir, or results/<name>-<UTC yyyymmddThhmmssZ>.
std::filesystem::path output_dir(const scenarios::Plan& plan);

// Runs the plan and writes its reports. Exit codes as design §7: 0 pass, 99 a threshold
// failed, 2 an unusable target or capture, 1 the run could not be carried out, 130 interrupted.
int execute_plan(scenarios::Plan plan, const ReportOptions& options);

}  // namespace volley::apps
