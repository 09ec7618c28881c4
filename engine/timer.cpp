#include "engine/timer.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace volley::engine {
namespace {

// Timer over boost::asio::steady_timer. The handler's std::function holds the engine's small
// lambdas inline and Asio recycles the wait's memory: re-arming allocates nothing.
class SteadyTimer final : public Timer {
public:
    explicit SteadyTimer(boost::asio::io_context& io) : timer_(io) {}
    void expires_at(SteadyClock::time_point at) override { timer_.expires_at(at); }
    void async_wait(TimerHandler handler) override {
        timer_.async_wait(
            [handler = std::move(handler)](const boost::system::error_code& ec) { handler(!ec); });
    }
    std::size_t cancel() override { return timer_.cancel(); }

private:
    boost::asio::steady_timer timer_;
};

class SteadyTimerClock final : public Clock {
public:
    [[nodiscard]] SteadyClock::time_point now() const override { return SteadyClock::now(); }
    [[nodiscard]] std::unique_ptr<Timer> make_timer(boost::asio::io_context& io) override {
        return std::make_unique<SteadyTimer>(io);
    }
    [[nodiscard]] std::chrono::system_clock::time_point wall_now() const override {
        return std::chrono::system_clock::now();
    }
};

}  // namespace

Clock& real_clock() {
    static SteadyTimerClock clock;  // stateless
    return clock;
}

}  // namespace volley::engine
