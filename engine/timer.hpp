// The timer seam and the run's clock (docs/architecture.md "Seams"). The engine waits only
// through Timer and reads time only through Clock, so tests drive a run on a manual clock
// (tests/fakes/manual_clock.hpp) without sleeping. Production uses real_clock(): Asio steady
// timers and the machine's steady clock.
#pragma once

#include "engine/clock.hpp"

#include <cstddef>
#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace volley::engine {

// Called once per async_wait on the timer's io_context: true when the expiry was reached, false
// when the wait was cancelled (cancel(), a new expires_at, or the timer's destruction while its
// io_context still runs).
using TimerHandler = std::function<void(bool expired)>;

// One timer bound to one io_context, used from that io_context's thread only (like
// asio::steady_timer, whose semantics it keeps).
class Timer {
public:
    virtual ~Timer() = default;
    // Sets the expiry; a wait pending on this timer is cancelled (its handler gets false).
    virtual void expires_at(SteadyClock::time_point at) = 0;
    // Waits for the expiry, which may already have passed (the handler then runs soon, never
    // inside this call). At most one wait is pending per timer in the engine.
    virtual void async_wait(TimerHandler handler) = 0;
    // Cancels the pending wait; returns how many waits it cancelled (0 or 1).
    virtual std::size_t cancel() = 0;
};

// A time source that can also make timers: the seam the engine takes (RunInputs::clock).
class Clock : public TimeSource {
public:
    // A timer whose handlers run on `io`. Called when a worker, session or run is set up, never
    // per request.
    [[nodiscard]] virtual std::unique_ptr<Timer> make_timer(boost::asio::io_context& io) = 0;
    // The wall clock at now(): what a run's RunSpec::start_at is compared with, and where its
    // started_at comes from. The production clock reads std::chrono::system_clock; a test's
    // manual clock a wall time that moves with its own time.
    [[nodiscard]] virtual std::chrono::system_clock::time_point wall_now() const = 0;
};

// The production clock: SteadyClock and boost::asio::steady_timer. Stateless; shared by all
// runs.
Clock& real_clock();

// A run's zero point (t0) on its clock. Cheap to copy; the clock outlives it.
class RunClock {
public:
    RunClock(Clock& clock, SteadyClock::time_point t0) : clock_(&clock), t0_(t0) {}
    [[nodiscard]] SteadyClock::time_point t0() const { return t0_; }
    [[nodiscard]] Nanos now() const { return clock_->now() - t0_; }
    [[nodiscard]] SteadyClock::time_point at(Nanos run_time) const { return t0_ + run_time; }
    [[nodiscard]] Clock& clock() const { return *clock_; }
    [[nodiscard]] std::unique_ptr<Timer> make_timer(boost::asio::io_context& io) const {
        return clock_->make_timer(io);
    }

private:
    Clock* clock_;
    SteadyClock::time_point t0_;
};

}  // namespace volley::engine
