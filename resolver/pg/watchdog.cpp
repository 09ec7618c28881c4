#include "resolver/pg/watchdog.hpp"

namespace volley::resolver {

Watchdog::Watchdog() : thread_([this] { run(); }) {}

Watchdog::~Watchdog() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

Watchdog::Guard Watchdog::arm(Clock::time_point when, std::function<void()> on_expire) {
    std::pair<Clock::time_point, std::uint64_t> key;
    bool earliest = false;
    {
        std::lock_guard lock(mu_);
        key = {when, next_id_++};
        auto it = timers_.emplace(key, std::move(on_expire)).first;
        earliest = it == timers_.begin();
    }
    if (earliest) cv_.notify_all();
    return Guard(this, key);
}

bool Watchdog::Guard::disarm() {
    if (dog_ == nullptr) return false;
    std::lock_guard lock(dog_->mu_);
    dog_->timers_.erase(key_);
    const bool fired = dog_->fired_.erase(key_.second) > 0;
    dog_ = nullptr;
    return fired;
}

void Watchdog::run() {
    std::unique_lock lock(mu_);
    while (!stop_) {
        if (timers_.empty()) {
            cv_.wait(lock);
            continue;
        }
        auto first = timers_.begin();
        const Clock::time_point when = first->first.first;  // the node may go while we wait
        if (Clock::now() < when) {
            cv_.wait_until(lock, when);
            continue;
        }
        auto fn = std::move(first->second);
        fired_[first->first.second] = true;
        timers_.erase(first);
        fn();  // under the lock: a Guard being destroyed waits for it
    }
}

}  // namespace volley::resolver
