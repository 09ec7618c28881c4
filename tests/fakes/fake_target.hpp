// A Target that answers after a programmable delay, for unit tests of the engine seam. It waits
// on the run's clock (SessionContext::clock): on a manual clock (fakes/manual_clock.hpp) every
// latency is an exact virtual duration, on the real clock a steady timer.
#pragma once

#include "engine/target.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace volley::testing {

// Decides each response: how long it takes and how it ends. Called on worker threads with the
// run time of the send (since the run's t0).
struct FakeResponse {
    engine::Nanos delay{0};
    engine::Outcome outcome = engine::Outcome::ok;
    engine::TierIndex tier = 0;
    std::uint16_t status = 0;  // HTTP status the completion carries (0: none)
    std::string detail{};      // error detail the completion carries
    // Completion::stream_wait: the part of `delay` spent waiting inside the target.
    std::optional<engine::Nanos> stream_wait{};
};
using FakeBehaviour = std::function<FakeResponse(engine::Nanos run_time)>;

class FakeTarget final : public engine::Target {
public:
    explicit FakeTarget(FakeBehaviour behaviour, bool tiers = false)
        : behaviour_(std::move(behaviour)), tiers_(tiers) {}

    std::unique_ptr<engine::TargetSession> open_session(
        const engine::SessionContext& context) override {
        return std::make_unique<Session>(*this, context);
    }
    [[nodiscard]] bool reports_tiers() const override { return tiers_; }
    std::atomic<std::uint64_t> sent{0};

private:
    class Session final : public engine::TargetSession {
    public:
        Session(FakeTarget& target, const engine::SessionContext& context)
            : target_(target), sink_(context.sink), clock_(*context.clock) {
            for (std::size_t i = 0; i < context.slots; ++i)
                timers_.push_back(clock_.make_timer(context.io));
        }
        [[nodiscard]] std::size_t slot_count() const override { return timers_.size(); }
        void send(std::size_t slot, const engine::PreparedRequest&) override {
            target_.sent.fetch_add(1, std::memory_order_relaxed);
            const FakeResponse response = target_.behaviour_(clock_.now());
            auto& timer = *timers_[slot];
            timer.expires_at(clock_.clock().now() + response.delay);
            timer.async_wait([this, slot, response](bool expired) {
                if (!expired) return;
                engine::Completion completion{response.outcome, response.tier, response.status,
                                              response.detail};
                completion.stream_wait = response.stream_wait;
                sink_.on_complete(slot, completion);
            });
        }
        void abort_all() override {
            for (std::size_t slot = 0; slot < timers_.size(); ++slot) {
                if (timers_[slot]->cancel() > 0)
                    sink_.on_complete(slot, engine::Completion{engine::Outcome::cancelled, 0});
            }
        }

    private:
        FakeTarget& target_;
        engine::CompletionSink& sink_;
        const engine::RunClock& clock_;
        std::vector<std::unique_ptr<engine::Timer>> timers_;
    };

    FakeBehaviour behaviour_;
    bool tiers_;
};

// A RequestSource that sends the same request forever (or `limit` times), cycling names.
class StaticSource final : public engine::RequestSource {
public:
    explicit StaticSource(std::uint32_t names = 1, std::uint64_t limit = UINT64_MAX)
        : names_(names), limit_(limit) {}
    bool next(engine::PreparedRequest& out) override {
        if (produced_ >= limit_) return false;
        out = engine::PreparedRequest{};
        out.name_index = static_cast<std::uint32_t>(produced_ % names_);
        out.method = "GET";
        out.target = "/";
        out.static_key = out.name_index + 1;
        ++produced_;
        return true;
    }

private:
    std::uint32_t names_;
    std::uint64_t limit_;
    std::uint64_t produced_ = 0;
};

}  // namespace volley::testing
