// A RequestSource whose every arrival is a flow (a journey) of `steps` requests with a fixed
// think time between them, for unit tests of the engine's flow handling. Request name i is step
// i; counter 0 counts every completion the source judged.
#pragma once

#include "engine/target.hpp"

#include <cstdint>
#include <vector>

namespace volley::testing {

// Step `step` of flow 0 of the fake flow sources: GET /, named by the step.
inline void fill_flow_step(engine::PreparedRequest& out, std::uint32_t step) {
    out = engine::PreparedRequest{};
    out.name_index = step;
    out.method = "GET";
    out.target = "/";
    out.flow = 0;
}

class FakeFlowSource final : public engine::RequestSource {
public:
    // `fail_after_step`: the flow ends failed after this step (0-based); -1 never.
    FakeFlowSource(std::uint32_t steps, engine::Nanos think, int fail_after_step = -1)
        : steps_(steps), think_(think), fail_after_step_(fail_after_step) {}

    bool next(engine::PreparedRequest& out) override {
        fill(out, 0);
        return true;
    }
    bool begin(std::size_t slot, engine::PreparedRequest& out) override {
        if (step_of_.size() <= slot) step_of_.resize(slot + 1, 0);
        step_of_[slot] = 0;
        fill(out, 0);
        return true;
    }
    engine::FlowDecision after_completion(std::size_t slot, const engine::Completion& completion,
                                          engine::SourceCounters& counters) override {
        counters.count(0);
        const std::uint32_t step = step_of_[slot];
        if (completion.outcome != engine::Outcome::ok || static_cast<int>(step) == fail_after_step_)
            return {engine::FlowDecision::Next::end_failed, {}};
        if (step + 1 >= steps_) return {engine::FlowDecision::Next::end_ok, {}};
        step_of_[slot] = step + 1;
        return {engine::FlowDecision::Next::step, think_};
    }
    bool next_step(std::size_t slot, engine::PreparedRequest& out) override {
        fill(out, step_of_[slot]);
        return true;
    }

private:
    static void fill(engine::PreparedRequest& out, std::uint32_t step) {
        fill_flow_step(out, step);
    }

    std::uint32_t steps_;
    engine::Nanos think_;
    int fail_after_step_;
    std::vector<std::uint32_t> step_of_;
};

}  // namespace volley::testing
