#include "thresholds/scenario_type.hpp"

#include <catch2/catch.hpp>

using namespace volley::thresholds;

TEST_CASE("scenario type names read back to their type", "[scenario_type]") {
    for (const auto type :
         {ScenarioType::custom, ScenarioType::smoke, ScenarioType::load, ScenarioType::stress,
          ScenarioType::spike, ScenarioType::soak, ScenarioType::replay}) {
        INFO(scenario_type_name(type));
        const auto back = scenario_type_from_name(scenario_type_name(type));
        REQUIRE(back.has_value());
        CHECK(*back == type);
    }
    CHECK(scenario_type_name(ScenarioType::stress) == "stress");
    CHECK(scenario_type_name(ScenarioType::soak) == "soak");
    CHECK_FALSE(scenario_type_from_name("Stress").has_value());
    CHECK_FALSE(scenario_type_from_name("").has_value());
}
