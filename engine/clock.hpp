// Time base of a run. All engine times are std::chrono::nanoseconds since the run's t0 on the
// steady clock ("run time"); wall-clock instants appear only in reports.
#pragma once

#include <chrono>
#include <cstdint>

namespace volley::engine {

using SteadyClock = std::chrono::steady_clock;
using Nanos = std::chrono::nanoseconds;

// A run's zero point on the steady clock.
class RunClock {
public:
    explicit RunClock(SteadyClock::time_point t0) : t0_(t0) {}
    [[nodiscard]] SteadyClock::time_point t0() const { return t0_; }
    [[nodiscard]] Nanos now() const { return SteadyClock::now() - t0_; }
    [[nodiscard]] SteadyClock::time_point at(Nanos run_time) const { return t0_ + run_time; }

private:
    SteadyClock::time_point t0_;
};

}  // namespace volley::engine
