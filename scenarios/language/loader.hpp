// Scenario files -> validated, immutable Plan (docs/architecture.md "Data path of one request",
// docs/scenarios.md).
#pragma once

#include "scenarios/language/plan.hpp"

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace volley::scenarios {

// Reads, overrides (`--set key.path=value`, applied in order before validation), validates.
// Throws ScenarioError with every problem of the file at once (a YAML syntax error is one
// Diagnostic). Relative file names inside the scenario (csv feeders, TLS files) are resolved
// against the scenario's directory.
[[nodiscard]] Plan load_plan(const std::string& path,
                             const std::vector<std::string>& set_overrides);

// The same from text; `file_name` is used in diagnostics and to resolve relative files
// (its directory; the working directory when it has none).
[[nodiscard]] Plan load_plan_from_string(std::string_view yaml, std::string file_name,
                                         const std::vector<std::string>& set_overrides);

// `volley validate`: loads every file, prints each diagnostic (or "FILE: ok …"), returns 0 when
// all are valid and 2 otherwise.
int validate_files(const std::vector<std::string>& files, std::ostream& out);

using thresholds::scenario_type_name;  // "stress", …

}  // namespace volley::scenarios
