// The observation of one run as the pipeline uses it (pipeline/run_pipeline.cpp): the sources
// of the plan's observe: section, the Observer and its thread.
#pragma once

#include "observe/observe_spec.hpp"
#include "observe/observer.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace volley::observe {

// The sources of `spec` (make_sources, observe/sources.hpp), the Observer and its thread.
// The N+1 limit and the statements kept, as the spec sets them (defaults 5 and 20).
[[nodiscard]] ObservedRunLimits limits_of(const ObserveSpec& spec);

class RunObservation {
public:
    // `request_tags`: each request's tags, indexed like the names (Plan::catalog.request_tags).
    RunObservation(const ObserveSpec& spec, std::vector<std::string> request_names,
                   Observer::RequestTags request_tags = {});
    // The listener the engine hands each interval to.
    [[nodiscard]] engine::IntervalListener& listener() { return thread_; }
    // Right before the run: the baseline is taken after `baseline_delay`.
    void start(std::chrono::nanoseconds baseline_delay) { thread_.start(baseline_delay); }
    // After the run: waits for the queued samples, then the observed run (one point per row).
    [[nodiscard]] reports::ObservedRun finish(std::size_t interval_rows);

private:
    Observer observer_;
    ObserveThread thread_{observer_};
};

}  // namespace volley::observe
