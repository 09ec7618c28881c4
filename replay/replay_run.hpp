// A replay as the engine runs it: the capture opened once, one ReplayStream per worker, the
// RunInputs factories, and what the replay saw, for the report (docs/replay.md).
#pragma once

#include "engine/runner.hpp"
#include "engine/schedule.hpp"
#include "engine/target.hpp"
#include "replay/readers.hpp"
#include "replay/replay_spec.hpp"
#include "replay/replay_stream.hpp"

#include <memory>
#include <mutex>
#include <vector>

namespace volley::replay {

struct ReplaySummary {
    CaptureCounts capture;        // the first pass over the capture
    std::uint64_t scheduled = 0;  // intended starts handed to the engine, all workers and passes
    std::uint64_t passes = 0;     // passes started (the largest over workers)
    std::string failure;          // why a stream ended early (the capture became unreadable)
};

class ReplayRun {
public:
    // Checks the spec (regexes, log format) and opens the capture (HAR: parsed here).
    // Throws ReplayInputError (unreadable or invalid capture) or std::invalid_argument.
    ReplayRun(ReplaySpec spec, std::uint64_t seed);

    // Reads the whole capture once; throws ReplayInputError naming the first malformed record.
    void check_every_record() const;
    // With `strict`, check_every_record() runs before the run; streams themselves never throw
    // on a malformed record (the engine's threads cannot carry an exception).
    // Builds the streams of `worker_count` workers of `segment` and reads up to their first
    // start now, so that the run's first requests are on time. Optional: the factories build
    // what is missing.
    void prepare(const engine::SegmentSpec& segment, std::size_t worker_count);

    // RunInputs::make_schedule and make_source, called with the worker's share (share index of
    // share count, engine/segments.hpp: a segment's workers hold shares i + n*j of n*w): the
    // stream of one share replays the records of that share (replay_stream.hpp), at their
    // global replay times.
    std::unique_ptr<engine::Schedule> make_schedule(std::size_t share, std::size_t shares);
    std::unique_ptr<engine::RequestSource> make_source(std::size_t share, std::size_t shares);

    // After the run (or during it, from the thread that runs it, between runs).
    [[nodiscard]] ReplaySummary summary() const;
    [[nodiscard]] const ReplaySpec& spec() const { return spec_; }

private:
    std::unique_ptr<RecordReader> open_reader(bool strict) const;
    std::shared_ptr<ReplayStream> stream(std::size_t share, std::size_t shares);

    ReplaySpec spec_;
    std::uint64_t seed_;
    std::shared_ptr<const HarCapture> har_;  // HAR only
    mutable std::mutex mutex_;               // guards streams_ (factories run on one thread)
    std::vector<std::shared_ptr<ReplayStream>> streams_;  // by share; a segment's only
};

}  // namespace volley::replay
