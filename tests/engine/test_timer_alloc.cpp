// The production timer keeps the hot path allocation-free: a worker re-arms its timer from a
// handler (per wake-up in the open model, per request in the closed model), and neither the
// TimerHandler (the engine's lambdas are held inline) nor Asio's wait (recycled memory) may
// allocate once warmed up.
//
// This test binary replaces the global (non-aligned) operator new so that a test can count the
// allocations of the calling thread while `counting` is on.
#include "engine/timer.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <new>

namespace {
thread_local bool counting = false;
thread_local std::size_t allocations = 0;
}  // namespace

// GCC 12 at -O2 inlines these replacements and then mistakes the malloc/free pair for a
// new/free mismatch; the pairing is correct (every operator new here is malloc).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t size) {
    if (counting) ++allocations;
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
    if (counting) ++allocations;
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

using namespace volley::engine;
using namespace std::chrono_literals;

namespace {

// Re-arms its timer from its own handler, like Worker::closed_arm ([this, slot] capture).
struct Chain {
    Timer& timer;
    int fired = 0;
    static constexpr int kWarmUp = 10, kCounted = 200;

    void arm(std::size_t slot) {
        timer.expires_at(real_clock().now() - 1ms);  // due at once: no waiting
        timer.async_wait([this, slot](bool expired) {
            if (!expired) return;
            ++fired;
            counting = fired > kWarmUp && fired <= kWarmUp + kCounted;
            if (fired < kWarmUp + kCounted + 1) arm(slot);
        });
    }
};

}  // namespace

TEST_CASE("re-arming a real timer from its handler allocates nothing once warmed up") {
    boost::asio::io_context io(1);
    auto timer = real_clock().make_timer(io);
    Chain chain{*timer};
    allocations = 0;
    chain.arm(3);
    io.run();
    counting = false;
    CHECK(chain.fired == Chain::kWarmUp + Chain::kCounted + 1);
    CHECK(allocations == 0);
}
