// `volley slo SCENARIO [--set ...] [-o DIR]`: the seed system's SLO validation, measured (see
// resolver-notes.md, docs/scenarios.md "SLO scenario"). Three engine runs of one resolver
// target sharing one ResolverGroup: cold, warm, mixed (with a view refresh mid-phase); each
// writes its reports in DIR/<phase>/, then DIR/slo_validation.json. Exit 99 when a hard gate
// is missed. The scenario is read in slo_scenario.cpp, the phases run in slo_phases.cpp; here
// the measurements, the verdict and the output.
#pragma once

#include <CLI/CLI.hpp>

namespace volley::apps {

void add_slo_command(CLI::App& app, int& exit_code);

}  // namespace volley::apps
