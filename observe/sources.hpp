// The sources an ObserveSpec names (docs/observe.md), in a fixed order: every Prometheus endpoint,
// Redis, PostgreSQL, the process. Building a source never connects: a source that is down fails
// its samples, never the run.
#pragma once

#include "observe/observe_spec.hpp"
#include "observe/source.hpp"

#include <memory>
#include <vector>

namespace volley::observe {

[[nodiscard]] std::vector<std::unique_ptr<ObserveSource>> make_sources(const ObserveSpec& spec);

}  // namespace volley::observe
