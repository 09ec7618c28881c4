// What the request, flow and counter indices of a run mean when the scenario has journeys
// (docs/scenarios.md "journeys"): filled by the scenario loader (Plan::catalog), read by
// reports/ for the per-journey, per-step, per-tag and per-check results and the scoped
// thresholds. Empty for a plain request mix.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace volley::thresholds {

using Tag = std::pair<std::string, std::string>;  // key, value

struct RunCatalog {
    struct Journey {
        std::string name;
        std::vector<std::size_t> steps;  // request indices of its steps, in order
        std::vector<Tag> tags;           // the journey's own tags
    };
    struct Check {
        std::string name;                                // unique across the scenario
        std::size_t request = 0;                         // the step (request index) it checks
        std::size_t pass_counter = 0, fail_counter = 0;  // indices of RunSpec::counter_names
    };

    std::vector<Journey> journeys;  // flow index = position (RunSpec::flow_names)
    // Per request index (RunSpec::request_names): the journey it is a step of, and its tags
    // (the journey's, overridden by the step's). Sized like request_names when not empty.
    std::vector<std::optional<std::size_t>> request_journey;
    std::vector<std::vector<Tag>> request_tags;
    std::vector<Check> checks;
    // Per request index: the counter of its extraction errors, nullopt for a step that extracts
    // nothing (and for plain requests).
    std::vector<std::optional<std::size_t>> extract_error_counter;
    std::vector<std::string> counter_names;  // RunSpec::counter_names

    [[nodiscard]] bool empty() const { return journeys.empty(); }
};

}  // namespace volley::thresholds
