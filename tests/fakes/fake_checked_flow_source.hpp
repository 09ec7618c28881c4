// A RequestSource whose every arrival is a 3-step flow (journey 0) with a check and an
// extraction on step 2, for tests of the journey reports and thresholds. Every `bad_every`-th
// journey (the 1st, the (bad_every+1)-th, … counting from 1) gets a "bad" step 2: its check
// fails, its extraction fails (counted) and the journey ends failed there, as a journey whose
// extracted value is missing does (docs/scenarios.md "journeys"). bad_every = 0: none is bad.
#pragma once

#include "engine/target.hpp"
#include "fakes/fake_flow_source.hpp"

#include <cstdint>
#include <vector>

namespace volley::testing {

class FakeCheckedFlowSource final : public engine::RequestSource {
public:
    // Counter indices (RunSpec::counter_names order).
    static constexpr std::size_t kCheckPass = 0, kCheckFail = 1, kExtractError = 2;
    static constexpr std::uint32_t kSteps = 3;
    static constexpr std::uint32_t kCheckedStep = 1;

    FakeCheckedFlowSource(engine::Nanos think, std::uint64_t bad_every)
        : think_(think), bad_every_(bad_every) {}

    bool next(engine::PreparedRequest& out) override {
        fill(out, 0);
        return true;
    }
    bool begin(std::size_t slot, engine::PreparedRequest& out) override {
        if (slots_.size() <= slot) slots_.resize(slot + 1);
        slots_[slot] = {0, bad_every_ > 0 && journeys_++ % bad_every_ == 0};
        fill(out, 0);
        return true;
    }
    engine::FlowDecision after_completion(std::size_t slot, const engine::Completion& completion,
                                          engine::SourceCounters& counters) override {
        auto& state = slots_[slot];
        if (completion.outcome != engine::Outcome::ok)
            return {engine::FlowDecision::Next::end_failed, {}};
        if (state.step == kCheckedStep) {
            counters.count(state.bad ? kCheckFail : kCheckPass);
            if (state.bad) {
                counters.count(kExtractError);
                return {engine::FlowDecision::Next::end_failed, {}};
            }
        }
        if (state.step + 1 >= kSteps) return {engine::FlowDecision::Next::end_ok, {}};
        ++state.step;
        return {engine::FlowDecision::Next::step, think_};
    }
    bool next_step(std::size_t slot, engine::PreparedRequest& out) override {
        fill(out, slots_[slot].step);
        return true;
    }

private:
    struct SlotState {
        std::uint32_t step = 0;
        bool bad = false;
    };
    static void fill(engine::PreparedRequest& out, std::uint32_t step) {
        fill_flow_step(out, step);
    }

    engine::Nanos think_;
    std::uint64_t bad_every_;
    std::uint64_t journeys_ = 0;
    std::vector<SlotState> slots_;
};

}  // namespace volley::testing
