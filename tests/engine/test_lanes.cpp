// Lanes (Schedule::lane): the arrivals of one lane go out in order, one at a time, on one slot,
// without holding up other lanes; slots of idle lanes are reused; a full queue drops a lane's
// oldest waiting arrival together with its own request. Runs on a manual clock: send and
// completion times are exact run times.
#include "engine/runner.hpp"

#include "fakes/stepped_run.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <string>

using namespace volley::engine;
using namespace std::chrono_literals;

namespace {

struct LaneArrival {
    Nanos at;
    std::uint64_t lane;
};

class ListSchedule final : public Schedule {
public:
    explicit ListSchedule(std::vector<LaneArrival> arrivals) : arrivals_(std::move(arrivals)) {}
    std::optional<Nanos> next() override {
        if (next_ == arrivals_.size()) return std::nullopt;
        lane_ = arrivals_[next_].lane;
        return arrivals_[next_++].at;
    }
    [[nodiscard]] std::uint64_t lane() const override { return lane_; }

private:
    std::vector<LaneArrival> arrivals_;
    std::size_t next_ = 0;
    std::uint64_t lane_ = 0;
};

// Request targets are "lane/sequence", the sequence counted per lane in draw order.
class LaneSource final : public RequestSource {
public:
    bool next(PreparedRequest& out) override { return next_in_lane(0, out); }
    bool next_in_lane(std::uint64_t lane, PreparedRequest& out) override {
        text_ = std::to_string(lane) + "/" + std::to_string(drawn_[lane]++);
        out = PreparedRequest{};
        out.method = "GET";
        out.target = text_;
        return true;
    }

private:
    std::map<std::uint64_t, std::uint64_t> drawn_;
    std::string text_;
};

struct Sent {
    std::size_t slot;
    std::uint64_t lane, sequence;
    Nanos sent, done;  // run time
};

// Answers each request after its lane's delay and logs every exchange.
class LoggingTarget final : public Target {
public:
    explicit LoggingTarget(std::map<std::uint64_t, Nanos> delays) : delays_(std::move(delays)) {}

    std::unique_ptr<TargetSession> open_session(const SessionContext& context) override {
        return std::make_unique<Session>(*this, context);
    }

    [[nodiscard]] std::vector<Sent> log() const {
        std::lock_guard lock(mutex_);
        return log_;
    }

private:
    class Session final : public TargetSession {
    public:
        Session(LoggingTarget& target, const SessionContext& context)
            : target_(target), sink_(context.sink), clock_(*context.clock) {
            for (std::size_t i = 0; i < context.slots; ++i)
                timers_.push_back(clock_.make_timer(context.io));
        }
        [[nodiscard]] std::size_t slot_count() const override { return timers_.size(); }
        void send(std::size_t slot, const PreparedRequest& request) override {
            const std::string text(request.target);
            const auto slash = text.find('/');
            const std::uint64_t lane = std::stoull(text.substr(0, slash));
            std::size_t entry = 0;
            {
                std::lock_guard lock(target_.mutex_);
                entry = target_.log_.size();
                target_.log_.push_back(
                    Sent{slot, lane, std::stoull(text.substr(slash + 1)), clock_.now(), {}});
            }
            auto& timer = *timers_[slot];
            timer.expires_at(clock_.clock().now() + target_.delays_.at(lane));
            timer.async_wait([this, slot, entry](bool expired) {
                if (!expired) return;
                {
                    std::lock_guard lock(target_.mutex_);
                    target_.log_[entry].done = clock_.now();
                }
                sink_.on_complete(slot, Completion{});
            });
        }
        void abort_all() override {
            for (std::size_t slot = 0; slot < timers_.size(); ++slot) {
                if (timers_[slot]->cancel() > 0)
                    sink_.on_complete(slot, Completion{Outcome::cancelled, 0});
            }
        }

    private:
        LoggingTarget& target_;
        CompletionSink& sink_;
        const RunClock& clock_;
        std::vector<std::unique_ptr<Timer>> timers_;
    };

    std::map<std::uint64_t, Nanos> delays_;
    mutable std::mutex mutex_;
    std::vector<Sent> log_;
};

RunResult run_lanes(LoggingTarget& target, std::vector<LaneArrival> arrivals, std::size_t slots,
                    std::size_t max_in_flight = 0) {
    RunSpec spec;
    spec.profile = OpenProfile{};
    spec.connections = slots;
    spec.max_in_flight = max_in_flight;
    spec.handle_signals = false;
    spec.drain = 5s;
    RunInputs inputs{
        target,
        [](std::size_t, std::size_t) { return std::make_unique<LaneSource>(); },
        [arrivals](std::size_t, std::size_t) { return std::make_unique<ListSchedule>(arrivals); },
        {}};
    volley::testing::ManualClock clock;
    return volley::testing::run_stepped(spec, inputs, clock);
}

std::vector<Sent> of_lane(const std::vector<Sent>& log, std::uint64_t lane) {
    std::vector<Sent> out;
    for (const auto& sent : log) {
        if (sent.lane == lane) out.push_back(sent);
    }
    return out;
}

// In draw order, each request of the lane was sent after the previous one completed.
void check_in_order_one_at_a_time(const std::vector<Sent>& lane_log) {
    for (std::size_t i = 0; i < lane_log.size(); ++i) {
        CHECK(lane_log[i].sequence == i);
        if (i > 0) CHECK(lane_log[i].sent >= lane_log[i - 1].done);
    }
}

}  // namespace

TEST_CASE("a slow lane goes in order on one slot while lane-0 arrivals keep their schedule") {
    std::vector<LaneArrival> arrivals;
    for (int i = 0; i < 5; ++i)
        arrivals.push_back({Nanos(i * 10ms), 1});  // every 10 ms, 50 ms each
    for (int i = 0; i < 40; ++i) arrivals.push_back({Nanos(i * 5ms), 0});
    std::stable_sort(arrivals.begin(), arrivals.end(),
                     [](const LaneArrival& a, const LaneArrival& b) { return a.at < b.at; });
    LoggingTarget target({{0, 2ms}, {1, 50ms}});
    const auto result = run_lanes(target, arrivals, 4);
    const auto log = target.log();
    REQUIRE(log.size() == 45);

    const auto slow = of_lane(log, 1);
    REQUIRE(slow.size() == 5);
    check_in_order_one_at_a_time(slow);
    for (const auto& sent : slow) CHECK(sent.slot == slow.front().slot);
    // Each went out as the one before it was answered, the fifth at 4 x 50 ms rather than at
    // its own 40 ms start.
    for (std::size_t i = 0; i < slow.size(); ++i) CHECK(slow[i].sent == 50ms * static_cast<int>(i));

    // Lane-0 arrivals were never held up behind the slow lane: each went out at 5 ms x k.
    const auto free = of_lane(log, 0);
    REQUIRE(free.size() == 40);
    for (std::size_t k = 0; k < free.size(); ++k) {
        CHECK(free[k].slot != slow.front().slot);
        CHECK(free[k].sent == 5ms * static_cast<int>(k));
        CHECK(free[k].done == free[k].sent + 2ms);
    }
    CHECK(result.totals.combined().outcomes[static_cast<std::size_t>(Outcome::ok)] == 45);
}

TEST_CASE("more lanes than slots: idle lanes give up their slot and every request goes out once") {
    std::vector<LaneArrival> arrivals;
    for (int i = 0; i < 60; ++i)
        arrivals.push_back({Nanos(i * 2ms), 1 + static_cast<std::uint64_t>(i % 6)});
    std::map<std::uint64_t, Nanos> delays;
    for (std::uint64_t lane = 1; lane <= 6; ++lane)
        delays[lane] = 3ms * lane;  // some lanes back up
    LoggingTarget target(delays);
    const auto result = run_lanes(target, arrivals, 2);
    const auto log = target.log();
    REQUIRE(log.size() == 60);
    for (std::uint64_t lane = 1; lane <= 6; ++lane) {
        const auto lane_log = of_lane(log, lane);
        REQUIRE(lane_log.size() == 10);
        check_in_order_one_at_a_time(lane_log);
    }
    CHECK(result.totals.combined().outcomes[static_cast<std::size_t>(Outcome::ok)] == 60);
}

TEST_CASE("a full queue drops a lane's oldest waiting arrival with its own request") {
    // One slot busy for 300 ms; 9 more arrivals of the lane while room is left for 2 waiting.
    std::vector<LaneArrival> arrivals;
    for (int i = 0; i < 10; ++i) arrivals.push_back({Nanos(i * 1ms), 7});
    LoggingTarget target({{7, 300ms}});
    const auto result = run_lanes(target, arrivals, 1, 3);
    const auto log = target.log();
    REQUIRE(log.size() == 3);
    CHECK(log[0].sequence == 0);
    CHECK(log[1].sequence == 8);  // the two newest arrivals kept their own records
    CHECK(log[2].sequence == 9);
    const auto totals = result.totals.combined();
    CHECK(totals.outcomes[static_cast<std::size_t>(Outcome::dropped)] == 7);
    CHECK(totals.outcomes[static_cast<std::size_t>(Outcome::ok)] == 3);
}
