#include "replay/outlier_filter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>

namespace volley::replay {

std::string describe_distance(std::int64_t ns) {
    const double seconds = static_cast<double>(ns < 0 ? -ns : ns) / 1e9;
    constexpr double kHour = 3600, kDay = 86400, kYear = 365.2425 * kDay;
    if (seconds >= 2 * kYear) return fmt::format("{:.1f} years", seconds / kYear);
    if (seconds >= 2 * kDay) return fmt::format("{:.1f} days", seconds / kDay);
    if (seconds >= kHour) return fmt::format("{:.1f} h", seconds / kHour);
    if (seconds >= 60) return fmt::format("{:.1f} min", seconds / 60);
    return fmt::format("{:.3g} s", seconds);
}

OutlierFilter::OutlierFilter(engine::Nanos gap, bool har)
    : gap_ns_(std::max<std::int64_t>(0, gap.count())), har_(har) {}

void OutlierFilter::push(ReplayRecord&& record) {
    if (gap_ns_ == 0) {
        kept_.push_back(std::move(record));
        return;
    }
    held_.push_back(std::move(record));
    while (held_.size() > kLookahead) {
        if (judge_front()) kept_.push_back(std::move(held_.front()));
        held_.pop_front();
    }
}

void OutlierFilter::end_of_input() {
    while (!held_.empty()) {
        if (judge_front()) kept_.push_back(std::move(held_.front()));
        held_.pop_front();
    }
}

bool OutlierFilter::pop(ReplayRecord& out) {
    if (kept_.empty()) return false;
    out = std::move(kept_.front());
    kept_.pop_front();
    return true;
}

void OutlierFilter::restart() {
    held_.clear();
    kept_.clear();
    last_kept_ns_.reset();
}

std::string OutlierFilter::location(const ReplayRecord& record) const {
    return har_ ? "log.entries[" + std::to_string(record.line) + "]"
                : "line " + std::to_string(record.line);
}

bool OutlierFilter::judge_front() {
    // Every timestamp is a capture time (1900 to 2100, time_text.hpp): differences fit int64.
    const std::int64_t ts = held_.front().ts_ns;
    std::vector<std::int64_t> after;
    for (std::size_t i = 1; i < held_.size() && i <= kLookahead; ++i)
        after.push_back(held_[i].ts_ns);
    std::optional<std::int64_t> after_median;
    if (!after.empty()) {
        std::nth_element(after.begin(),
                         after.begin() + static_cast<std::ptrdiff_t>(after.size() / 2),
                         after.end());
        after_median = after[after.size() / 2];
    }
    const auto far = [&](std::int64_t from) { return std::abs(ts - from) > gap_ns_; };
    const bool quarantine = (last_kept_ns_ || after_median) &&
                            (!last_kept_ns_ || far(*last_kept_ns_)) &&
                            (!after_median || far(*after_median));
    if (!quarantine) {
        last_kept_ns_ = ts;
        return true;
    }
    ++quarantined_;
    if (first_.size() < ReaderCounts::kMaxListed) {
        const std::int64_t reference = last_kept_ns_ ? *last_kept_ns_ : *after_median;
        first_.push_back(
            {location(held_.front()),
             fmt::format("its time is {} {} its neighbours' (more than outlier_gap {})",
                         describe_distance(ts - reference), ts < reference ? "before" : "after",
                         describe_distance(gap_ns_))});
    }
    return false;
}

}  // namespace volley::replay
