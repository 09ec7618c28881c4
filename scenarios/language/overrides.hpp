// `--set key.path=value`: changes a scenario's YAML tree before validation (docs/scenarios.md).
#pragma once

#include "scenarios/language/yaml_walker.hpp"

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

namespace volley::scenarios {

// Applies each "key.path=value" in order. Paths: map keys separated by '.', list items as
// `[n]` (`load.stages[1].rate`); n may equal the list's size to append. The value is YAML
// (`[a, b]`, `{k: v}`) or else taken as text; `~` or `null` removes the key. Missing maps on the
// way are created. Setting a key under target.http removes target.resolver and vice versa (the
// two are alternatives). Malformed overrides are reported to `sink`; applied ones are noted in
// it so that later diagnostics point at them.
//
// An entry made by flag_override() stands for a command-line flag: diagnostics name the flag
// instead of a --set (never a line or column), and a literal value is taken as text.
void apply_overrides(YAML::Node& root, const std::vector<std::string>& overrides,
                     DiagnosticSink& sink);

// The override a command-line flag stands for (`-r 10/s` -> load.rate), encoded as text so that
// it travels in the same list as --set texts. `flag` names it in diagnostics ("-r/--rate");
// a problem at exactly `key_path` is reported as "-r/--rate: message". `literal`: the value
// is text (a body or a method), never parsed as YAML; otherwise as for --set.
[[nodiscard]] std::string flag_override(std::string_view flag, std::string_view key_path,
                                        std::string_view value, bool literal = true);

// The key path an override sets ("load.rate" for "load.rate=10/s" or its flag_override), or
// the text before any '='.
[[nodiscard]] std::string override_key_path(std::string_view text);

}  // namespace volley::scenarios
