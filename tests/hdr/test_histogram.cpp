// HdrHistogram against reference.json (docs/hdr.md §1–§7) plus the harness rules.
#include <catch2/catch.hpp>

#include <limits>
#include <stdexcept>
#include <string>

#include "engine/hdr_histogram.hpp"
#include "reference_vectors.hpp"

using volley::engine::HdrHistogram;
using namespace volley::hdr_test;

namespace {
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kHourUs = 3'600'000'000;
}  // namespace

TEST_CASE("layout constants match every reference structure", "[hdr][structure]") {
    const auto& structures = reference().at("structures").as_array();
    REQUIRE(structures.size() == 20);
    for (const auto& value : structures) {
        const auto& s = value.as_object();
        const std::int64_t lowest = as_int(s.at("lowest_discernible_value"));
        const std::int64_t highest = as_int(s.at("highest_trackable_value"));
        const int figures = static_cast<int>(as_int(s.at("significant_figures")));
        DYNAMIC_SECTION("L=" << lowest << " H=" << highest << " S=" << figures) {
            const HdrHistogram h(lowest, highest, figures);
            CHECK(h.unit_magnitude() == as_int(s.at("unit_magnitude")));
            CHECK(h.sub_bucket_count() == as_int(s.at("sub_bucket_count")));
            CHECK(h.sub_bucket_half_count() == as_int(s.at("sub_bucket_half_count")));
            CHECK(h.sub_bucket_half_count_magnitude() ==
                  as_int(s.at("sub_bucket_half_count_magnitude")));
            CHECK(h.sub_bucket_mask() == as_int(s.at("sub_bucket_mask")));
            CHECK(h.bucket_count() == as_int(s.at("bucket_count")));
            CHECK(static_cast<std::int64_t>(h.counts_length()) ==
                  as_int(s.at("counts_array_length")));
            CHECK(h.leading_zero_count_base() == as_int(s.at("leading_zero_count_base")));
        }
    }
}

TEST_CASE("index math matches every index probe of every config", "[hdr][index]") {
    const auto& probes_by_config = reference().at("index_probes").as_object();
    REQUIRE(probes_by_config.size() == 5);
    for (const auto& [config, probes] : probes_by_config) {
        DYNAMIC_SECTION(std::string_view(config)) {
            const HdrHistogram h = make_config(config);
            REQUIRE(probes.as_array().size() >= 31);
            for (const auto& probe_value : probes.as_array()) {
                const auto& probe = probe_value.as_object();
                const std::int64_t v = as_int(probe.at("value"));
                INFO("value " << v);
                CHECK(h.bucket_index(v) == as_int(probe.at("bucket_index")));
                CHECK(h.sub_bucket_index(v) == as_int(probe.at("sub_bucket_index")));
                CHECK(static_cast<std::int64_t>(h.counts_index(v)) ==
                      as_int(probe.at("counts_index")));
                CHECK(h.value_from_index(h.counts_index(v)) ==
                      as_int(probe.at("value_from_index")));
                CHECK(h.lowest_equivalent_value(v) == as_int(probe.at("lowest_equivalent")));
                CHECK(h.highest_equivalent_value(v) == as_int(probe.at("highest_equivalent")));
                CHECK(h.median_equivalent_value(v) == as_int(probe.at("median_equivalent")));
                CHECK(h.size_of_equivalent_value_range(v) ==
                      as_int(probe.at("size_of_equivalent_range")));
                CHECK(h.next_non_equivalent_value(v) == as_int(probe.at("next_non_equivalent")));
            }
        }
    }
}

TEST_CASE("every reference vector: statistics, percentiles, encodings, hgrm", "[hdr][vectors]") {
    const auto& vectors = reference().at("vectors").as_array();
    REQUIRE(vectors.size() == 38);
    for (const auto& vector_value : vectors) {
        const auto& vector = vector_value.as_object();
        DYNAMIC_SECTION(std::string_view(vector.at("id").as_string())) {
            const HdrHistogram h =
                make_recorded(vector.at("config").as_string(), vector.at("value_set").as_string());
            CHECK(h.out_of_range_count() == 0);
            const auto& structure = vector.at("structure").as_object();
            CHECK(h.bucket_count() == as_int(structure.at("bucket_count")));
            CHECK(static_cast<std::int64_t>(h.counts_length()) ==
                  as_int(structure.at("counts_array_length")));
            check_expected(h, vector.at("expected").as_object());
        }
    }
}

TEST_CASE("merge vectors: a.add(b) for same and different layouts", "[hdr][merge]") {
    const auto& merges = reference().at("merge_vectors").as_array();
    REQUIRE(merges.size() == 4);
    for (const auto& merge_value : merges) {
        const auto& merge = merge_value.as_object();
        DYNAMIC_SECTION(std::string_view(merge.at("id").as_string())) {
            const auto& a = merge.at("a").as_object();
            const auto& b = merge.at("b").as_object();
            HdrHistogram target =
                make_recorded(a.at("config").as_string(), a.at("value_set").as_string());
            const HdrHistogram source =
                make_recorded(b.at("config").as_string(), b.at("value_set").as_string());
            target.add(source);
            check_expected(target, merge.at("expected").as_object());
        }
    }
}

TEST_CASE("correction vector: copy corrected for coordinated omission", "[hdr][correction]") {
    const auto& corrections = reference().at("correction_vectors").as_array();
    REQUIRE(corrections.size() == 1);
    for (const auto& correction_value : corrections) {
        const auto& correction = correction_value.as_object();
        DYNAMIC_SECTION(std::string_view(correction.at("id").as_string())) {
            HdrHistogram h = make_recorded(correction.at("config").as_string(),
                                           correction.at("value_set").as_string());
            h.start_time_ms = 1000;
            h.end_time_ms = 2000;
            const HdrHistogram corrected =
                h.copy_corrected(as_int(correction.at("expected_interval")));
            check_expected(corrected, correction.at("expected").as_object());
            CHECK(corrected.start_time_ms == 1000);
            CHECK(corrected.end_time_ms == 2000);

            HdrHistogram accumulated = make_config(correction.at("config").as_string());
            accumulated.add_while_correcting(h, as_int(correction.at("expected_interval")));
            check_same_counts(accumulated, corrected);
        }
    }
}

TEST_CASE("spec examples: percentile rounding and equivalent ranges", "[hdr][percentile]") {
    HdrHistogram h(1, kHourUs, 3);
    for (std::int64_t v = 1; v <= 7; ++v) h.record(v);
    CHECK(h.value_at_percentile(25) == 2);
    CHECK(h.value_at_percentile(50) == 4);
    CHECK(h.value_at_percentile(75) == 6);  // ceil(5.25), not round-half-up
    CHECK(h.value_at_percentile(90) == 7);
    CHECK(h.value_at_percentile(-5) == 1);
    CHECK(h.value_at_percentile(250) == 7);

    HdrHistogram uniform(1, kHourUs, 3);
    for (std::int64_t v = 1; v <= 10000; ++v) uniform.record(v);
    CHECK(uniform.value_at_percentile(50) == 5003);
    CHECK(uniform.value_at_percentile(99.99) == 9999);  // the one-ulp nudge
    CHECK(uniform.value_at_percentile(100) == 10007);
    CHECK(uniform.percentile_at_or_below(5000) == Approx(50.03));  // slot [5000, 5003]
    CHECK(uniform.percentile_at_or_below(-3) == 0.0);
    CHECK(uniform.percentile_at_or_below(kInt64Max) == 100.0);
    CHECK(uniform.count_at_value(5001) == 4);
    CHECK(uniform.count_at_value(kInt64Max) == 0);
    CHECK(HdrHistogram(1, kHourUs, 3).percentile_at_or_below(5) == 100.0);
}

TEST_CASE("harness rule: values above H are clamped and counted", "[hdr][clamp]") {
    HdrHistogram h(1, kHourUs, 3);
    h.record(10);
    h.record(kHourUs + 1);
    h.record_values(kInt64Max, 3);
    CHECK(h.out_of_range_count() == 4);
    CHECK(h.total_count() == 5);
    CHECK(h.count_at_value(kHourUs) == 4);
    CHECK(h.max() == h.highest_equivalent_value(kHourUs));
    CHECK(h.value_at_percentile(100) == h.max());

    SECTION("negative values count as out of range and record as 0") {
        h.record(-5);
        CHECK(h.out_of_range_count() == 5);
        CHECK(h.count_at_value(0) == 1);
        CHECK(h.min() == 0);
    }
    SECTION("a corrected value above H is clamped once, then corrected from H") {
        HdrHistogram c(1, 100'000, 3);
        c.record_corrected(250'000, 40'000);  // clamped to 100000, then 60000
        CHECK(c.out_of_range_count() == 1);
        CHECK(c.total_count() == 2);
        CHECK(c.count_at_value(100'000) == 1);
        CHECK(c.count_at_value(60'000) == 1);
    }
    SECTION("the counter survives add and is cleared by reset") {
        HdrHistogram sum(1, kHourUs, 3);
        sum.add(h);
        CHECK(sum.out_of_range_count() == 4);
        sum.reset();
        CHECK(sum.out_of_range_count() == 0);
        CHECK(sum.total_count() == 0);
        CHECK(sum.max() == 0);
        CHECK(sum.min_non_zero() == kInt64Max);
        CHECK(sum.value_at_percentile(50) == 0);
    }
    SECTION("values inside H are never counted") {
        HdrHistogram in_range(1, kHourUs, 3);
        in_range.record(0);
        in_range.record(kHourUs);
        CHECK(in_range.out_of_range_count() == 0);
        CHECK(in_range.max() == in_range.highest_equivalent_value(kHourUs));
    }
}

TEST_CASE("invalid configurations are rejected", "[hdr][config]") {
    CHECK_THROWS_AS(HdrHistogram(0, 1000, 3), std::invalid_argument);
    CHECK_THROWS_AS(HdrHistogram(-1, 1000, 3), std::invalid_argument);
    CHECK_THROWS_AS(HdrHistogram(10, 19, 3), std::invalid_argument);
    CHECK_THROWS_AS(HdrHistogram(kInt64Max / 2 + 1, kInt64Max, 3), std::invalid_argument);
    CHECK_THROWS_AS(HdrHistogram(1, 1000, 0), std::invalid_argument);
    CHECK_THROWS_AS(HdrHistogram(1, 1000, 6), std::invalid_argument);
    CHECK_THROWS_AS(HdrHistogram(std::int64_t{1} << 45, kInt64Max, 5), std::invalid_argument);
    CHECK_NOTHROW(HdrHistogram(10, 20, 3));
    CHECK_NOTHROW(HdrHistogram(1, kInt64Max, 3));
    CHECK_NOTHROW(HdrHistogram(std::int64_t{1} << 44, kInt64Max, 5));

    const HdrHistogram widest(1, kInt64Max, 3);
    CHECK(widest.highest_equivalent_value(kInt64Max) == kInt64Max);
    CHECK(widest.counts_index(kInt64Max) < widest.counts_length());
    const HdrHistogram latency = HdrHistogram::latency_ns();
    CHECK(latency.lowest_discernible_value() == 1);
    CHECK(latency.highest_trackable_value() == 3'600'000'000'000);
    CHECK(latency.significant_figures() == 3);
    CHECK(latency.bucket_count() == 32);
}

TEST_CASE("add: precondition, timestamps, commutativity", "[hdr][merge]") {
    HdrHistogram small(1, 10'000, 2);
    HdrHistogram big(1, kHourUs, 3);
    big.record(kHourUs);
    CHECK_THROWS_AS(small.add(big), std::out_of_range);
    CHECK(small.total_count() == 0);

    HdrHistogram a(1, kHourUs, 3);
    HdrHistogram b(1, kHourUs, 3);
    a.record_values(100, 5);
    b.record_values(7, 2);
    a.start_time_ms = 5000;
    a.end_time_ms = 6000;
    b.start_time_ms = 4000;
    b.end_time_ms = 5500;
    HdrHistogram ab = a;
    ab.add(b);
    HdrHistogram ba = b;
    ba.add(a);
    check_same_counts(ab, ba);
    CHECK(ab.min() == 7);
    CHECK(ab.max() == 100);
    CHECK(ab.start_time_ms == 4000);
    CHECK(ab.end_time_ms == 6000);
    HdrHistogram unset(1, kHourUs, 3);
    unset.add(a);
    CHECK(unset.start_time_ms == 5000);
}

TEST_CASE("set_count_at_index keeps totals, min and max consistent", "[hdr][slots]") {
    HdrHistogram h(1, kHourUs, 3);
    const std::size_t slot_5000 = h.counts_index(5000);
    h.set_count_at_index(slot_5000, 4);
    h.set_count_at_index(h.counts_index(3), 1);
    CHECK(h.total_count() == 5);
    CHECK(h.max() == 5003);
    CHECK(h.min() == 3);
    h.set_count_at_index(slot_5000, 0);
    CHECK(h.total_count() == 1);
    CHECK(h.max() == 3);
    CHECK_THROWS_AS(h.set_count_at_index(h.counts_length(), 1), std::out_of_range);
    CHECK_THROWS_AS(h.set_count_at_index(0, -1), std::invalid_argument);
    h.set_count_at_index(1, kInt64Max - 1);
    CHECK_THROWS_AS(h.set_count_at_index(2, 5), std::invalid_argument);
}

TEST_CASE("unit magnitude > 0: values below L share slot 0", "[hdr][unit]") {
    HdrHistogram h(1000, 3'600'000'000'000, 3);
    h.record(7);
    CHECK(h.min() == 0);
    CHECK(h.min_non_zero() == kInt64Max);
    CHECK(h.max() == 511);
    h.record(5000);
    CHECK(h.min_non_zero() == 4608);
    CHECK(h.max() == 5119);
}
