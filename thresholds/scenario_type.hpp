// The scenario types (docs/scenarios.md "Types"): the loader reads them, the analyses and the
// analysis thresholds are specific to them.
#pragma once

#include <optional>
#include <string_view>

namespace volley::thresholds {

enum class ScenarioType { custom, smoke, load, stress, spike, soak, replay };

// "custom", "smoke", "load", "stress", "spike", "soak", "replay" (summary.json `analysis.type`).
[[nodiscard]] std::string_view scenario_type_name(ScenarioType type);
// The inverse of scenario_type_name; nullopt for any other text.
[[nodiscard]] std::optional<ScenarioType> scenario_type_from_name(std::string_view name);

}  // namespace volley::thresholds
