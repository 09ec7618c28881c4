// The distributed-run flags of `volley run` (docs/distributed.md): --segment, --segments,
// --start-at and --max-start-lag, turned into the engine's RunSpec fields.
#pragma once

#include "apps/run_command.hpp"
#include "engine/runner.hpp"

#include <optional>
#include <string_view>

namespace volley::apps {

// "2/4" -> {2, 4}: 0 <= i < n, n >= 1. Throws std::invalid_argument naming `--segment`.
[[nodiscard]] engine::SegmentSpec parse_segment(std::string_view text);

// The segment the flags ask for: `--segment i/n`; `--segments n` alone reads i from
// `job_completion_index` (the JOB_COMPLETION_INDEX of a Kubernetes Indexed Job; nullptr when
// unset). Without --local, --segments needs the index; both flags together must agree on n.
// Throws std::invalid_argument naming the flag.
[[nodiscard]] engine::SegmentSpec segment_from_flags(const RunOptions& options,
                                                     const char* job_completion_index);

// Sets run.segment, run.start_at and run.max_start_lag from the flags (the environment's
// JOB_COMPLETION_INDEX for --segments). Throws std::invalid_argument naming the flag.
void apply_distributed_flags(const RunOptions& options, engine::RunSpec& run);

}  // namespace volley::apps
