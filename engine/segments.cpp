#include "engine/segments.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace volley::engine {
namespace {

std::size_t segment_count(const SegmentSpec& segment) {
    return std::max<std::size_t>(1, segment.count);
}

}  // namespace

Share worker_share(const SegmentSpec& segment, std::size_t worker, std::size_t workers) {
    const std::size_t n = segment_count(segment);
    return {segment.index + n * worker, n * std::max<std::size_t>(1, workers)};
}

std::size_t segment_vus(std::size_t vus, const SegmentSpec& segment) {
    const std::size_t n = segment_count(segment);
    return vus / n + (segment.index < vus % n ? 1 : 0);
}

double segment_fraction(const SegmentSpec& segment) {
    return 1.0 / static_cast<double>(segment_count(segment));
}

std::size_t worker_count(const RunSpec& spec) {
    const std::size_t threads = std::max<std::size_t>(1, spec.threads);
    if (const auto* closed = std::get_if<ClosedProfile>(&spec.profile))
        return std::max<std::size_t>(1, std::min(threads, segment_vus(closed->vus, spec.segment)));
    return std::min(threads, std::max<std::size_t>(1, spec.connections));
}

std::unique_ptr<Schedule> worker_schedule(const RunSpec& spec, const ScheduleFactory& make_schedule,
                                          std::size_t worker, std::size_t workers) {
    const Share share = worker_share(spec.segment, worker, workers);
    if (make_schedule) return make_schedule(share.index, share.count);
    return std::make_unique<ProfileSchedule>(
        with_warmup(std::get<OpenProfile>(spec.profile), spec.warmup), share.index, share.count,
        spec.seed);
}

void for_each_segment_arrival(const RunSpec& spec, const ScheduleFactory& make_schedule,
                              const std::function<void(const ScheduledArrival&)>& each) {
    const auto* open = std::get_if<OpenProfile>(&spec.profile);
    if (open == nullptr)
        throw std::invalid_argument("a closed-model run has no arrival schedule (it runs VUs)");
    // The run stops scheduling at its planned end (runner.cpp's end timer); a custom schedule
    // without a profile (a replay) runs until it is exhausted.
    const Nanos length = total_duration(*open);
    const Nanos end = length.count() > 0 ? spec.warmup + length : Nanos::max();
    struct Head {
        std::unique_ptr<Schedule> schedule;
        std::optional<ScheduledArrival> next;
    };
    const std::size_t workers = worker_count(spec);
    std::vector<Head> heads(workers);
    const auto advance = [&end](Head& head) {
        const auto at = head.schedule->next();
        if (at && *at < end)
            head.next = ScheduledArrival{*at, head.schedule->lane()};
        else
            head.next.reset();
    };
    for (std::size_t worker = 0; worker < workers; ++worker) {
        heads[worker].schedule = worker_schedule(spec, make_schedule, worker, workers);
        advance(heads[worker]);
    }
    while (true) {
        Head* earliest = nullptr;
        for (auto& head : heads) {
            if (head.next && (earliest == nullptr || *head.next < *earliest->next))
                earliest = &head;
        }
        if (earliest == nullptr) return;
        each(*earliest->next);
        advance(*earliest);
    }
}

void require_segment_vus(const RunSpec& spec) {
    const auto& closed = std::get<ClosedProfile>(spec.profile);
    if (segment_vus(closed.vus, spec.segment) > 0) return;
    const std::size_t n = segment_count(spec.segment);
    throw std::invalid_argument(
        "the closed model's " + std::to_string(closed.vus) + " VUs cannot fill " +
        std::to_string(n) + " segments: segment " + std::to_string(spec.segment.index) +
        " would have none; use at most " + std::to_string(closed.vus) + " segments");
}

std::vector<std::size_t> segment_vu_indexes(const RunSpec& spec) {
    require_segment_vus(spec);
    const auto& closed = std::get<ClosedProfile>(spec.profile);
    std::vector<std::size_t> out;
    for (std::size_t k = spec.segment.index; k < closed.vus; k += segment_count(spec.segment))
        out.push_back(k);
    return out;
}

std::uint64_t write_segment_schedule(std::ostream& out, const RunSpec& spec,
                                     const ScheduleFactory& make_schedule) {
    const std::size_t n = segment_count(spec.segment);
    out << "# volley schedule: segment " << spec.segment.index << "/" << n << "\n";
    std::uint64_t written = 0;
    if (std::holds_alternative<ClosedProfile>(spec.profile)) {
        out << "# closed model: the global indexes of the VUs this segment runs\n";
        for (const std::size_t vu : segment_vu_indexes(spec)) {
            out << "vu " << vu << "\n";
            ++written;
        }
        return written;
    }
    out << "# open model: intended start (run time ns, 0 = start of warm-up) and lane\n";
    for_each_segment_arrival(spec, make_schedule, [&](const ScheduledArrival& arrival) {
        out << arrival.at.count() << ' ' << arrival.lane << '\n';
        ++written;
    });
    out << "# arrivals: " << written << "\n";
    return written;
}

}  // namespace volley::engine
