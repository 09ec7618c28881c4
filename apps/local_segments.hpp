// `volley run --segments N --local` (docs/distributed.md "On one machine"): the N segments as
// processes of this machine with one --start-at, then `volley merge` of their directories.
#pragma once

#include "apps/run_command.hpp"
#include "scenarios/language/plan.hpp"

namespace volley::apps {

// Forks one process per segment (the plan with its --segment), waits for them, then merges
// ROOT/segment-* into ROOT/merged (ROOT: -o or the default results directory). Returns the
// merge's exit code, or the first failing segment's.
int run_local_segments(const RunOptions& options, const scenarios::Plan& plan);

}  // namespace volley::apps
