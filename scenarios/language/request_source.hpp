// The request source built from a Plan (docs/architecture.md "Seams"): the weighted mix of
// requests and journeys, with `${...}` templates rendered per request into reused buffers.
#pragma once

#include "engine/target.hpp"
#include "scenarios/language/compiled_template.hpp"
#include "scenarios/language/feeders.hpp"
#include "scenarios/language/plan.hpp"
#include "scenarios/language/random.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace volley::scenarios {

class JourneyRunner;

// One worker's source. Requests and journeys are drawn by weight from a stream seeded with
// plan.run.seed ^ worker_index; each request draws every variable it uses once (a variable used
// twice in one request renders the same value). Requests without templates get
// static_key = request index + 1 and views into bytes that never change. Every value is encoded
// for its position (templates.hpp Position) as it is rendered. After warm-up, next() does not
// allocate unless a value is longer than every earlier one. Journeys (journey_runner.hpp) run
// through begin / after_completion / next_step.
//
// Time (requests[].during): begin_at/next_at draw only among the entries active at the
// arrival's intended start, by their weights; warm-up arrivals draw as at the profile's start,
// arrivals after its end as at its last instant, and begin()/next() (no time given) as at its
// start. Without any `during` every entry is active at every instant and the draws are those
// of a mix without time.
struct MixPhase {
    Nanos from{0};                       // profile time this phase starts at
    std::vector<double> cumulative;      // cumulative weights of `entries`
    std::vector<std::uint32_t> entries;  // indices: mix requests, then journeys
};

class TemplatedRequestSource final : public engine::RequestSource {
public:
    // Throws std::invalid_argument for templates the plan's validation would have refused and
    // for ${env:NAME} unset without default.
    TemplatedRequestSource(const Plan& plan, std::size_t worker_index, std::size_t worker_count);
    ~TemplatedRequestSource() override;

    bool next(engine::PreparedRequest& out) override;
    bool begin(std::size_t slot, engine::PreparedRequest& out) override;
    bool next_at(Nanos intended, engine::PreparedRequest& out) override;
    bool begin_at(std::size_t slot, Nanos intended, engine::PreparedRequest& out) override;
    engine::FlowDecision after_completion(std::size_t slot, const engine::Completion& completion,
                                          engine::SourceCounters& counters) override;
    bool next_step(std::size_t slot, engine::PreparedRequest& out) override;

    // Why next() returned false (a csv `unique` feeder ran out), empty until then.
    [[nodiscard]] const std::string& exhausted_reason() const { return exhausted_reason_; }
    [[nodiscard]] std::string why_exhausted() const override { return exhausted_reason_; }

private:
    // Draws a request or a journey (`slot`: where a journey starts; none for a dropped arrival).
    bool draw(std::optional<std::size_t> slot, Nanos intended, engine::PreparedRequest& out);
    std::size_t pick(Nanos intended);

    std::vector<std::unique_ptr<Feeder>> feeders_;  // one per plan variable
    std::vector<CompiledRequest> requests_;         // the mix's own requests
    std::vector<MixPhase> phases_;                  // by `from`; phases_[0].from == 0
    Nanos warmup_{0};                               // run time of the profile's start
    Random random_;
    RenderedRequest rendered_;
    std::string exhausted_reason_;
    std::unique_ptr<JourneyRunner> journeys_;  // null without journeys
};

// The source for worker `worker_index` of `worker_count` (what RunInputs::make_source returns).
[[nodiscard]] std::unique_ptr<engine::RequestSource> make_request_source(const Plan& plan,
                                                                         std::size_t worker_index,
                                                                         std::size_t worker_count);

}  // namespace volley::scenarios
