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

#include <vector>

namespace volley::slo {

// A phase's block of slo_validation.json: its settings, its summary's headline figures, the
// resolver's counters over the load and the PostgreSQL pool's use.
boost::json::object phase_json(const SloPhaseSettings& s, const SloPhaseResult& r);

// The SLO figures, all from one phase with a refresh under load: mixed (the top-level
// slo_validation.json) or http (http/slo_validation.json). The same metrics, statistics and
// limits for both; the details name the phase and how its load reached the resolver
// (r.transport).
std::vector<reports::SloMeasurement> measure(const scenarios::Plan& plan,
                                             const SloPhaseSettings& phase,
                                             const SloPhaseResult& r);

}  // namespace volley::slo
