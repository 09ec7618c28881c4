// Plan target spec -> engine::Target. The only place that knows every target kind.
#pragma once

#include "engine/target.hpp"
#include "scenarios/plan.hpp"

#include <memory>
#include <string>

namespace volley::apps {

struct BuiltTarget {
    std::unique_ptr<engine::Target> target;
    std::string kind;  // "http" or "resolver"
    std::string url;   // what the report names as the target
};

// Throws std::invalid_argument for a spec the target refuses (bad URL, unreadable TLS files).
BuiltTarget make_target(const scenarios::Plan& plan);

}  // namespace volley::apps
