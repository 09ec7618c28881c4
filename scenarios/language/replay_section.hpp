// Internal to the loader: the `replay:` section (docs/replay.md "Scenario section").
#pragma once

#include "scenarios/language/loader_sections.hpp"

#include <optional>

namespace volley::scenarios::detail {

// Reads `replay` into plan.replay and, in place of the load and requests sections, the run
// settings of `load` (threads, max_in_flight, drain, warmup) and plan.requests (one per route,
// then the catch-all): a replay's load is its capture's timeline. Sets plan.type = replay.
void read_replay(LoadContext& context, const YAML::Node& node,
                 const std::optional<YAML::Node>& load, const std::optional<YAML::Node>& requests,
                 const TargetFacts& target, Plan& plan);

}  // namespace volley::scenarios::detail
