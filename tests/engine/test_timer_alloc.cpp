// The production timer keeps the hot path allocation-free: a worker re-arms its timer from a
// handler (per wake-up in the open model, per request in the closed model), and neither the
// TimerHandler (the engine's lambdas are held inline) nor Asio's wait (recycled memory) may
// allocate once warmed up.
// The binary counts allocations with tests/support/allocation_counting.hpp.
#include "engine/timer.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "support/allocation_counting.hpp"

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
