// HDR histogram, Java HdrHistogram 2.1.11 semantics: see docs/hdr.md §1–§7.
#include "engine/hdr_histogram.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace volley::engine {
namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

// §2: the number of binary digits needed to hold 2 * 10^S, the largest value that must be
// represented at unit resolution.
int sub_bucket_count_magnitude_for(int significant_figures) {
    std::int64_t largest_single_unit = 2;
    for (int i = 0; i < significant_figures; ++i) largest_single_unit *= 10;
    return std::bit_width(static_cast<std::uint64_t>(largest_single_unit - 1));
}

// §2: power-of-two buckets needed so that `highest` falls inside the last one.
int buckets_to_cover(std::int64_t highest, std::int64_t sub_bucket_count, int unit_magnitude) {
    std::int64_t smallest_untrackable = sub_bucket_count << unit_magnitude;
    int bucket_count = 1;
    while (smallest_untrackable <= highest) {
        if (smallest_untrackable > kInt64Max / 2) {
            ++bucket_count;
            break;
        }
        smallest_untrackable <<= 1;
        ++bucket_count;
    }
    return bucket_count;
}

// Validates before any member is initialised so that the constructor never shifts by garbage.
int checked_significant_figures(std::int64_t lowest, std::int64_t highest, int figures) {
    if (lowest < 1) {
        throw std::invalid_argument("HdrHistogram: lowest_discernible_value must be >= 1, got " +
                                    std::to_string(lowest));
    }
    if (highest / 2 < lowest) {
        throw std::invalid_argument(
            "HdrHistogram: highest_trackable_value (" + std::to_string(highest) +
            ") must be >= 2 * lowest_discernible_value (" + std::to_string(lowest) + ")");
    }
    if (figures < 1 || figures > 5) {
        throw std::invalid_argument("HdrHistogram: significant_figures must be in 1..5, got " +
                                    std::to_string(figures));
    }
    const int unit_magnitude = 63 - std::countl_zero(static_cast<std::uint64_t>(lowest));
    if (unit_magnitude + sub_bucket_count_magnitude_for(figures) > 62) {
        throw std::invalid_argument(
            "HdrHistogram: lowest_discernible_value too large for significant_figures "
            "(unit_magnitude + sub_bucket_count_magnitude > 62)");
    }
    return figures;
}

}  // namespace

HdrHistogram::HdrHistogram(std::int64_t lowest_discernible_value,
                           std::int64_t highest_trackable_value, int significant_figures)
    : lowest_(lowest_discernible_value),
      highest_(highest_trackable_value),
      significant_figures_(checked_significant_figures(
          lowest_discernible_value, highest_trackable_value, significant_figures)),
      unit_magnitude_(63 - std::countl_zero(static_cast<std::uint64_t>(lowest_))),
      unit_magnitude_mask_((std::int64_t{1} << unit_magnitude_) - 1),
      sub_bucket_half_count_magnitude_(sub_bucket_count_magnitude_for(significant_figures_) - 1),
      sub_bucket_count_(std::int64_t{1} << (sub_bucket_half_count_magnitude_ + 1)),
      sub_bucket_half_count_(sub_bucket_count_ / 2),
      sub_bucket_mask_((sub_bucket_count_ - 1) << unit_magnitude_),
      bucket_count_(buckets_to_cover(highest_, sub_bucket_count_, unit_magnitude_)),
      leading_zero_count_base_(64 - unit_magnitude_ - (sub_bucket_half_count_magnitude_ + 1)),
      min_non_zero_value_(kInt64Max),
      counts_(static_cast<std::size_t>(bucket_count_ + 1) *
                  static_cast<std::size_t>(sub_bucket_half_count_),
              0) {}

HdrHistogram HdrHistogram::latency_ns() { return HdrHistogram(1, 3'600'000'000'000, 3); }

void HdrHistogram::record_out_of_range(std::int64_t value, std::int64_t count) noexcept {
    out_of_range_count_ += count;
    record_in_range(value < 0 ? 0 : highest_, count);
}

void HdrHistogram::record_fitting(std::int64_t value, std::int64_t count) noexcept {
    if (counts_index(value) < counts_.size()) {
        record_in_range(value, count);
    } else {
        record_out_of_range(value, count);
    }
}

void HdrHistogram::record_corrected_fitting(std::int64_t value, std::int64_t count,
                                            std::int64_t expected_interval) noexcept {
    record_fitting(value, count);
    if (expected_interval <= 0) return;
    for (std::int64_t missing = value - expected_interval; missing >= expected_interval;
         missing -= expected_interval) {
        record_fitting(missing, count);
    }
}

void HdrHistogram::record_values_corrected(std::int64_t value, std::int64_t count,
                                           std::int64_t expected_interval) {
    if (value < 0 || value > highest_) {
        record_out_of_range(value, count);
        value = value < 0 ? 0 : highest_;
    } else {
        record_in_range(value, count);
    }
    if (expected_interval <= 0) return;
    for (std::int64_t missing = value - expected_interval; missing >= expected_interval;
         missing -= expected_interval) {
        record_in_range(missing, count);
    }
}

bool HdrHistogram::same_layout(const HdrHistogram& other) const {
    return bucket_count_ == other.bucket_count_ && sub_bucket_count_ == other.sub_bucket_count_ &&
           unit_magnitude_ == other.unit_magnitude_;
}

void HdrHistogram::add(const HdrHistogram& other) {
    const std::int64_t highest_recordable =
        highest_equivalent_value(value_from_index(counts_.size() - 1));
    if (other.max() > highest_recordable) {
        throw std::out_of_range("HdrHistogram::add: other's max " + std::to_string(other.max()) +
                                " exceeds the highest recordable value " +
                                std::to_string(highest_recordable));
    }
    if (same_layout(other)) {
        for (std::size_t i = 0; i < other.counts_.size(); ++i) counts_[i] += other.counts_[i];
        total_count_ += other.total_count_;
        max_value_ = std::max(max_value_, other.max_value_);
        min_non_zero_value_ = std::min(min_non_zero_value_, other.min_non_zero_value_);
    } else {
        // Each source slot is re-recorded at its lowest equivalent value (§7).
        for (std::size_t i = 0; i < other.counts_.size(); ++i) {
            if (other.counts_[i] != 0) record_in_range(other.value_from_index(i), other.counts_[i]);
        }
    }
    out_of_range_count_ += other.out_of_range_count_;
    if (other.start_time_ms != 0 && (start_time_ms == 0 || other.start_time_ms < start_time_ms)) {
        start_time_ms = other.start_time_ms;
    }
    end_time_ms = std::max(end_time_ms, other.end_time_ms);
}

void HdrHistogram::add_while_correcting(const HdrHistogram& other, std::int64_t expected_interval) {
    for (std::size_t i = 0; i < other.counts_.size(); ++i) {
        if (other.counts_[i] == 0) continue;
        record_corrected_fitting(other.highest_equivalent_value(other.value_from_index(i)),
                                 other.counts_[i], expected_interval);
    }
    out_of_range_count_ += other.out_of_range_count_;
}

HdrHistogram HdrHistogram::copy_corrected(std::int64_t expected_interval) const {
    HdrHistogram copy(lowest_, highest_, significant_figures_);
    copy.start_time_ms = start_time_ms;
    copy.end_time_ms = end_time_ms;
    copy.add_while_correcting(*this, expected_interval);
    return copy;
}

void HdrHistogram::reset() {
    std::fill(counts_.begin(), counts_.end(), 0);
    total_count_ = 0;
    max_value_ = 0;
    min_non_zero_value_ = kInt64Max;
    out_of_range_count_ = 0;
    start_time_ms = 0;
    end_time_ms = 0;
}

std::int64_t HdrHistogram::min() const {
    if (counts_[0] > 0 || total_count_ == 0) return 0;
    return min_non_zero();
}

std::int64_t HdrHistogram::min_non_zero() const {
    return min_non_zero_value_ == kInt64Max ? kInt64Max
                                            : lowest_equivalent_value(min_non_zero_value_);
}

std::int64_t HdrHistogram::max() const {
    return max_value_ == 0 ? 0 : highest_equivalent_value(max_value_);
}

double HdrHistogram::mean() const {
    if (total_count_ == 0) return 0.0;
    double sum = 0.0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        if (counts_[i] == 0) continue;
        sum += static_cast<double>(median_equivalent_value(value_from_index(i))) *
               static_cast<double>(counts_[i]);
    }
    return sum / static_cast<double>(total_count_);
}

double HdrHistogram::stddev() const {
    if (total_count_ == 0) return 0.0;
    const double average = mean();
    double sum_of_squares = 0.0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        if (counts_[i] == 0) continue;
        const double deviation =
            static_cast<double>(median_equivalent_value(value_from_index(i))) - average;
        sum_of_squares += deviation * deviation * static_cast<double>(counts_[i]);
    }
    return std::sqrt(sum_of_squares / static_cast<double>(total_count_));
}

std::int64_t HdrHistogram::value_at_percentile(double percentile) const {
    if (total_count_ == 0) return 0;
    // §6.1: one ulp below p, clamped; NaN behaves as in Java (target count 1).
    const double requested = std::min(
        std::max(std::nextafter(percentile, -std::numeric_limits<double>::infinity()), 0.0), 100.0);
    const double wanted = std::ceil((requested * static_cast<double>(total_count_)) / 100.0);
    std::int64_t count_at_percentile = total_count_;
    if (std::isnan(wanted)) {
        count_at_percentile = 1;
    } else if (wanted < static_cast<double>(total_count_)) {
        count_at_percentile = std::max<std::int64_t>(static_cast<std::int64_t>(wanted), 1);
    }
    std::int64_t running = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        running += counts_[i];
        if (running >= count_at_percentile) {
            const std::int64_t value = value_from_index(i);
            return percentile == 0.0 ? lowest_equivalent_value(value)
                                     : highest_equivalent_value(value);
        }
    }
    return 0;
}

double HdrHistogram::percentile_at_or_below(std::int64_t value) const {
    if (total_count_ == 0) return 100.0;
    const std::size_t last =
        std::min(counts_index(std::max<std::int64_t>(value, 0)), counts_.size() - 1);
    std::int64_t running = 0;
    for (std::size_t i = 0; i <= last; ++i) running += counts_[i];
    return (100.0 * static_cast<double>(running)) / static_cast<double>(total_count_);
}

std::int64_t HdrHistogram::count_at_value(std::int64_t value) const {
    return counts_[std::min(counts_index(std::max<std::int64_t>(value, 0)), counts_.size() - 1)];
}

std::int64_t HdrHistogram::value_from_index(std::size_t index) const {
    const auto signed_index = static_cast<std::int64_t>(index);
    std::int64_t bucket = (signed_index >> sub_bucket_half_count_magnitude_) - 1;
    std::int64_t sub_bucket =
        (signed_index & (sub_bucket_half_count_ - 1)) + sub_bucket_half_count_;
    if (bucket < 0) {
        sub_bucket -= sub_bucket_half_count_;
        bucket = 0;
    }
    return sub_bucket << (bucket + unit_magnitude_);
}

std::int64_t HdrHistogram::size_of_equivalent_value_range(std::int64_t value) const {
    return std::int64_t{1} << (unit_magnitude_ + bucket_index(value));
}

std::int64_t HdrHistogram::lowest_equivalent_value(std::int64_t value) const {
    const int bucket = bucket_index(value);
    return (value >> (bucket + unit_magnitude_)) << (bucket + unit_magnitude_);
}

// Unsigned arithmetic: the top slot's range may end exactly at 2^63.
std::int64_t HdrHistogram::next_non_equivalent_value(std::int64_t value) const {
    return static_cast<std::int64_t>(
        static_cast<std::uint64_t>(lowest_equivalent_value(value)) +
        static_cast<std::uint64_t>(size_of_equivalent_value_range(value)));
}

std::int64_t HdrHistogram::highest_equivalent_value(std::int64_t value) const {
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(next_non_equivalent_value(value)) -
                                     1U);
}

std::int64_t HdrHistogram::median_equivalent_value(std::int64_t value) const {
    return lowest_equivalent_value(value) + (size_of_equivalent_value_range(value) >> 1);
}

void HdrHistogram::set_count_at_index(std::size_t index, std::int64_t count) {
    if (index >= counts_.size()) {
        throw std::out_of_range("HdrHistogram::set_count_at_index: index " + std::to_string(index) +
                                " >= counts length " + std::to_string(counts_.size()));
    }
    if (count < 0) {
        throw std::invalid_argument("HdrHistogram::set_count_at_index: negative count");
    }
    const std::int64_t previous = counts_[index];
    std::int64_t new_total = 0;
    if (__builtin_add_overflow(total_count_ - previous, count, &new_total)) {
        throw std::invalid_argument("HdrHistogram::set_count_at_index: total count overflows");
    }
    counts_[index] = count;
    total_count_ = new_total;
    if (count > 0) {
        note_min_max(value_from_index(index));
    } else if (previous > 0) {
        recompute_min_max();
    }
}

// Min/max as derived from a slot (§8.2 decoding): max = top of the slot, min = its bottom.
void HdrHistogram::note_min_max(std::int64_t slot_value) noexcept {
    const std::int64_t top = highest_equivalent_value(slot_value);
    if (top > max_value_) max_value_ = top | unit_magnitude_mask_;
    if (slot_value < min_non_zero_value_ && slot_value > unit_magnitude_mask_) {
        min_non_zero_value_ = slot_value & ~unit_magnitude_mask_;
    }
}

void HdrHistogram::recompute_min_max() noexcept {
    max_value_ = 0;
    min_non_zero_value_ = kInt64Max;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        if (counts_[i] != 0) note_min_max(value_from_index(i));
    }
}

}  // namespace volley::engine
