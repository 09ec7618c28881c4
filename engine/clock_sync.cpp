#include "engine/clock_sync.hpp"

#include <sys/timex.h>

namespace volley::engine {

ClockSync decode_clock_sync(int clock_state, int status, long max_error_us,
                            long estimated_error_us) {
    ClockSync sync;
    if (clock_state == -1) return sync;  // the call failed: nothing is known
    sync.known = true;
    sync.synchronised = clock_state != TIME_ERROR && (status & STA_UNSYNC) == 0;
    sync.max_error_ms = static_cast<double>(max_error_us) / 1000.0;
    sync.estimated_error_ms = static_cast<double>(estimated_error_us) / 1000.0;
    return sync;
}

ClockSync read_clock_sync() {
    timex state{};
    state.modes = 0;  // read only
    const int clock_state = ::adjtimex(&state);
    return decode_clock_sync(clock_state, state.status, state.maxerror, state.esterror);
}

}  // namespace volley::engine
