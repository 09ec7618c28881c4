// `volley run --dump-schedule FILE|-` (docs/distributed.md "Segments"): the segment's intended
// arrivals, written without sending anything.
#pragma once

#include "scenarios/language/plan.hpp"

#include <string>

namespace volley::apps {

// Writes the schedule of plan.run.segment to `path` ("-": stdout); returns the exit code.
int dump_schedule(const scenarios::Plan& plan, const std::string& path);

}  // namespace volley::apps
