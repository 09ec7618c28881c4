// `--set key.path=value`: changes a scenario's YAML tree before validation (docs/scenarios.md).
#pragma once

#include "scenarios/yaml_walker.hpp"

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace volley::scenarios {

// Applies each "key.path=value" in order. Paths: map keys separated by '.', list items as
// `[n]` (`load.stages[1].rate`); n may equal the list's size to append. The value is YAML
// (`[a, b]`, `{k: v}`) or else taken as text; `~` or `null` removes the key. Missing maps on the
// way are created. Setting a key under target.http removes target.resolver and vice versa (the
// two are alternatives). Malformed overrides are reported to `sink`; applied ones are noted in
// it so that later diagnostics point at them.
void apply_overrides(YAML::Node& root, const std::vector<std::string>& overrides,
                     DiagnosticSink& sink);

}  // namespace volley::scenarios
