// Load profiles and the arrival schedules derived from them (docs/architecture.md "Engine").
#pragma once

#include "engine/clock.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <vector>

namespace volley::engine {

// One segment of a load profile: over `duration` the target moves linearly from the previous
// stage's value (or the profile's start value) to `target`. Rates are requests/second.
// Rates change linearly over a stage from the previous stage's target; a stage of zero
// duration is a step (the next stage starts at its target).
struct Stage {
    Nanos duration{0};
    double target_rps = 0;
};

enum class Arrival { uniform, poisson };

// Open model: requests arrive at a rate that follows the stages.
// The highest rate a load profile may ask for, requests per second for the whole run: 10,000,000/s,
// one arrival every 100 ns. Why this figure: the cheapest thing a worker can do with an arrival
// (drop it at the in-flight limit, nothing sent) costs it about 35 ns — a 1 s run at 1e8/s took
// 3.6 s in issue 17 — and a request it actually sends costs about a microsecond, so even many
// worker threads send a few million a second at most. A higher rate can only be generator-bound
// (and above 1e9/s arrivals no longer fit the schedule's nanosecond spacing at all), so the
// scenario language refuses it up front (docs/scenarios.md "load") and engine::run refuses a
// profile that asks for it.
inline constexpr double kMaxRateRps = 10'000'000;

struct OpenProfile {
    double start_rps = 0;
    std::vector<Stage> stages;
    Arrival arrival = Arrival::uniform;
};

enum class ThinkKind { none, constant, uniform, exponential };
// Time a virtual user waits between a response and its next request.
struct ThinkTime {
    ThinkKind kind = ThinkKind::none;
    Nanos min{0};   // constant: the value; uniform: lower bound
    Nanos max{0};   // uniform: upper bound
    Nanos mean{0};  // exponential: mean
};

// Closed model: `vus` users loop send -> response -> think. With pacing > 0 each user has
// intended starts every `pacing` and response time is measured from them.
struct ClosedProfile {
    std::size_t vus = 1;
    Nanos duration{0};
    ThinkTime think;
    Nanos pacing{0};
};

[[nodiscard]] Nanos total_duration(const OpenProfile& profile);
// Expected number of arrivals in [0, duration) of the profile (the integral of the rate).
[[nodiscard]] double expected_requests(const OpenProfile& profile);
// Expected requests / profile length: the run's mean target rate; 0 without stages.
[[nodiscard]] double mean_target_rps(const OpenProfile& profile);
// Expected number of arrivals in [from, to) of the profile (run time; the integral of the rate).
[[nodiscard]] double expected_requests_between(const OpenProfile& profile, Nanos from, Nanos to);
// The profile a run with a warm-up plays: the warm-up first, as a constant stage at the starting
// rate (the first stage's target when the profile starts from 0), then the profile's stages.
[[nodiscard]] OpenProfile with_warmup(const OpenProfile& profile, Nanos warmup);
// Mean target rate of the recorded window [warmup, warmup + total_duration) of the played
// profile: what the run's "% of target" compares with.
[[nodiscard]] double recorded_target_rps(const OpenProfile& profile, Nanos warmup);
// Target rate at run time t (linear within a stage); 0 after the last stage.
[[nodiscard]] double target_rps_at(const OpenProfile& profile, Nanos t);

// Intended start times of one share of an open-model run, in increasing order. Shares split
// the arrivals of the whole profile: share i of n takes arrivals i, i+n, i+2n… of the global
// sequence, so n shares together send exactly what one would (docs/distributed.md "Segments").
// `uniform`: global arrival k is due when the profile's expected count reaches k. `poisson`: one
// global Poisson sequence from the seed alone (arrival k when the expected count reaches the
// sum of k+1 unit exponentials); every share draws the whole sequence and keeps its own
// arrivals, so each share costs one draw per global arrival and allocates nothing.
class Schedule {
public:
    virtual ~Schedule() = default;
    // The next intended start (run time), or nullopt when the schedule is exhausted.
    virtual std::optional<Nanos> next() = 0;
    // The lane of the arrival next() returned last. Arrivals of one non-zero lane are sent in
    // order, one at a time, on one slot (a replayed client connection); 0 = any free slot.
    [[nodiscard]] virtual std::uint64_t lane() const { return 0; }
};

class ProfileSchedule final : public Schedule {
public:
    ProfileSchedule(const OpenProfile& profile, std::size_t share_index, std::size_t share_count,
                    std::uint64_t seed);
    std::optional<Nanos> next() override;

private:
    // Run time at which the cumulative expected arrival count reaches `arrivals`, or nullopt
    // past the end of the profile.
    [[nodiscard]] std::optional<Nanos> time_of_cumulative(double arrivals) const;

    struct Segment {
        double start_s, duration_s, from_rps, to_rps, cumulative_before;
    };
    std::vector<Segment> segments_;
    Arrival arrival_;
    std::size_t share_index_;
    std::size_t share_count_;
    // A unit exponential from rng_: -log(1 - u), u uniform in [0, 1) from 53 bits of one draw
    // (the same numbers on every platform, unlike std::exponential_distribution).
    double unit_exponential();

    // The expected-count position of this share's next arrival: global arrival k itself
    // (uniform) or the sum of k+1 unit exponentials (poisson).
    double next_arrival_ = 0;
    std::mt19937_64 rng_;  // poisson: the global sequence's draws, seeded by the run seed only
};

}  // namespace volley::engine
