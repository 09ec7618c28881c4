#include "replay/replay_stream.hpp"

#include <cmath>

namespace volley::replay {
namespace {

// Replay times (ns since the replay's start) are capped here, about 146 years, so that a tiny
// speed or many loop passes cannot overflow int64; a capped start is never reached in a run.
constexpr std::int64_t kMaxReplayNs = std::int64_t{1} << 62;

std::int64_t replay_ns(double ns) {
    return ns >= static_cast<double>(kMaxReplayNs) ? kMaxReplayNs : std::llround(ns);
}

// Both in [0, kMaxReplayNs].
std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
    return a > kMaxReplayNs - b ? kMaxReplayNs : a + b;
}

}  // namespace

ReplayStream::ReplayStream(const ReplaySpec& spec, ReaderFactory open_reader, std::uint64_t seed,
                           std::size_t worker_index, std::size_t worker_count)
    : spec_(spec),
      open_reader_(std::move(open_reader)),
      worker_index_(worker_index),
      worker_count_(std::max<std::size_t>(1, worker_count)),
      reader_(open_reader_()),
      outliers_(spec.outlier_gap, spec.format == ReplayFormat::har),
      reorder_(spec.reorder_window, spec.reorder_max_records),
      selector_(spec, seed),
      rewriter_(spec) {}

bool ReplayStream::mine(const ReplayRecord& record) const {
    if (worker_count_ == 1) return true;
    std::uint64_t x =
        (spec_.per_connection && record.connection != 0 ? record.connection : record.ordinal) +
        0x9E3779B97F4A7C15ULL;  // splitmix64: neighbours land anywhere
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return (x ^ (x >> 31)) % worker_count_ == worker_index_;
}

bool ReplayStream::next_sorted(ReplayRecord& out) {
    if (pass_ended_) return false;
    while (true) {
        if (reorder_.pop_ready(out)) return true;
        ReplayRecord record;
        if (outliers_.pop(record)) {
            reorder_.push(std::move(record));
            continue;
        }
        if (reader_done_) {
            if (reorder_.pop_any(out)) return true;
            pass_ended_ = true;
            return false;
        }
        if (reader_->next(record)) {
            if (!mine(record)) {  // only its timestamp, method and target matter here
                std::vector<std::pair<std::string, std::string>>().swap(record.headers);
                std::string().swap(record.body);
            }
            outliers_.push(std::move(record));
        } else {
            reader_done_ = true;
            outliers_.end_of_input();
        }
    }
}

bool ReplayStream::start_next_pass() {
    if (pass_ == 0) {
        counts_.reader = reader_->counts();
        counts_.outliers = outliers_.quarantined();
        counts_.first_outliers = outliers_.first_quarantined();
        counts_.late = reorder_.late();
        counts_.span_ns = compressed_ns_;
        first_pass_ = counts_;
        // Each pass starts one span plus one mean gap after the previous one, so the seam
        // between passes keeps the capture's mean rate.
        const double speed = spec_.speed;
        if (kept_in_pass_ >= 2) {
            const double gap_ns =
                static_cast<double>(compressed_ns_) / static_cast<double>(kept_in_pass_ - 1);
            period_ns_ = replay_ns((static_cast<double>(compressed_ns_) + gap_ns) / speed);
        } else {
            period_ns_ = replay_ns(1e9 / speed);
        }
        period_ns_ = std::max<std::int64_t>(period_ns_, 1);
    }
    if (pass_ + 1 >= spec_.loop || kept_in_pass_ == 0) {
        finished_ = true;
        return false;
    }
    try {
        reader_ = open_reader_();
    } catch (const std::exception& error) {
        failure_ = error.what();
        finished_ = true;
        return false;
    }
    ++pass_;
    pass_offset_ns_ = saturating_add(pass_offset_ns_, period_ns_);
    outliers_.restart();
    reorder_.restart();
    capture_start_ns_.reset();
    previous_kept_ns_.reset();
    compressed_ns_ = 0;
    kept_in_pass_ = 0;
    reader_done_ = pass_ended_ = false;
    return true;
}

std::optional<engine::Nanos> ReplayStream::compute_next_start() {
    if (finished_) return std::nullopt;
    ReplayRecord record;
    while (true) {
        if (!next_sorted(record)) {
            if (!start_next_pass()) return std::nullopt;
            continue;
        }
        const bool first_pass = pass_ == 0;
        if (!capture_start_ns_) capture_start_ns_ = record.ts_ns;
        const engine::Nanos since_start{record.ts_ns - *capture_start_ns_};
        if (spec_.from && since_start < *spec_.from) {
            if (first_pass) ++counts_.before_from;
            continue;
        }
        if (spec_.to && since_start >= *spec_.to) {
            if (first_pass) counts_.stopped_at_to = true;
            pass_ended_ = true;  // sorted: nothing later belongs to the slice
            continue;
        }
        const Selection selection = selector_.judge(record);
        if (selection != Selection::keep) {
            if (first_pass)
                ++(selection == Selection::filtered ? counts_.filtered : counts_.sampled_out);
            continue;
        }
        if (previous_kept_ns_) {
            std::int64_t gap = record.ts_ns - *previous_kept_ns_;
            if (spec_.max_gap) gap = std::min<std::int64_t>(gap, spec_.max_gap->count());
            compressed_ns_ += gap;
        }
        previous_kept_ns_ = record.ts_ns;
        ++kept_in_pass_;
        if (first_pass) {
            ++counts_.kept;
            if (record.connection != 0) ++counts_.with_connection;
        }
        if (!mine(record)) continue;
        const std::int64_t offset = saturating_add(
            pass_offset_ns_, replay_ns(static_cast<double>(compressed_ns_) / spec_.speed));
        lane_ = spec_.per_connection ? record.connection : 0;
        (lane_ == 0 ? pending_ : pending_in_lane_[lane_]).push_back(std::move(record));
        ++scheduled_;
        return engine::Nanos{offset};
    }
}

CaptureCounts ReplayStream::first_pass() const {
    if (pass_ > 0 || finished_) return first_pass_;
    CaptureCounts counts = counts_;
    counts.reader = reader_->counts();
    counts.outliers = outliers_.quarantined();
    counts.first_outliers = outliers_.first_quarantined();
    counts.late = reorder_.late();
    counts.span_ns = compressed_ns_;
    return counts;
}

void ReplayStream::prefetch() {
    if (!prefetched_) prefetched_ = compute_next_start();
}

std::optional<engine::Nanos> ReplayStream::next_start() {
    if (prefetched_) {
        const auto start = *prefetched_;
        prefetched_.reset();
        return start;
    }
    return compute_next_start();
}

bool ReplayStream::next_request(std::uint64_t lane, engine::PreparedRequest& out) {
    if (lane == 0) {
        if (pending_.empty()) return false;
        rewriter_.render(pending_.front(), rendered_);
        pending_.pop_front();
    } else {
        const auto found = pending_in_lane_.find(lane);
        if (found == pending_in_lane_.end()) return false;
        rewriter_.render(found->second.front(), rendered_);
        found->second.pop_front();
        if (found->second.empty()) pending_in_lane_.erase(found);
    }
    out.name_index = rendered_.name_index;
    out.method = rendered_.method;
    out.target = rendered_.target;
    out.headers = rendered_.headers;
    out.body = rendered_.body;
    out.static_key = 0;
    return true;
}

namespace {

class ReplaySchedule final : public engine::Schedule {
public:
    explicit ReplaySchedule(std::shared_ptr<ReplayStream> stream) : stream_(std::move(stream)) {}
    std::optional<engine::Nanos> next() override { return stream_->next_start(); }
    [[nodiscard]] std::uint64_t lane() const override { return stream_->lane(); }

private:
    std::shared_ptr<ReplayStream> stream_;
};

class ReplaySource final : public engine::RequestSource {
public:
    explicit ReplaySource(std::shared_ptr<ReplayStream> stream) : stream_(std::move(stream)) {}
    bool next(engine::PreparedRequest& out) override { return stream_->next_request(0, out); }
    bool next_in_lane(std::uint64_t lane, engine::PreparedRequest& out) override {
        return stream_->next_request(lane, out);
    }

private:
    std::shared_ptr<ReplayStream> stream_;
};

}  // namespace

std::unique_ptr<engine::Schedule> make_replay_schedule(std::shared_ptr<ReplayStream> stream) {
    return std::make_unique<ReplaySchedule>(std::move(stream));
}

std::unique_ptr<engine::RequestSource> make_replay_source(std::shared_ptr<ReplayStream> stream) {
    return std::make_unique<ReplaySource>(std::move(stream));
}

}  // namespace volley::replay
