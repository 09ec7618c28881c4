// The host's clock discipline (docs/distributed.md "Synchronised start"): segments on different
// hosts start together only as well as their wall clocks agree, so a run with a start time
// records what the kernel says about its clock.
#pragma once

namespace volley::engine {

// The host's clock discipline when the run started (adjtimex(2)): whether the kernel says the
// clock is synchronised, and its error bounds. `known` false: the state could not be read.
struct ClockSync {
    bool known = false;
    bool synchronised = false;
    double max_error_ms = 0;
    double estimated_error_ms = 0;
};

// What adjtimex(2) returned, decoded: `clock_state` is its return value (TIME_ERROR or -1 mean
// not synchronised / not known), `status` its STA_* bits (STA_UNSYNC: not synchronised),
// `max_error_us` and `estimated_error_us` its maxerror and esterror (microseconds).
[[nodiscard]] ClockSync decode_clock_sync(int clock_state, int status, long max_error_us,
                                          long estimated_error_us);

// Reads the host's clock state now (a read-only adjtimex call; no privilege needed).
[[nodiscard]] ClockSync read_clock_sync();

}  // namespace volley::engine
