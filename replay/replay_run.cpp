#include "replay/replay_run.hpp"

#include "engine/segments.hpp"

#include <algorithm>
#include <stdexcept>

namespace volley::replay {

ReplayRun::ReplayRun(ReplaySpec spec, std::uint64_t seed) : spec_(std::move(spec)), seed_(seed) {
    if (!(spec_.speed > 0)) throw std::invalid_argument("replay speed must be above 0");
    if (spec_.loop == 0) throw std::invalid_argument("replay loop must be at least 1");
    (void)RecordSelector(spec_, seed_);  // compiles the regexes once to report them early
    (void)RequestRewriter(spec_);
    if (spec_.format == ReplayFormat::combined) {
        if (const auto error = check_log_format(spec_.log_format); !error.empty())
            throw std::invalid_argument("log_format: " + error);
    }
    if (spec_.format == ReplayFormat::har) {
        har_ = read_har(spec_.file, spec_.strict);
    } else {
        (void)open_reader(false);  // an unreadable file fails here, before the run
    }
}

std::unique_ptr<RecordReader> ReplayRun::open_reader(bool strict) const {
    switch (spec_.format) {
        case ReplayFormat::gor: return make_gor_reader(spec_.file, strict);
        case ReplayFormat::jsonl: return make_jsonl_reader(spec_.file, strict);
        case ReplayFormat::combined:
            return make_access_log_reader(spec_.file, spec_.log_format, strict);
        case ReplayFormat::har: return make_har_reader(har_, spec_.file);
    }
    throw std::invalid_argument("unknown replay format");
}

void ReplayRun::check_every_record() const {
    if (spec_.format == ReplayFormat::har) return;  // read_har already checked every entry
    auto reader = open_reader(true);
    ReplayRecord record;
    while (reader->next(record)) {}
}

std::shared_ptr<ReplayStream> ReplayRun::stream(std::size_t share, std::size_t shares) {
    std::lock_guard lock(mutex_);
    if (streams_.size() != shares) {
        streams_.clear();
        streams_.resize(shares);
    }
    auto& slot = streams_.at(share);
    if (!slot) {
        slot = std::make_shared<ReplayStream>(
            spec_, [this] { return open_reader(false); }, seed_, share, shares);
    }
    return slot;
}

void ReplayRun::prepare(const engine::SegmentSpec& segment, std::size_t worker_count) {
    for (std::size_t worker = 0; worker < worker_count; ++worker) {
        const auto share = engine::worker_share(segment, worker, worker_count);
        stream(share.index, share.count)->prefetch();
    }
}

std::unique_ptr<engine::Schedule> ReplayRun::make_schedule(std::size_t share, std::size_t shares) {
    return make_replay_schedule(stream(share, shares));
}

std::unique_ptr<engine::RequestSource> ReplayRun::make_source(std::size_t share,
                                                              std::size_t shares) {
    return make_replay_source(stream(share, shares));
}

ReplaySummary ReplayRun::summary() const {
    std::lock_guard lock(mutex_);
    ReplaySummary out;
    bool first = true;
    for (const auto& stream : streams_) {
        if (!stream) continue;                          // another segment's share
        if (first) out.capture = stream->first_pass();  // every stream reads the whole capture
        first = false;
        out.scheduled += stream->scheduled();
        out.passes = std::max(out.passes, stream->passes_started());
        if (out.failure.empty()) out.failure = stream->failure();
    }
    return out;
}

}  // namespace volley::replay
