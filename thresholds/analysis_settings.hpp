// What the type-specific analyses (reports/analysis.hpp) need to know about the plan: filled by
// the scenario loader from the load profile (scenarios/language/load_section.cpp), read by
// reports::RunAnalyser as it is. Times are offsets since the end of warm-up, on the run's
// time base (docs/scenarios.md "Types").
#pragma once

#include "thresholds/scenario_type.hpp"
#include "thresholds/units.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace volley::thresholds {

// One hold of a stress staircase.
struct StepWindow {
    Nanos start{0}, end{0};  // end > start
    double target_rps = 0;
};

struct AnalysisSettings {
    // The scenario's type (= Plan::type); picks the analysis.
    ScenarioType type = ScenarioType::custom;
    // load, soak: end of the ramp-up (the hold starts here).
    Nanos hold_start{0};
    // soak: length of the drift windows, consecutive from hold_start; must be positive.
    Nanos drift_window{std::chrono::seconds(60)};
    // stress: the hold windows, in order.
    std::vector<StepWindow> steps{};
    // spike: the phases. Baseline = [0, spike_start]; the peak = [spike_peak_start,
    // spike_peak_end]; the spike ends at spike_end, nullopt when the profile never comes back
    // to the baseline (nothing recovers then).
    double baseline_rps = 0, spike_rps = 0;
    Nanos spike_start{0}, spike_peak_start{0}, spike_peak_end{0};
    std::optional<Nanos> spike_end{};
    // spike: the baseline band. Recovered once `recovery_intervals` consecutive intervals have
    // p99 <= recovery_p99_factor x baseline p99 + recovery_p99_slack and error rate <=
    // baseline error rate + recovery_error_points percentage points.
    double recovery_p99_factor = 1.5;
    Nanos recovery_p99_slack{std::chrono::milliseconds(1)};
    double recovery_error_points = 1;
    std::size_t recovery_intervals = 3;
    // bottleneck: the YAML key of the target's connections, named in the suggestion.
    std::string connections_key = "target.http.connections";
};

}  // namespace volley::thresholds
