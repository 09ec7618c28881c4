// A clock whose time moves only when the test says so (engine::Clock, docs/architecture.md
// "Seams"): timers fire in time order at their own expiry, handlers run on their io_context by
// poll(), and nothing sleeps or races. Single-threaded: the test's thread advances the clock and
// runs every io_context its timers use.
#pragma once

#include "engine/timer.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <vector>

namespace volley::testing {

class ManualClock final : public engine::Clock {
public:
    // Starts at an arbitrary fixed point (not the machine's time), so runs repeat exactly.
    explicit ManualClock(engine::SteadyClock::time_point start =
                             engine::SteadyClock::time_point{std::chrono::hours(1)})
        : now_(start), start_(start) {}
    ManualClock(const ManualClock&) = delete;
    ManualClock& operator=(const ManualClock&) = delete;

    [[nodiscard]] engine::SteadyClock::time_point now() const override { return now_; }

    // The wall clock moves with now(); it reads kWallStart when the clock is created unless
    // set_wall_now() says otherwise.
    static constexpr std::chrono::system_clock::time_point kWallStart{
        std::chrono::sys_days{std::chrono::year{2026} / 12 / 6}.time_since_epoch()};
    [[nodiscard]] std::chrono::system_clock::time_point wall_now() const override {
        return wall_at_start_ +
               std::chrono::duration_cast<std::chrono::system_clock::duration>(now_ - start_);
    }
    // From now on wall_now() reads `wall` at the current now().
    void set_wall_now(std::chrono::system_clock::time_point wall) {
        wall_at_start_ =
            wall - std::chrono::duration_cast<std::chrono::system_clock::duration>(now_ - start_);
    }

    [[nodiscard]] std::unique_ptr<engine::Timer> make_timer(boost::asio::io_context& io) override {
        ++io_users_[&io];
        return std::make_unique<FakeTimer>(*this, io);
    }

    // Runs every handler ready on the timers' io_contexts, until none is.
    void settle() {
        bool ran = true;
        while (ran) {
            ran = false;
            std::vector<boost::asio::io_context*> ios;  // handlers may add or remove timers
            for (const auto& entry : io_users_) ios.push_back(entry.first);
            for (auto* io : ios) {
                if (!io_users_.contains(io)) continue;
                io->restart();
                ran = io->poll() > 0 || ran;
            }
        }
    }

    // Moves time to `t`, firing every timer due by then in expiry order (ties: the order they
    // were armed): time stands at each expiry while its handler and whatever it posts run, so
    // timers armed by those handlers fire in turn when due by `t`. Time never goes back.
    void advance_to(engine::SteadyClock::time_point t) {
        settle();
        while (FakeTimer* due = earliest(t)) {
            now_ = std::max(now_, *due->expiry_);
            due->fire(true);
            settle();
        }
        now_ = std::max(now_, t);
        settle();
    }
    void advance(engine::Nanos d) { advance_to(now_ + d); }

    // Moves time forward by `d` without firing or running anything, as when the generator's
    // thread was held up (descheduled, busy): whatever fell due meanwhile is late, and the next
    // poll of an io_context finds it all due at once.
    void stall(engine::Nanos d) { now_ += d; }

    // Advances to the earliest pending expiry; false when no timer is waiting (nothing can
    // happen any more).
    bool step() {
        settle();
        FakeTimer* next = earliest(engine::SteadyClock::time_point::max());
        if (!next) return false;
        advance_to(*next->expiry_);
        return true;
    }

    // How many waits were armed on this clock's timers since it was created.
    [[nodiscard]] std::uint64_t timers_armed() const { return armed_; }

    [[nodiscard]] std::size_t pending_timers() const {
        return static_cast<std::size_t>(
            std::count_if(timers_.begin(), timers_.end(),
                          [](const FakeTimer* t) { return t->handler_ != nullptr; }));
    }

private:
    class FakeTimer final : public engine::Timer {
    public:
        FakeTimer(ManualClock& clock, boost::asio::io_context& io) : clock_(clock), io_(io) {
            clock_.timers_.push_back(this);
        }
        // A pending handler is dropped, not run: it may refer to its destroyed owner.
        ~FakeTimer() override {
            std::erase(clock_.timers_, this);
            if (--clock_.io_users_[&io_] == 0) clock_.io_users_.erase(&io_);
        }
        void expires_at(engine::SteadyClock::time_point at) override {
            cancel();
            expiry_ = at;
        }
        void async_wait(engine::TimerHandler handler) override {
            if (handler_) throw std::logic_error("ManualClock: a second wait on one timer");
            if (!expiry_) throw std::logic_error("ManualClock: async_wait before expires_at");
            handler_ = std::move(handler);
            armed_ = ++clock_.armed_;
            if (*expiry_ <= clock_.now_) fire(true);  // already due: runs on the next poll
        }
        std::size_t cancel() override {
            if (!handler_) return 0;
            fire(false);
            return 1;
        }
        // Posts the pending handler with `expired`.
        void fire(bool expired) {
            boost::asio::post(io_, [handler = std::move(handler_), expired] { handler(expired); });
            handler_ = nullptr;
        }

        ManualClock& clock_;
        boost::asio::io_context& io_;
        std::optional<engine::SteadyClock::time_point> expiry_;
        engine::TimerHandler handler_;
        std::uint64_t armed_ = 0;
    };

    // The waiting timer with the earliest expiry not after `limit`, or nullptr.
    FakeTimer* earliest(engine::SteadyClock::time_point limit) const {
        FakeTimer* best = nullptr;
        for (FakeTimer* t : timers_) {
            if (!t->handler_ || *t->expiry_ > limit) continue;
            if (!best || *t->expiry_ < *best->expiry_ ||
                (*t->expiry_ == *best->expiry_ && t->armed_ < best->armed_))
                best = t;
        }
        return best;
    }

    engine::SteadyClock::time_point now_;
    engine::SteadyClock::time_point start_;
    std::chrono::system_clock::time_point wall_at_start_ = kWallStart;
    std::vector<FakeTimer*> timers_;
    std::map<boost::asio::io_context*, std::size_t> io_users_;  // io_context -> live timers on it
    std::uint64_t armed_ = 0;
};

}  // namespace volley::testing
