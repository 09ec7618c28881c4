// The figures `volley slo` reports (docs/scenarios.md "SLO scenario"): each phase's block of
// slo_validation.json, and the SLO measurements, all taken from the phases' summaries and the
// resolver group's counters around them.
#pragma once

#include "reports/slo_validation.hpp"
#include "resolver/group.hpp"
#include "scenarios/language/plan.hpp"
#include "slo/slo_phases.hpp"
#include "slo/slo_scenario.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <optional>
#include <vector>

namespace volley::slo {

// A phase's block of slo_validation.json: its settings, its summary's headline figures, the
// resolver's counters over the load and the PostgreSQL pool's use.
boost::json::object phase_json(const SloPhaseSettings& s, const SloPhaseResult& r);

// The SLO figures, all from the mixed phase. `lookup_pool`: the resolver target's lookup threads.
std::vector<reports::SloMeasurement> measure(const scenarios::Plan& mixed_plan,
                                             const SloPhaseSettings& mixed, std::size_t lookup_pool,
                                             const SloPhaseResult& r,
                                             const std::optional<resolver::RefreshResult>& refresh,
                                             double refresh_triggered_s);

}  // namespace volley::slo
