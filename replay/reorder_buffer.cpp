#include "replay/reorder_buffer.hpp"

#include <algorithm>

namespace volley::replay {

ReorderBuffer::ReorderBuffer(engine::Nanos window, std::size_t max_records)
    : window_ns_(window.count()), max_records_(std::max<std::size_t>(1, max_records)) {}

bool ReorderBuffer::later(const Entry& a, const Entry& b) {
    if (a.record.ts_ns != b.record.ts_ns) return a.record.ts_ns > b.record.ts_ns;
    return a.sequence > b.sequence;
}

void ReorderBuffer::push(ReplayRecord&& record) {
    if (record.ts_ns < last_released_ns_) {
        record.ts_ns = last_released_ns_;
        record.late = true;
        ++late_;
    }
    newest_ns_ = std::max(newest_ns_, record.ts_ns);
    heap_.push_back(Entry{std::move(record), sequence_++});
    std::push_heap(heap_.begin(), heap_.end(), later);
}

void ReorderBuffer::pop_top(ReplayRecord& out) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    out = std::move(heap_.back().record);
    heap_.pop_back();
    last_released_ns_ = std::max(last_released_ns_, out.ts_ns);
}

bool ReorderBuffer::pop_ready(ReplayRecord& out) {
    if (heap_.empty()) return false;
    const std::int64_t head = heap_.front().record.ts_ns;
    // Both are capture times (time_text.hpp): their difference fits, whatever the window.
    if (heap_.size() <= max_records_ && newest_ns_ - head < window_ns_) return false;
    pop_top(out);
    return true;
}

bool ReorderBuffer::pop_any(ReplayRecord& out) {
    if (heap_.empty()) return false;
    pop_top(out);
    return true;
}

void ReorderBuffer::restart() {
    heap_.clear();
    newest_ns_ = INT64_MIN;
    last_released_ns_ = INT64_MIN;
}

}  // namespace volley::replay
