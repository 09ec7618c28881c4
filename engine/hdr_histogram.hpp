// HDR histogram with Java HdrHistogram 2.1.11 semantics (docs/hdr.md §1–§7).
// Values are dimensionless int64; the harness records nanoseconds (see latency_ns()).
// Single writer: one histogram per thread, merged with add().
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace volley::engine {

class HdrHistogram {
public:
    // Throws std::invalid_argument for L < 1, H < 2L, S outside 1..5, or U + M > 62.
    HdrHistogram(std::int64_t lowest_discernible_value, std::int64_t highest_trackable_value,
                 int significant_figures);

    // The harness's latency layout: 1 ns .. 1 hour, 3 significant figures.
    static HdrHistogram latency_ns();

    // Records v (count n >= 0). v > highest_trackable_value is clamped to it and counted (n) in
    // out_of_range_count(); v < 0 is counted in out_of_range_count() and recorded as 0.
    void record(std::int64_t value) { record_values(value, 1); }
    void record_values(std::int64_t value, std::int64_t count) {
        if (static_cast<std::uint64_t>(value) > static_cast<std::uint64_t>(highest_)) [[unlikely]] {
            record_out_of_range(value, count);
            return;
        }
        record_in_range(value, count);
    }
    // §5.1: value plus the synthetic samples a stalled closed loop omitted. A value above
    // highest_trackable_value is clamped (and counted) once, then corrected from the clamped
    // value. Cost is O(value / expected_interval).
    void record_corrected(std::int64_t value, std::int64_t expected_interval) {
        record_values_corrected(value, 1, expected_interval);
    }
    // §5.1 multi-count form: count is recorded at value and at every synthetic sample.
    void record_values_corrected(std::int64_t value, std::int64_t count,
                                 std::int64_t expected_interval);

    // §7. Throws std::out_of_range if other's max does not fit this layout. Also adds
    // out_of_range_count() and widens start/end_time_ms.
    void add(const HdrHistogram& other);
    // §5.2: same parameters and timestamps, every slot of this one re-recorded at its highest
    // equivalent value with the §5.1 correction.
    [[nodiscard]] HdrHistogram copy_corrected(std::int64_t expected_interval) const;
    // §5.2 into this histogram; values whose slot does not exist here are clamped and counted.
    void add_while_correcting(const HdrHistogram& other, std::int64_t expected_interval);
    // Empties the histogram, including out_of_range_count() and the timestamps.
    void reset();

    // §6 queries, Java semantics. With L > 1 values below 2^unit_magnitude share slot 0 with 0:
    // they count as zero for min()/min_non_zero(), and max() is the top of their slot.
    // min_non_zero() is INT64_MAX when no such value was recorded.
    [[nodiscard]] std::int64_t total_count() const { return total_count_; }
    [[nodiscard]] std::int64_t min() const;
    [[nodiscard]] std::int64_t min_non_zero() const;
    [[nodiscard]] std::int64_t max() const;
    [[nodiscard]] double mean() const;
    [[nodiscard]] double stddev() const;
    [[nodiscard]] std::int64_t value_at_percentile(double percentile) const;
    [[nodiscard]] double percentile_at_or_below(std::int64_t value) const;
    [[nodiscard]] std::int64_t count_at_value(std::int64_t value) const;
    [[nodiscard]] std::int64_t out_of_range_count() const { return out_of_range_count_; }
    [[nodiscard]] bool empty() const { return total_count_ == 0; }

    // §2 layout.
    [[nodiscard]] std::int64_t lowest_discernible_value() const { return lowest_; }
    [[nodiscard]] std::int64_t highest_trackable_value() const { return highest_; }
    [[nodiscard]] int significant_figures() const { return significant_figures_; }
    [[nodiscard]] int unit_magnitude() const { return unit_magnitude_; }
    [[nodiscard]] std::int64_t unit_magnitude_mask() const { return unit_magnitude_mask_; }
    [[nodiscard]] std::int64_t sub_bucket_count() const { return sub_bucket_count_; }
    [[nodiscard]] std::int64_t sub_bucket_half_count() const { return sub_bucket_half_count_; }
    [[nodiscard]] int sub_bucket_half_count_magnitude() const {
        return sub_bucket_half_count_magnitude_;
    }
    [[nodiscard]] std::int64_t sub_bucket_mask() const { return sub_bucket_mask_; }
    [[nodiscard]] int bucket_count() const { return bucket_count_; }
    [[nodiscard]] int leading_zero_count_base() const { return leading_zero_count_base_; }
    [[nodiscard]] std::size_t counts_length() const { return counts_.size(); }
    [[nodiscard]] bool same_layout(const HdrHistogram& other) const;

    // §3 index math. Values must be >= 0; counts_index() may return >= counts_length() for
    // values above the covered range, value_from_index() needs index < counts_length().
    [[nodiscard]] int bucket_index(std::int64_t value) const {
        return leading_zero_count_base_ -
               std::countl_zero(static_cast<std::uint64_t>(value | sub_bucket_mask_));
    }
    [[nodiscard]] std::int64_t sub_bucket_index(std::int64_t value) const {
        return value >> (bucket_index(value) + unit_magnitude_);
    }
    [[nodiscard]] std::size_t counts_index(std::int64_t value) const {
        const int bucket = bucket_index(value);
        const std::int64_t sub_bucket = value >> (bucket + unit_magnitude_);
        return static_cast<std::size_t>(
            (static_cast<std::int64_t>(bucket + 1) << sub_bucket_half_count_magnitude_) +
            (sub_bucket - sub_bucket_half_count_));
    }
    [[nodiscard]] std::int64_t value_from_index(std::size_t index) const;
    [[nodiscard]] std::int64_t size_of_equivalent_value_range(std::int64_t value) const;
    [[nodiscard]] std::int64_t lowest_equivalent_value(std::int64_t value) const;
    [[nodiscard]] std::int64_t highest_equivalent_value(std::int64_t value) const;
    [[nodiscard]] std::int64_t median_equivalent_value(std::int64_t value) const;
    [[nodiscard]] std::int64_t next_non_equivalent_value(std::int64_t value) const;

    // Raw slots, for encoders and iteration.
    [[nodiscard]] std::int64_t count_at_index(std::size_t index) const { return counts_[index]; }
    // Sets one slot (decoders); keeps total/min/max consistent. Throws std::out_of_range for
    // index >= counts_length(), std::invalid_argument for count < 0 or a total overflowing int64.
    void set_count_at_index(std::size_t index, std::int64_t count);

    // Interval bounds, ms since the Unix epoch (0 = unset); add() takes min start / max end.
    std::int64_t start_time_ms = 0;
    std::int64_t end_time_ms = 0;

private:
    std::int64_t lowest_;
    std::int64_t highest_;
    int significant_figures_;
    int unit_magnitude_;
    std::int64_t unit_magnitude_mask_;
    int sub_bucket_half_count_magnitude_;
    std::int64_t sub_bucket_count_;
    std::int64_t sub_bucket_half_count_;
    std::int64_t sub_bucket_mask_;
    int bucket_count_;
    int leading_zero_count_base_;
    std::int64_t total_count_ = 0;
    // As Java stores them: max_value_ = largest recorded value | unit_magnitude_mask_ (0 when
    // nothing recorded); min_non_zero_value_ = smallest recorded value above
    // unit_magnitude_mask_, & ~unit_magnitude_mask_ (INT64_MAX when none).
    std::int64_t max_value_ = 0;
    std::int64_t min_non_zero_value_;
    std::int64_t out_of_range_count_ = 0;
    std::vector<std::int64_t> counts_;

    // Adds count at value's slot, which must exist (value may exceed highest_; no clamping).
    void record_in_range(std::int64_t value, std::int64_t count) noexcept {
        counts_[counts_index(value)] += count;
        total_count_ += count;
        if (value > max_value_) max_value_ = value | unit_magnitude_mask_;
        if (value < min_non_zero_value_ && value > unit_magnitude_mask_) {
            min_non_zero_value_ = value & ~unit_magnitude_mask_;
        }
    }
    void record_out_of_range(std::int64_t value, std::int64_t count) noexcept;
    // record_in_range() when the slot exists, otherwise clamp to highest_ and count it.
    void record_fitting(std::int64_t value, std::int64_t count) noexcept;
    void record_corrected_fitting(std::int64_t value, std::int64_t count,
                                  std::int64_t expected_interval) noexcept;
    void note_min_max(std::int64_t value) noexcept;
    void recompute_min_max() noexcept;
};

}  // namespace volley::engine
