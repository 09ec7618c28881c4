// Percentile distribution output (docs/hdr.md §10).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/hdr_histogram.hpp"
#include "reference_vectors.hpp"
#include "reports/hgrm.hpp"
#include "reports/hlog.hpp"

using volley::engine::HdrHistogram;
using namespace volley::reports;
using namespace volley::hdr_test;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

}  // namespace

TEST_CASE("Java %.Nf formatting: half-up on the shortest decimal form", "[hdr][hgrm][format]") {
    // The cases of §10.2 where Java and C printf differ.
    CHECK(format_fixed_java(0.125, 2) == "0.13");
    CHECK(format_fixed_java(2.675, 2) == "2.68");
    CHECK(format_fixed_java(0.15, 1) == "0.2");
    CHECK(format_fixed_java(1000.0625, 3) == "1000.063");
    CHECK(format_fixed_java(0.9997802734375, 12) == "0.999780273438");
    // Ordinary cases.
    CHECK(format_fixed_java(0.0, 3) == "0.000");
    CHECK(format_fixed_java(10007.0, 3) == "10007.000");
    CHECK(format_fixed_java(9.9996, 3) == "10.000");
    CHECK(format_fixed_java(99.5, 0) == "100");
    CHECK(format_fixed_java(0.0005, 3) == "0.001");
    CHECK(format_fixed_java(0.00049, 3) == "0.000");
    CHECK(format_fixed_java(1e-7, 3) == "0.000");
    CHECK(format_fixed_java(123456789.0, 3) == "123456789.000");
    CHECK(format_fixed_java(1e20, 2) == "100000000000000000000.00");
    CHECK(format_fixed_java(3600000000000.0 / 1e6, 3) == "3600000.000");
    CHECK(format_fixed_java(1.1111111111111112, 2) == "1.11");
    CHECK(format_fixed_java(16384.0, 2) == "16384.00");
    CHECK(format_fixed_java(-1.5, 0) == "-2");
    CHECK(format_fixed_java(-0.25, 1) == "-0.3");
    CHECK(format_fixed_java(std::numeric_limits<double>::quiet_NaN(), 3) == "NaN");
    CHECK(format_fixed_java(std::numeric_limits<double>::infinity(), 3) == "Infinity");
    CHECK(format_fixed_java(-std::numeric_limits<double>::infinity(), 3) == "-Infinity");
}

TEST_CASE("percentile iteration rows", "[hdr][hgrm]") {
    HdrHistogram h(1, 3'600'000'000, 3);
    CHECK(percentile_rows(h).empty());
    for (std::int64_t v = 1; v <= 10000; ++v) h.record(v);
    const std::vector<PercentileRow> rows = percentile_rows(h);
    REQUIRE(rows.size() > 20);
    CHECK(rows.front().percentile_level == 0.0);
    CHECK(rows.front().value == 1);
    CHECK(rows.front().cumulative_count == 1);
    CHECK(rows[1].percentile_level == Approx(10.0));
    CHECK(rows[5].percentile_level == 50.0);
    CHECK(rows[5].value == 5003);
    CHECK(rows[6].percentile_level == 55.0);
    CHECK(rows.back().percentile_level == 100.0);
    CHECK(rows.back().value == 10007);
    CHECK(rows.back().cumulative_count == 10000);
    CHECK(rows[rows.size() - 2].value == 10007);
    for (std::size_t i = 1; i < rows.size(); ++i) {
        CHECK(rows[i].percentile_level > rows[i - 1].percentile_level);
        CHECK(rows[i].value >= rows[i - 1].value);
        CHECK(rows[i].cumulative_count >= rows[i - 1].cumulative_count);
    }
    // More ticks, more rows; one tick: 0, 50, 75, 87.5 ...
    CHECK(percentile_rows(h, 10).size() > rows.size());
    const auto coarse = percentile_rows(h, 1);
    REQUIRE(coarse.size() > 4);
    CHECK(coarse[1].percentile_level == 50.0);
    CHECK(coarse[2].percentile_level == 75.0);
    CHECK(coarse[3].percentile_level == 87.5);
    CHECK_THROWS_AS(percentile_rows(h, 0), std::invalid_argument);

    // Counts beyond double precision: the level cannot reach the last slot's percentage
    // exactly; the iteration still ends with the 100 % row.
    HdrHistogram enormous(1, 1000, 2);
    enormous.set_count_at_index(1, std::int64_t{1} << 62);
    enormous.set_count_at_index(2, 1);
    const auto capped = percentile_rows(enormous);
    REQUIRE(capped.size() > 2);
    CHECK(capped.size() < 1000);
    CHECK(capped.back().percentile_level == 100.0);
    CHECK(capped.back().value == 2);
    CHECK(capped.back().cumulative_count == (std::int64_t{1} << 62) + 1);

    HdrHistogram single(1, 1000, 2);
    single.record(7);
    const auto two = percentile_rows(single);
    REQUIRE(two.size() == 2);
    CHECK(two[0].percentile_level == 0.0);
    CHECK(two[1].percentile_level == 100.0);
    CHECK(two[1].value == 7);
}

TEST_CASE(".hgrm text of the accumulated sample log matches Java's", "[hdr][hgrm][sample]") {
    const HlogContents log = read_hlog(vectors_dir() / "sample.hlog");
    const auto untagged = accumulate(log, std::nullopt);
    REQUIRE(untagged);
    CHECK(percentile_distribution(*untagged) ==
          read_text_file(vectors_dir() / "sample.hgrm.expected"));
    const auto db = accumulate(log, "db");
    REQUIRE(db);
    CHECK(percentile_distribution(*db) ==
          read_text_file(vectors_dir() / "sample.db.hgrm.expected"));
    CHECK_FALSE(accumulate(log, "nope"));
}

TEST_CASE(".hgrm layout: ratio, empty histogram, invalid arguments", "[hdr][hgrm]") {
    HdrHistogram h(1, 3'600'000'000'000, 3);
    h.record(1'500'000);
    h.record(2'500'000);
    const std::vector<std::string> lines = lines_of(percentile_distribution(h, 5, 1e6));
    REQUIRE(lines.size() >= 7);
    CHECK(lines[0] == "       Value     Percentile TotalCount 1/(1-Percentile)");
    CHECK(lines[1].empty());
    CHECK(lines[2] == "       1.500 0.000000000000          1           1.00");
    CHECK(lines[lines.size() - 4] == "       2.501 1.000000000000          2");
    CHECK(lines[lines.size() - 3] == "#[Mean    =        2.000, StdDeviation   =        0.500]");
    CHECK(lines[lines.size() - 2] == "#[Max     =        2.501, Total count    =            2]");
    CHECK(lines.back() == "#[Buckets =           32, SubBuckets     =         2048]");
    CHECK_THROWS_AS(percentile_distribution(h, 5, 0.0), std::invalid_argument);
    CHECK_THROWS_AS(percentile_distribution(h, 5, std::nan("")), std::invalid_argument);
    CHECK_THROWS_AS(percentile_distribution_csv(h, 0), std::invalid_argument);
}

TEST_CASE("CSV variant has the same rows and no footer", "[hdr][hgrm][csv]") {
    HdrHistogram h(1, 3'600'000'000, 2);
    for (std::int64_t v = 1; v <= 7; ++v) h.record(v);
    const std::vector<std::string> lines = lines_of(percentile_distribution_csv(h));
    const std::vector<PercentileRow> rows = percentile_rows(h);
    REQUIRE(lines.size() == rows.size() + 1);
    CHECK(lines[0] == "\"Value\",\"Percentile\",\"TotalCount\",\"1/(1-Percentile)\"");
    CHECK(lines[1] == "1.00,0.000000000000,1,1.00");
    CHECK(lines.back() == "7.00,1.000000000000,7,Infinity");
    for (const std::string& line : lines) CHECK(line.find('#') == std::string::npos);
    CHECK(percentile_distribution_csv(HdrHistogram(1, 100, 2)) ==
          "\"Value\",\"Percentile\",\"TotalCount\",\"1/(1-Percentile)\"\n");
}
