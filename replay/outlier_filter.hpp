// Quarantines records whose timestamp is far from their neighbours' (docs/replay.md
// "Outliers"): one `ts: 0` or 1969 date among a day of records must not become the timeline's
// zero (and push every other record decades out), nor a 2099 date its end.
#pragma once

#include "engine/clock.hpp"
#include "replay/record.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace volley::replay {

class OutlierFilter {
public:
    // Records after the judged one that it is compared with.
    static constexpr std::size_t kLookahead = 5;

    // `gap` 0 turns the filter off (every record passes). `har`: records are HAR entries, named
    // log.entries[i] in the report, else by line.
    OutlierFilter(engine::Nanos gap, bool har);

    // Takes the reader's next record, in reader order.
    void push(ReplayRecord&& record);
    // The input has ended: the records held for look-ahead can be judged.
    void end_of_input();
    // The next record that was judged and kept, in reader order; false when none is ready.
    //
    // A record is quarantined when it is more than `gap` away from the last kept record (if
    // any) and more than `gap` away from the median of the next kLookahead records (if any):
    // on every side it has a neighbour, it is far. A real jump in the capture (a quiet night)
    // keeps both of its edges, each close to one side; a lone bogus record, or a run of up
    // to (kLookahead + 1) / 2 of them, is far on both sides. At the capture's start only the
    // records after count, at its end only the last kept one.
    bool pop(ReplayRecord& out);
    // Forgets the held records and the last kept time (a new pass); counts stay.
    void restart();

    [[nodiscard]] std::uint64_t quarantined() const { return quarantined_; }
    // The first ReaderCounts::kMaxListed quarantined records, location and why.
    [[nodiscard]] const std::vector<MalformedRecord>& first_quarantined() const { return first_; }

private:
    [[nodiscard]] bool judge_front();  // true: keep it
    [[nodiscard]] std::string location(const ReplayRecord& record) const;

    std::int64_t gap_ns_;
    bool har_;
    std::deque<ReplayRecord> held_;  // not judged yet, reader order
    std::deque<ReplayRecord> kept_;  // judged and kept, not popped yet
    std::optional<std::int64_t> last_kept_ns_;
    std::uint64_t quarantined_ = 0;
    std::vector<MalformedRecord> first_;
};

// "1.0 h", "55.8 years": a capture-time distance as the quarantine report writes it.
[[nodiscard]] std::string describe_distance(std::int64_t ns);

}  // namespace volley::replay
