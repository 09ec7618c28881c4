// `volley run --segments N --local` (docs/distributed.md "On one machine"): the N segments as
// processes of this machine with one --start-at, then `volley merge` of their directories.
#pragma once

#include "apps/run_command.hpp"
#include "scenarios/language/plan.hpp"

namespace volley::apps {

// `argv0`: this executable, run again once per segment. Returns the merge's exit code.
int run_local_segments(const RunOptions& options, const scenarios::Plan& plan);

}  // namespace volley::apps
