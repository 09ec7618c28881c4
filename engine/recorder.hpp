// Statistics one worker records during one interval, and their merge (design §3 intervals).
#pragma once

#include "engine/clock.hpp"
#include "engine/hdr_histogram.hpp"
#include "engine/outcome.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace volley::engine {

// Everything recorded for one named request (or for all requests together).
struct RequestStats {
    HdrHistogram response_time = HdrHistogram::latency_ns();  // completion - intended start, ns
    HdrHistogram service_time = HdrHistogram::latency_ns();   // completion - actual send, ns
    OutcomeCounts outcomes{};                                  // includes `dropped`
    std::array<std::uint64_t, kTierSlots> served_by{};        // [0] = no tier reported

    void add(const RequestStats& other);
    void reset();
    [[nodiscard]] std::uint64_t completed() const;  // every outcome but dropped
    [[nodiscard]] std::uint64_t errors() const;     // completed minus ok
};

// One interval of one worker (or, after merging, of the run).
struct IntervalStats {
    explicit IntervalStats(std::size_t request_count = 0) : per_request(request_count) {}

    std::vector<RequestStats> per_request;
    HdrHistogram schedule_lag = HdrHistogram::latency_ns();  // actual send - intended start, ns
    std::uint64_t sent = 0;                                  // requests handed to the target

    void add(const IntervalStats& other);
    void reset();
    // All requests together.
    [[nodiscard]] RequestStats combined() const;
};

// The hot-path recording calls of a worker. Single-threaded; no allocation.
class Recorder {
public:
    explicit Recorder(IntervalStats& active) : active_(&active) {}
    void switch_to(IntervalStats& active) { active_ = &active; }
    [[nodiscard]] IntervalStats& active() { return *active_; }

    void record_sent(Nanos schedule_lag) {
        active_->schedule_lag.record(schedule_lag.count());
        ++active_->sent;
    }
    void record_completion(std::uint32_t name_index, Outcome outcome, TierIndex tier,
                           Nanos response_time, Nanos service_time) {
        auto& stats = active_->per_request[name_index];
        stats.response_time.record(response_time.count());
        stats.service_time.record(service_time.count());
        ++stats.outcomes[static_cast<std::size_t>(outcome)];
        ++stats.served_by[tier < kTierSlots ? tier : 0];
    }
    void record_dropped(std::uint32_t name_index) {
        ++active_->per_request[name_index].outcomes[static_cast<std::size_t>(Outcome::dropped)];
    }

private:
    IntervalStats* active_;
};

}  // namespace volley::engine
