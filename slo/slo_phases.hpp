// The load phases of `volley slo` on one shared resolver group: cold (every L1 cleared, L2 a
// fresh namespace), warm (the working set loaded into every L1 first), mixed (a view refresh
// triggered mid-phase), all in process through the resolver target; then, when slo.http is on,
// http: the mixed phase's load over HTTP to resolver::HttpService, started in process on
// 127.0.0.1 over the same group, with its own refresh mid-phase. Each is an ordinary run of its
// plan (execute_plan), reports in its output.dir; around each load the group's counters are read
// and its PostgreSQL pool sampled.
#pragma once

#include "resolver/group.hpp"
#include "slo/slo_scenario.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace volley::slo {

// The PostgreSQL pool, sampled every 5 ms during a phase's load.
struct PoolUsage {
    std::size_t size = 0;        // connections
    std::size_t max_in_use = 0;  // connections
    double peak_pct = 0;         // max_in_use / size, %
    double mean_pct = 0;         // mean utilisation over the samples, %
    std::uint64_t samples = 0;
    // Little's law over the phase, from the pool's lease counters (not the samples): leases
    // per second x time per lease = mean connections in use.
    double leases_per_s = 0;
    double mean_lease_ms = 0;
    double mean_in_use = 0;  // connections
};

struct SloPhaseResult {
    boost::json::object summary;  // the phase's summary.json
    std::size_t engine_threads = 0;
    resolver::MetricsSnapshot before, after;  // the group's counters around the load
    std::optional<PoolUsage> pool;            // nullopt: no pool (embedded backend) or no sample
    std::optional<resolver::RefreshResult> refresh;  // nullopt: not triggered
    double refresh_triggered_s = 0;                  // into the phase
    std::size_t refresh_writes = 0;   // entities written before the phase (succeeded)
    std::string refresh_write_error;  // the first write that failed, if any
    // How the load reached the resolver, e.g. "in process through the resolver target; ...":
    // one sentence for the reports' details.
    std::string transport;
    std::string url;  // what the phase's reports name as the target
};

struct SloPhasesResult {
    int exit_code = 0;  // not 0: a phase could not be carried out or was interrupted (printed)
    SloPhaseResult cold, warm, mixed;
    std::optional<SloPhaseResult> http;  // set when the http phase ran
};

// Runs cold, warm, mixed and (setup.http set) http in that order, stopping at a phase that
// exits other than 0 or 99 (a phase's own threshold verdict does not stop the phases). Prints a
// heading and each phase's console summary unless `quiet`.
SloPhasesResult run_slo_phases(const SloSetup& setup,
                               const std::shared_ptr<resolver::ResolverGroup>& group, bool quiet);

}  // namespace volley::slo
