#include "thresholds/scenario_type.hpp"

namespace volley::thresholds {
namespace {

struct TypeName {
    std::string_view name;
    ScenarioType type;
};
constexpr TypeName kTypes[] = {
    {"custom", ScenarioType::custom}, {"smoke", ScenarioType::smoke}, {"load", ScenarioType::load},
    {"stress", ScenarioType::stress}, {"spike", ScenarioType::spike}, {"soak", ScenarioType::soak},
    {"replay", ScenarioType::replay},
};

}  // namespace

std::string_view scenario_type_name(ScenarioType type) {
    for (const auto& candidate : kTypes) {
        if (candidate.type == type) return candidate.name;
    }
    return "custom";
}

std::optional<ScenarioType> scenario_type_from_name(std::string_view name) {
    for (const auto& candidate : kTypes) {
        if (candidate.name == name) return candidate.type;
    }
    return std::nullopt;
}

}  // namespace volley::thresholds
