// How a segment of a distributed run takes its part of the unsplit run (docs/distributed.md
// "Segments"): the share each worker plays, the closed model's VUs, the segment's part of the
// target rate, and the segment's intended arrivals without running anything (--dump-schedule).
#pragma once

#include "engine/runner.hpp"
#include "engine/schedule.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>

namespace volley::engine {

// One worker's part of the global arrival sequence: arrivals k with k mod count == index.
struct Share {
    std::size_t index = 0;
    std::size_t count = 1;
};

// Worker `worker` of `workers` in `segment` (i of n) plays share i + n*worker of n*workers: the
// shares of every worker of every segment partition the global sequence, and a segment's
// workers together take exactly the arrivals k ≡ i (mod n). The same share picks the worker's
// feeder items and replay records (RunInputs::make_source / make_schedule receive it).
[[nodiscard]] Share worker_share(const SegmentSpec& segment, std::size_t worker,
                                 std::size_t workers);

// Closed model: the VUs k < vus with k mod n == i that the segment runs (counts of the segments
// differ by at most one). The VU in slot s of the worker with share {index, count} is global VU
// index + count * s (the same rule as arrivals), so per-VU randomness keyed by it is the same
// whether the run is split or not.
[[nodiscard]] std::size_t segment_vus(std::size_t vus, const SegmentSpec& segment);

// The segment's part of the global target: it takes every n-th arrival, so its expected count
// (and rate) is the global one / n; its actual count is within one of that. 1 for an unsplit
// run.
[[nodiscard]] double segment_fraction(const SegmentSpec& segment);

// The number of workers a run of `spec` uses: RunSpec::threads (at least 1), at most one per
// connection (open model) or per segment VU (closed model).
[[nodiscard]] std::size_t worker_count(const RunSpec& spec);

// RunInputs::make_schedule's type: (share index, share count) -> the worker's timeline.
using ScheduleFactory = std::function<std::unique_ptr<Schedule>(std::size_t, std::size_t)>;

// The arrival schedule of worker `worker` of `workers` of an open-model run: `make_schedule`'s
// (replay) when given, else the profile (with its warm-up) at the worker's share.
[[nodiscard]] std::unique_ptr<Schedule> worker_schedule(const RunSpec& spec,
                                                        const ScheduleFactory& make_schedule,
                                                        std::size_t worker, std::size_t workers);

struct ScheduledArrival {
    Nanos at{0};             // intended start, run time (0 = start of warm-up)
    std::uint64_t lane = 0;  // Schedule::lane()
    friend bool operator==(const ScheduledArrival&, const ScheduledArrival&) = default;
    // By time, then lane (a defaulted <=> would do, but clang-tidy misreads its expansion).
    friend bool operator<(const ScheduledArrival& a, const ScheduledArrival& b) {
        return a.at != b.at ? a.at < b.at : a.lane < b.lane;
    }
};

// Calls `each` for every intended arrival the segment RunSpec::segment of an open-model run
// would schedule, in (time, lane) order, merging its workers' schedules as the run would build
// them. A profile of known length stops at its end (warm-up + profile), as the run does.
// Throws std::invalid_argument for a closed-model spec.
void for_each_segment_arrival(const RunSpec& spec, const ScheduleFactory& make_schedule,
                              const std::function<void(const ScheduledArrival&)>& each);

// Closed model: throws std::invalid_argument, saying how many segments the VUs fill, when the
// segment has no VU (more segments than VUs).
void require_segment_vus(const RunSpec& spec);
// Closed model: the global VU indexes the segment runs, in increasing order. Throws like
// require_segment_vus.
[[nodiscard]] std::vector<std::size_t> segment_vu_indexes(const RunSpec& spec);

// Writes the segment's schedule as text: '#' header lines (segment, model, count), then one line
// per arrival "<intended run time ns> <lane>" (open model) or per VU "vu <global index>"
// (closed model). Returns the number of arrivals (or VUs) written.
std::uint64_t write_segment_schedule(std::ostream& out, const RunSpec& spec,
                                     const ScheduleFactory& make_schedule);

}  // namespace volley::engine
