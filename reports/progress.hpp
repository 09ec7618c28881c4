#pragma once
// The live progress line drawn on a TTY during a run (docs/outputs.md "Live progress line"). Pure
// formatting: the caller owns the terminal (carriage return, clearing, refresh rate) and decides
// whether stdout is a TTY.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace volley::reports {

struct ProgressState {
    double elapsed_s = 0;          // since the recorded run started (warm-up excluded)
    double total_s = 0;            // planned length; ≤ 0 when unknown (e.g. replay to the end)
    std::string stage_label;       // e.g. "stage 2/3 ramp to 200 rps"; may be empty
    double achieved_rps = 0;       // last interval
    double target_rps = 0;         // last interval; ≤ 0 when there is no target (closed model)
    std::optional<double> p99_ms;  // response time p99 of the last interval; none if no response
    std::uint64_t errors = 0;      // since the start
    std::uint64_t dropped = 0;     // since the start
};

inline constexpr std::size_t progress_line_max_columns = 100;

// One line, no newline, at most progress_line_max_columns columns (UTF-8 code points), e.g.
// "0:12/0:30 41%  998.7/1000.0 rps  p99 12.35 ms  errors 3  dropped 0  stage 2/3 hold"
// The stage label is cut (ending in "…") to fit, and stripped of control characters.
std::string format_progress_line(const ProgressState& state);

}  // namespace volley::reports
