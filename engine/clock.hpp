// Time base of a run, and the "now" seam (docs/architecture.md "Seams"). All engine times are
// std::chrono::nanoseconds since the run's t0 ("run time"); wall-clock instants appear only in
// reports. This header is a leaf without Asio: the resolver's circuit breaker reads its time
// through TimeSource too (docs/architecture.md "Dependency rules"). Timers are in
// engine/timer.hpp.
#pragma once

#include <chrono>
#include <cstdint>

namespace volley::engine {

using SteadyClock = std::chrono::steady_clock;
using Nanos = std::chrono::nanoseconds;

// Where "now" comes from. Contract: now() never decreases, and may be called from any thread
// the implementation allows (the machine's steady clock: every thread; a test's manual clock:
// the thread that advances it).
class TimeSource {
public:
    virtual ~TimeSource() = default;
    [[nodiscard]] virtual SteadyClock::time_point now() const = 0;
};

// The machine's steady clock: the production time source.
class SteadyTimeSource final : public TimeSource {
public:
    [[nodiscard]] SteadyClock::time_point now() const override { return SteadyClock::now(); }
};

// The one production instance (stateless, shared by everyone who takes the default).
inline const TimeSource& steady_time_source() {
    static const SteadyTimeSource source;
    return source;
}

}  // namespace volley::engine
