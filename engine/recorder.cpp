#include "engine/recorder.hpp"

#include <algorithm>

namespace volley::engine {

void RequestStats::add(const RequestStats& other) {
    response_time.add(other.response_time);
    service_time.add(other.service_time);
    for (std::size_t i = 0; i < outcomes.size(); ++i) outcomes[i] += other.outcomes[i];
    for (std::size_t i = 0; i < served_by.size(); ++i) served_by[i] += other.served_by[i];
}

void RequestStats::reset() {
    response_time.reset();
    service_time.reset();
    outcomes.fill(0);
    served_by.fill(0);
}

std::uint64_t RequestStats::completed() const {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        if (is_answered(static_cast<Outcome>(i))) total += outcomes[i];
    }
    return total;
}

std::uint64_t RequestStats::errors() const {
    return completed() - outcomes[static_cast<std::size_t>(Outcome::ok)];
}

void FlowStats::add(const FlowStats& other) {
    duration.add(other.duration);
    started += other.started;
    completed += other.completed;
    failed += other.failed;
    dropped += other.dropped;
    interrupted += other.interrupted;
    unsent += other.unsent;
}

void FlowStats::reset() {
    duration.reset();
    started = completed = failed = dropped = interrupted = unsent = 0;
}

void IntervalStats::add(const IntervalStats& other) {
    if (per_request.size() < other.per_request.size()) per_request.resize(other.per_request.size());
    for (std::size_t i = 0; i < other.per_request.size(); ++i)
        per_request[i].add(other.per_request[i]);
    if (per_flow.size() < other.per_flow.size()) per_flow.resize(other.per_flow.size());
    for (std::size_t i = 0; i < other.per_flow.size(); ++i) per_flow[i].add(other.per_flow[i]);
    if (counters.size() < other.counters.size()) counters.resize(other.counters.size(), 0);
    for (std::size_t i = 0; i < other.counters.size(); ++i) counters[i] += other.counters[i];
    schedule_lag.add(other.schedule_lag);
    connection_wait.add(other.connection_wait);
    stream_wait.add(other.stream_wait);
    sent += other.sent;
    arrivals += other.arrivals;
    for (std::size_t i = 0; i < status_counts.size(); ++i)
        status_counts[i] += other.status_counts[i];
    for (const auto& sample : other.error_samples)
        note_error(sample.outcome, sample.detail, sample.count);
}

void IntervalStats::note_error(Outcome outcome, std::string_view detail, std::uint64_t count) {
    for (auto& sample : error_samples) {
        if (sample.outcome == outcome && sample.detail == detail) {
            sample.count += count;
            return;
        }
    }
    if (error_samples.size() < kErrorSampleLimit)
        error_samples.push_back({outcome, std::string(detail), count});
}

void IntervalStats::reset() {
    for (auto& stats : per_request) stats.reset();
    for (auto& stats : per_flow) stats.reset();
    std::fill(counters.begin(), counters.end(), 0);
    schedule_lag.reset();
    connection_wait.reset();
    stream_wait.reset();
    sent = 0;
    arrivals = 0;
    status_counts.fill(0);
    error_samples.clear();
}

RequestStats IntervalStats::combined() const {
    RequestStats all;
    for (const auto& stats : per_request) all.add(stats);
    return all;
}

}  // namespace volley::engine
