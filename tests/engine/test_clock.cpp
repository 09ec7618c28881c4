// The clock seam (engine/timer.hpp): the production clock's timers keep asio::steady_timer's
// contract, and the manual clock of the tests (fakes/manual_clock.hpp) fires timers in time
// order at their own expiry. No test waits for real time to pass.
#include "engine/timer.hpp"

#include "fakes/manual_clock.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace volley::engine;
using namespace std::chrono_literals;
using volley::testing::ManualClock;

TEST_CASE("the real clock's timer fires once its expiry has passed, and reports a cancel") {
    boost::asio::io_context io;
    auto timer = real_clock().make_timer(io);
    std::vector<bool> calls;
    timer->expires_at(real_clock().now() - 1ms);  // already due: no waiting
    timer->async_wait([&](bool expired) { calls.push_back(expired); });
    CHECK(calls.empty());  // never inside async_wait
    io.run();
    CHECK(calls == std::vector<bool>{true});

    io.restart();
    timer->expires_at(real_clock().now() + 1h);
    timer->async_wait([&](bool expired) { calls.push_back(expired); });
    CHECK(timer->cancel() == 1);
    CHECK(timer->cancel() == 0);
    io.run();
    CHECK(calls == std::vector<bool>{true, false});
}

TEST_CASE("a manual clock fires due timers in expiry order, each at its own time") {
    ManualClock clock;
    const auto t0 = clock.now();
    boost::asio::io_context io;
    auto a = clock.make_timer(io), b = clock.make_timer(io), c = clock.make_timer(io);
    std::vector<std::string> fired;
    auto log = [&](std::string name) {
        return [&, name](bool expired) {
            fired.push_back(name + (expired ? "@" : "x@") +
                            std::to_string((clock.now() - t0) / 1ms));
        };
    };
    a->expires_at(t0 + 30ms);
    a->async_wait(log("a"));
    b->expires_at(t0 + 10ms);
    b->async_wait([&](bool expired) {
        log("b")(expired);
        c->expires_at(clock.now() + 5ms);  // armed by a handler: fires in the same advance
        c->async_wait(log("c"));
    });
    clock.advance(29ms);
    CHECK(fired == std::vector<std::string>{"b@10", "c@15"});
    CHECK(clock.now() == t0 + 29ms);
    CHECK(clock.pending_timers() == 1);
    a->expires_at(t0 + 40ms);  // re-arming cancels the pending wait
    clock.settle();
    CHECK(fired.back() == "ax@29");
    a->async_wait(log("a"));
    CHECK(clock.step());
    CHECK(fired.back() == "a@40");
    CHECK_FALSE(clock.step());  // nothing left to wait for
}

TEST_CASE("a manual clock breaks ties by arming order and runs a past expiry at once") {
    ManualClock clock;
    boost::asio::io_context io;
    auto first = clock.make_timer(io), second = clock.make_timer(io);
    std::vector<int> order;
    second->expires_at(clock.now() + 1ms);
    second->async_wait([&](bool) { order.push_back(2); });
    first->expires_at(clock.now() + 1ms);
    first->async_wait([&](bool) { order.push_back(1); });
    clock.advance(1ms);
    CHECK(order == std::vector<int>{2, 1});
    first->expires_at(clock.now() - 1ms);
    first->async_wait([&](bool expired) { order.push_back(expired ? 3 : -3); });
    clock.settle();
    CHECK(order == std::vector<int>{2, 1, 3});
}
