// One worker's replay: capture file -> outlier quarantine -> reorder window -> from/to slice ->
// filters and sample
// -> timeline (max_gap, speed, loop) -> this worker's share -> rewrite (docs/replay.md).
//
// Every worker reads the whole capture and runs the timeline over every kept record, so all
// workers agree on the timeline. Each record belongs to one worker, chosen by a hash of its
// position in the file (balanced whatever the filters keep, the same on every loop pass);
// with `per_connection`, records naming a client connection are placed by a hash of the
// connection instead, so that one worker sends all of a connection's requests. Records of other
// workers are stripped to timestamp, method and target as soon as they are read, so a worker's
// reorder window holds whole records only for its own share.
#pragma once

#include "engine/schedule.hpp"
#include "engine/target.hpp"
#include "replay/outlier_filter.hpp"
#include "replay/record.hpp"
#include "replay/reorder_buffer.hpp"
#include "replay/replay_spec.hpp"
#include "replay/rewrite.hpp"

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>

namespace volley::replay {

// What one pass over the capture saw (the first pass; later passes see the same).
struct CaptureCounts {
    ReaderCounts reader;
    std::uint64_t outliers = 0;  // quarantined: too far from their neighbours (outlier_gap)
    std::vector<MalformedRecord> first_outliers;  // at most ReaderCounts::kMaxListed
    std::uint64_t late = 0;                       // behind the reorder window, sent at once
    std::uint64_t before_from = 0;                // sliced off by `from`
    bool stopped_at_to = false;                   // the pass ended at `to`
    std::uint64_t filtered = 0;                   // method or path filters
    std::uint64_t sampled_out = 0;
    std::uint64_t kept = 0;             // replayed per pass, across all workers
    std::uint64_t with_connection = 0;  // kept records that name their client connection
    std::int64_t span_ns = 0;           // first to last kept record, capture time after max_gap
};

// Opens the capture for one pass.
using ReaderFactory = std::function<std::unique_ptr<RecordReader>()>;

class ReplayStream {
public:
    // Throws what the reader factory, RecordSelector and RequestRewriter throw.
    ReplayStream(const ReplaySpec& spec, ReaderFactory open_reader, std::uint64_t seed,
                 std::size_t worker_index, std::size_t worker_count);

    // Schedule side: this worker's next intended start, run time since the replay's start
    // (its first kept record is at 0), non-decreasing; nullopt when every pass is done.
    std::optional<engine::Nanos> next_start();
    // The lane of the start next_start() returned last: with `per_connection`, the record's
    // connection id (0 when it has none), else 0.
    [[nodiscard]] std::uint64_t lane() const { return lane_; }
    // Source side: the request of the oldest start of `lane` handed out and not drawn yet. The
    // views are valid until the next call. False when none is waiting.
    bool next_request(std::uint64_t lane, engine::PreparedRequest& out);
    // Reads ahead to the first start, so that the run's first request is not late.
    void prefetch();

    // The first pass's counts (so far, while it runs).
    [[nodiscard]] CaptureCounts first_pass() const;
    [[nodiscard]] std::uint64_t scheduled() const { return scheduled_; }  // this worker, all passes
    [[nodiscard]] std::uint64_t passes_started() const { return pass_ + 1; }
    // Why the stream ended early (a later pass could not reopen the capture), or "".
    [[nodiscard]] const std::string& failure() const { return failure_; }

private:
    bool next_sorted(ReplayRecord& out);  // false at the end of the pass
    [[nodiscard]] bool mine(const ReplayRecord& record) const;
    bool start_next_pass();  // false when every pass is done
    std::optional<engine::Nanos> compute_next_start();

    const ReplaySpec& spec_;
    ReaderFactory open_reader_;
    std::size_t worker_index_, worker_count_;
    std::unique_ptr<RecordReader> reader_;
    OutlierFilter outliers_;
    ReorderBuffer reorder_;
    RecordSelector selector_;
    RequestRewriter rewriter_;
    // Scheduled, request not drawn yet, oldest first: lane 0, and each lane with any waiting.
    std::deque<ReplayRecord> pending_;
    std::unordered_map<std::uint64_t, std::deque<ReplayRecord>> pending_in_lane_;
    std::uint64_t lane_ = 0;
    RenderedRequest rendered_;
    std::optional<std::optional<engine::Nanos>> prefetched_;

    // The timeline of the current pass (capture ns).
    std::optional<std::int64_t> capture_start_ns_, previous_kept_ns_;
    std::int64_t compressed_ns_ = 0;  // capture time of the last kept record after max_gap
    std::uint64_t kept_in_pass_ = 0;
    std::uint64_t pass_ = 0;
    std::int64_t pass_offset_ns_ = 0;  // replay time at which the current pass starts
    std::int64_t period_ns_ = 0;       // replay time between passes
    bool reader_done_ = false, pass_ended_ = false, finished_ = false;

    CaptureCounts counts_;      // the current pass
    CaptureCounts first_pass_;  // a copy of counts_ taken when the first pass ends
    std::uint64_t scheduled_ = 0;
    std::string failure_;
};

// engine::Schedule and engine::RequestSource halves of one stream.
std::unique_ptr<engine::Schedule> make_replay_schedule(std::shared_ptr<ReplayStream> stream);
std::unique_ptr<engine::RequestSource> make_replay_source(std::shared_ptr<ReplayStream> stream);

}  // namespace volley::replay
