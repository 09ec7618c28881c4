// Journeys at run time (docs/scenarios.md "journeys"): one worker's journeys, their per-slot
// state (variables, cookie jar, step position) and what happens after each step's response:
// cookies stored, checks counted, values extracted, the next step chosen. Used by
// TemplatedRequestSource on the worker's thread only.
#pragma once

#include "engine/target.hpp"
#include "scenarios/language/compiled_template.hpp"
#include "scenarios/language/cookie_jar.hpp"
#include "scenarios/language/feeders.hpp"
#include "scenarios/language/json_path.hpp"
#include "scenarios/language/plan.hpp"
#include "scenarios/language/random.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace volley::scenarios {

class JourneyRunner {
public:
    using WallClock = std::function<std::chrono::system_clock::time_point()>;

    // Compiles every journey of `plan` against `feeders` (owned by the caller, outliving this).
    // The closed model keeps a slot's (VU's) variables, `once` marks and cookies from one journey
    // to the next; the open model starts every journey fresh. `wall_clock` dates cookies
    // (expiry); the default reads the system clock. Throws std::invalid_argument like
    // TemplatedRequestSource.
    JourneyRunner(const Plan& plan, const std::vector<std::unique_ptr<Feeder>>& feeders,
                  std::uint64_t seed, WallClock wall_clock = {});
    ~JourneyRunner();
    JourneyRunner(const JourneyRunner&) = delete;
    JourneyRunner& operator=(const JourneyRunner&) = delete;

    // Starts `journey` on `slot` and renders its first step into `out`. False when a feeder ran
    // out (`exhausted_reason` says why).
    bool start(std::size_t slot, std::size_t journey, engine::PreparedRequest& out,
               std::string& exhausted_reason);
    // Names only (request and flow of the first step), for an arrival that is dropped.
    bool first_request(std::size_t journey, engine::PreparedRequest& out);
    engine::FlowDecision after_completion(std::size_t slot, const engine::Completion& completion,
                                          engine::SourceCounters& counters);
    // Renders the slot's current step; false when an extracted value cannot be placed.
    bool next_step(std::size_t slot, engine::PreparedRequest& out);

private:
    struct CompiledCheck;
    struct CompiledExtract;
    struct CompiledStep;
    struct CompiledJourney;
    struct Memory;
    struct SlotState;

    SlotState& slot_state(std::size_t slot);
    [[nodiscard]] std::optional<std::size_t> runnable_from(const SlotState& state,
                                                           std::size_t from) const;
    bool render_step(SlotState& state, engine::PreparedRequest& out);
    engine::Nanos think_time(const engine::ThinkTime& think);

    const std::vector<std::unique_ptr<Feeder>>& feeders_;
    std::vector<CompiledJourney> journeys_;
    std::vector<SlotState> slots_;
    bool keep_state_ = false;  // closed model
    std::string host_;         // the target's host, for cookies
    std::string path_prefix_;  // the base URL's path
    bool secure_ = false;      // https
    Random random_;
    WallClock wall_clock_;
    JsonExtractor json_;
    RenderedRequest rendered_;
    std::string scratch_, auth_buffer_;
};

}  // namespace volley::scenarios
