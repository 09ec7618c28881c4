#include "observe/run_observation.hpp"

#include "observe/sources.hpp"

namespace volley::observe {

ObservedRunLimits limits_of(const ObserveSpec& spec) {
    return ObservedRunLimits{spec.postgres ? spec.postgres->n_plus_one_calls_per_request : 5,
                             spec.postgres ? spec.postgres->statements_kept : 20};
}

RunObservation::RunObservation(const ObserveSpec& spec, std::vector<std::string> request_names,
                               Observer::RequestTags request_tags)
    : observer_(make_sources(spec), std::move(request_names), limits_of(spec),
                std::move(request_tags)) {}

reports::ObservedRun RunObservation::finish(std::size_t interval_rows) {
    thread_.stop();
    auto run = observer_.finish(interval_rows);
    run.sampler_cpu_seconds = thread_.cpu_seconds();
    return run;
}

}  // namespace volley::observe
