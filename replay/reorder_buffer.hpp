// Puts records that arrive slightly out of timestamp order back in order (docs/replay.md
// "Out-of-order records"): a bounded buffer sorted by timestamp.
#pragma once

#include "engine/clock.hpp"
#include "replay/record.hpp"

#include <cstdint>
#include <vector>

namespace volley::replay {

class ReorderBuffer {
public:
    // A record is released once a record `window` later (capture time) has arrived, or when
    // more than `max_records` are held (the earliest goes). window 0 keeps file order.
    ReorderBuffer(engine::Nanos window, std::size_t max_records);

    // Takes a record. One older than a record already released is late: its timestamp is moved
    // up to the last released one (so it is sent at once) and it is flagged and counted.
    void push(ReplayRecord&& record);
    // The earliest record if it may be released now; false otherwise.
    bool pop_ready(ReplayRecord& out);
    // The earliest record whatever the window (at the end of the input); false when empty.
    bool pop_any(ReplayRecord& out);

    [[nodiscard]] std::uint64_t late() const { return late_; }
    [[nodiscard]] std::size_t size() const { return heap_.size(); }
    // Forgets everything (a new pass over the file); counts stay.
    void restart();

private:
    struct Entry {
        ReplayRecord record;
        std::uint64_t sequence = 0;  // arrival order breaks timestamp ties
    };
    static bool later(const Entry& a, const Entry& b);  // heap order: earliest on top
    void pop_top(ReplayRecord& out);

    std::int64_t window_ns_;
    std::size_t max_records_;
    std::vector<Entry> heap_;
    std::uint64_t sequence_ = 0;
    std::int64_t newest_ns_ = INT64_MIN;
    std::int64_t last_released_ns_ = INT64_MIN;
    std::uint64_t late_ = 0;
};

}  // namespace volley::replay
