// Client-side deadline enforcement for blocking calls that have no timeout of their own (a
// libpq query waiting on a server that stopped answering). arm() registers a callback to run
// on the watchdog thread at `when`; destroying the returned Guard disarms it, and once the
// Guard is gone the callback is guaranteed not to run (callbacks run under the watchdog lock,
// so they must be short and must not touch the watchdog).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

namespace volley::resolver {

class Watchdog {
public:
    using Clock = std::chrono::steady_clock;

    class Guard {
    public:
        Guard() = default;
        Guard(Guard&& o) noexcept : dog_(std::exchange(o.dog_, nullptr)), key_(std::move(o.key_)) {}
        Guard& operator=(Guard&&) = delete;
        Guard(const Guard&) = delete;
        ~Guard() { disarm(); }
        // Disarms (idempotent); returns true when the callback ran before that.
        bool disarm();

    private:
        friend class Watchdog;
        Guard(Watchdog* dog, std::pair<Clock::time_point, std::uint64_t> key)
            : dog_(dog), key_(key) {}
        Watchdog* dog_ = nullptr;
        std::pair<Clock::time_point, std::uint64_t> key_{};
    };

    Watchdog();
    ~Watchdog();
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    [[nodiscard]] Guard arm(Clock::time_point when, std::function<void()> on_expire);

private:
    void run();
    std::mutex mu_;
    std::condition_variable cv_;
    std::map<std::pair<Clock::time_point, std::uint64_t>, std::function<void()>> timers_;
    std::map<std::uint64_t, bool> fired_;  // ids whose callback ran, until their Guard dies
    std::uint64_t next_id_ = 0;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace volley::resolver
