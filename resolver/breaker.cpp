#include "resolver/breaker.hpp"

#include <algorithm>
#include <random>

namespace volley::resolver {

std::int64_t CircuitBreaker::now_ns() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(time_.now().time_since_epoch())
        .count();
}

bool CircuitBreaker::allow() {
    if (failures_.load(std::memory_order_acquire) == 0) return true;
    if (now_ns() < open_until_ns_.load(std::memory_order_acquire)) return false;
    bool expected = false;
    return probing_.compare_exchange_strong(expected, true, std::memory_order_acq_rel);
}

void CircuitBreaker::on_success() {
    if (failures_.load(std::memory_order_relaxed) == 0) return;
    failures_.store(0, std::memory_order_release);
    open_until_ns_.store(0, std::memory_order_release);
    probing_.store(false, std::memory_order_release);
}

void CircuitBreaker::on_failure() {
    const std::uint32_t n = failures_.fetch_add(1, std::memory_order_acq_rel) + 1;
    const int shift = static_cast<int>(std::min<std::uint32_t>(n - 1, 30));
    std::int64_t backoff = base_ns_;
    for (int i = 0; i < shift && backoff < max_ns_; ++i) backoff *= 2;
    backoff = std::min(backoff, max_ns_);
    thread_local std::minstd_rand rng{std::random_device{}()};
    backoff += static_cast<std::int64_t>(std::uniform_real_distribution<double>(0.0, 0.25)(rng) *
                                         static_cast<double>(backoff));
    open_until_ns_.store(now_ns() + backoff, std::memory_order_release);
    probing_.store(false, std::memory_order_release);
}

bool CircuitBreaker::is_open() const {
    return failures_.load(std::memory_order_acquire) != 0 &&
           (now_ns() < open_until_ns_.load(std::memory_order_acquire) ||
            probing_.load(std::memory_order_acquire));
}

}  // namespace volley::resolver
