// Circuit breaker with exponential backoff, used by the Redis and PostgreSQL backends for
// connection-class errors only. No request ever sleeps (resolver-notes.md defect 5): after a
// connection-class failure the breaker opens for backoff = min(base * 2^(failures-1), max)
// (+ up to 25 % jitter); while open, calls fail fast; when the period ends one caller is let
// through as a probe and its outcome closes the breaker or opens it for the next, longer period.
// Time comes from an engine::TimeSource (the machine's steady clock unless a test passes a
// manual clock); engine/clock.hpp is the only engine header the resolver includes.
#pragma once

#include "engine/clock.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>

namespace volley::resolver {

class CircuitBreaker {
public:
    // `time` must outlive the breaker.
    CircuitBreaker(std::chrono::milliseconds base, std::chrono::milliseconds max,
                   const engine::TimeSource& time = engine::steady_time_source())
        : time_(time),
          base_ns_(std::chrono::nanoseconds(base).count()),
          max_ns_(std::chrono::nanoseconds(max).count()) {}

    // True when the call may go to the server (closed, or this caller is the half-open probe).
    bool allow();
    void on_success();
    void on_failure();
    // True while calls are refused (open and no probe slot).
    [[nodiscard]] bool is_open() const;
    [[nodiscard]] std::uint32_t consecutive_failures() const {
        return failures_.load(std::memory_order_relaxed);
    }

private:
    [[nodiscard]] std::int64_t now_ns() const;
    const engine::TimeSource& time_;
    std::int64_t base_ns_;
    std::int64_t max_ns_;
    std::atomic<std::uint32_t> failures_{0};
    std::atomic<std::int64_t> open_until_ns_{0};
    std::atomic<bool> probing_{false};
};

}  // namespace volley::resolver
