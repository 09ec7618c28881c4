// Statistics one worker records during one interval, and their merge (docs/architecture.md
// "Engine", intervals).
#pragma once

#include "engine/clock.hpp"
#include "engine/hdr_histogram.hpp"
#include "engine/outcome.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace volley::engine {

// Everything recorded for one named request (or for all requests together).
struct RequestStats {
    HdrHistogram response_time = HdrHistogram::latency_ns();  // completion - intended start, ns
    HdrHistogram service_time = HdrHistogram::latency_ns();   // completion - actual send, ns
    OutcomeCounts outcomes{};                           // includes `dropped`, `cancelled`, `unsent`
    std::array<std::uint64_t, kTierSlots> served_by{};  // [0] = no tier reported

    void add(const RequestStats& other);
    void reset();
    [[nodiscard]] std::uint64_t completed()
        const;  // answered: every outcome but dropped, cancelled and unsent
    [[nodiscard]] std::uint64_t errors() const;  // completed minus ok
};

// One kind of multi-step flow (a journey, docs/scenarios.md "journeys"): how many began and how
// they ended, and how long the finished ones took (first intended start -> last completion).
struct FlowStats {
    HdrHistogram duration = HdrHistogram::latency_ns();  // completed and failed flows, ns
    std::uint64_t started = 0;                           // began: their first request was sent
    std::uint64_t completed = 0;                         // every step ran and ended ok
    std::uint64_t failed = 0;   // ended early: a step's outcome was not ok, or the source said so
    std::uint64_t dropped = 0;  // never began: the arrival found no slot and no queue room
    std::uint64_t interrupted = 0;  // cut off unfinished when the run stopped at once
    std::uint64_t unsent = 0;       // never began: still queued for a connection when the run ended

    void add(const FlowStats& other);
    void reset();
};

// One distinct error message and how often it was seen (IntervalStats::error_samples).
struct ErrorSample {
    Outcome outcome = Outcome::ok;
    std::string detail;
    std::uint64_t count = 0;
};

// Statuses 100..599 are counted one by one; anything else lands in slot 0.
inline constexpr std::size_t kStatusSlots = 600;
// How many distinct error messages an interval (and the run) keeps; later ones are only counted.
inline constexpr std::size_t kErrorSampleLimit = 8;

// How many requests, flows and counters an IntervalStats holds (RunSpec's names).
struct StatsShape {
    std::size_t requests = 0, flows = 0, counters = 0;
};

// One interval of one worker (or, after merging, of the run).
struct IntervalStats {
    explicit IntervalStats(const StatsShape& shape)
        : IntervalStats(shape.requests, shape.flows, shape.counters) {}
    explicit IntervalStats(std::size_t request_count = 0, std::size_t flow_count = 0,
                           std::size_t counter_count = 0)
        : per_request(request_count), per_flow(flow_count), counters(counter_count) {}

    std::vector<RequestStats> per_request;
    std::vector<FlowStats> per_flow;  // per flow (journey) index, RunSpec::flow_names
    // Counts a request source keeps (checks passed / failed, extraction errors), by the index
    // of RunSpec::counter_names.
    std::vector<std::uint64_t> counters;
    // The generator's own lateness: when the worker got to the arrival - intended start, ns.
    HdrHistogram schedule_lag = HdrHistogram::latency_ns();
    // Time a sent request waited for a free connection (slot): actual send - when the worker got
    // to it, ns; 0 for a request that found a free slot at once. One value per sent request.
    HdrHistogram connection_wait = HdrHistogram::latency_ns();
    // Time an answered request waited inside the target for a free stream (HTTP/2: the peer's
    // SETTINGS_MAX_CONCURRENT_STREAMS, max_streams, a connection being set up), ns: from send()
    // to the stream that carried it opening (Completion::stream_wait). Only targets that queue
    // requests report it; empty otherwise.
    HdrHistogram stream_wait = HdrHistogram::latency_ns();
    std::uint64_t sent = 0;  // requests handed to the target
    // Answered requests that began an arrival of the schedule: a plain request, or a journey's
    // first step (not its later steps). What a rate target is compared with; without journeys
    // it equals the answered requests.
    std::uint64_t arrivals = 0;
    std::array<std::uint64_t, kStatusSlots> status_counts{};  // answered requests by HTTP status
    std::vector<ErrorSample> error_samples;                   // first distinct error messages

    void add(const IntervalStats& other);
    void reset();
    // Counts `count` errors with this message: a new distinct (outcome, detail) is kept while
    // fewer than kErrorSampleLimit are. Allocates only for a new message.
    void note_error(Outcome outcome, std::string_view detail, std::uint64_t count);
    // All requests together.
    [[nodiscard]] RequestStats combined() const;
};

// The hot-path recording calls of a worker. Single-threaded; no allocation.
class Recorder {
public:
    explicit Recorder(IntervalStats& active) : active_(&active) {}
    void switch_to(IntervalStats& active) { active_ = &active; }
    [[nodiscard]] IntervalStats& active() { return *active_; }

    void record_sent(Nanos schedule_lag, Nanos connection_wait) {
        active_->schedule_lag.record(schedule_lag.count());
        active_->connection_wait.record(connection_wait.count());
        ++active_->sent;
    }
    // An answered request (or an error such as a timeout): in the histograms and the counts.
    void record_completion(std::uint32_t name_index, Outcome outcome, TierIndex tier,
                           Nanos response_time, Nanos service_time, std::uint16_t status = 0,
                           std::string_view error_detail = {}) {
        auto& stats = active_->per_request[name_index];
        stats.response_time.record(response_time.count());
        stats.service_time.record(service_time.count());
        ++stats.outcomes[static_cast<std::size_t>(outcome)];
        ++stats.served_by[tier < kTierSlots ? tier : 0];
        ++active_->status_counts[status < kStatusSlots ? status : 0];
        if (outcome != Outcome::ok) active_->note_error(outcome, error_detail, 1);
    }
    // The wait inside the target before the request's stream opened (IntervalStats::stream_wait).
    void record_stream_wait(Nanos wait) { active_->stream_wait.record(wait.count()); }
    // The answered request began an arrival (IntervalStats::arrivals).
    void record_arrival() { ++active_->arrivals; }
    // A request abandoned unanswered (stopped at once): counted, in no histogram.
    void record_cancelled(std::uint32_t name_index) {
        ++active_->per_request[name_index].outcomes[static_cast<std::size_t>(Outcome::cancelled)];
    }
    // An arrival that found no free connection and no room in the queue (the in-flight limit).
    void record_dropped(std::uint32_t name_index) {
        ++active_->per_request[name_index].outcomes[static_cast<std::size_t>(Outcome::dropped)];
    }
    // An arrival still queued for a connection when the run ended: never sent.
    void record_unsent(std::uint32_t name_index) {
        ++active_->per_request[name_index].outcomes[static_cast<std::size_t>(Outcome::unsent)];
    }
    // Flows (journeys): an index out of range is ignored (a source/spec mismatch must not crash).
    void record_flow_started(std::uint32_t flow) {
        if (flow < active_->per_flow.size()) ++active_->per_flow[flow].started;
    }
    void record_flow_dropped(std::uint32_t flow) {
        if (flow < active_->per_flow.size()) ++active_->per_flow[flow].dropped;
    }
    void record_flow_unsent(std::uint32_t flow) {
        if (flow < active_->per_flow.size()) ++active_->per_flow[flow].unsent;
    }
    void record_flow_interrupted(std::uint32_t flow) {
        if (flow < active_->per_flow.size()) ++active_->per_flow[flow].interrupted;
    }
    void record_flow_end(std::uint32_t flow, bool ok, Nanos duration) {
        if (flow >= active_->per_flow.size()) return;
        auto& stats = active_->per_flow[flow];
        stats.duration.record(duration.count());
        ++(ok ? stats.completed : stats.failed);
    }
    void count(std::size_t counter, std::uint64_t amount = 1) {
        if (counter < active_->counters.size()) active_->counters[counter] += amount;
    }

private:
    IntervalStats* active_;
};

}  // namespace volley::engine
