#include "engine/recorder.hpp"

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
        if (i != static_cast<std::size_t>(Outcome::dropped)) total += outcomes[i];
    }
    return total;
}

std::uint64_t RequestStats::errors() const {
    return completed() - outcomes[static_cast<std::size_t>(Outcome::ok)];
}

void IntervalStats::add(const IntervalStats& other) {
    if (per_request.size() < other.per_request.size()) per_request.resize(other.per_request.size());
    for (std::size_t i = 0; i < other.per_request.size(); ++i) per_request[i].add(other.per_request[i]);
    schedule_lag.add(other.schedule_lag);
    sent += other.sent;
}

void IntervalStats::reset() {
    for (auto& stats : per_request) stats.reset();
    schedule_lag.reset();
    sent = 0;
}

RequestStats IntervalStats::combined() const {
    RequestStats all;
    for (const auto& stats : per_request) all.add(stats);
    return all;
}

}  // namespace volley::engine
