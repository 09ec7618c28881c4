// Interval log writer and reader (docs/hdr.md §9).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <locale>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/hdr_histogram.hpp"
#include "reference_vectors.hpp"
#include "reports/hdr_codec.hpp"
#include "reports/hlog.hpp"

using volley::engine::HdrHistogram;
using namespace volley::reports;
using namespace volley::hdr_test;

namespace {

constexpr double kStart = 1700000000.0;
constexpr std::string_view kSampleComment =
    "Logged with tools/hdrgen/HdrGen.java (libhdrhistogram-java 2.1.11); values in microseconds; "
    "Interval_Max in milliseconds";

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> fields;
    std::istringstream in(line);
    for (std::string field; std::getline(in, field, ',');) fields.push_back(field);
    return fields;
}

HlogContents parse(const std::string& text) {
    std::istringstream in(text);
    return read_hlog(in);
}

HdrHistogram values(std::initializer_list<std::int64_t> recorded) {
    HdrHistogram h = HdrHistogram::latency_ns();
    for (const std::int64_t v : recorded) h.record(v);
    return h;
}

// A decimal separator ',' and digit grouping, to prove the writer ignores the global locale.
struct CommaDecimal : std::numpunct<char> {
    char do_decimal_point() const override { return ','; }
    char do_thousands_sep() const override { return '.'; }
    std::string do_grouping() const override { return "\3"; }
};

struct GlobalLocaleGuard {
    std::locale previous =
        std::locale::global(std::locale(std::locale::classic(), new CommaDecimal));
    ~GlobalLocaleGuard() { std::locale::global(previous); }
};

}  // namespace

TEST_CASE("sample.hlog reads back as Java wrote it", "[hdr][hlog][sample]") {
    const HlogContents log = read_hlog(vectors_dir() / "sample.hlog");
    CHECK(log.format_version == "1.3");
    CHECK(log.start_time_s == kStart);
    CHECK(log.base_time_s == kStart);
    REQUIRE(log.comments.size() == 1);
    CHECK(log.comments[0] == "[" + std::string(kSampleComment) + "]");
    CHECK(log.warnings.empty());
    CHECK(log.tags() == std::vector<std::string>{"db"});

    const auto& expected_lines = sample_expected().at("lines").as_array();
    REQUIRE(log.intervals.size() == expected_lines.size());
    for (std::size_t i = 0; i < expected_lines.size(); ++i) {
        const auto& expected = expected_lines[i].as_object();
        const HlogInterval& interval = log.intervals[i];
        INFO("line " << as_int(expected.at("line_number")));
        if (expected.at("tag").is_null()) {
            CHECK_FALSE(interval.tag);
        } else {
            CHECK(interval.tag == std::string(expected.at("tag").as_string()));
        }
        CHECK(interval.start_s == as_double(expected.at("start_timestamp")));
        CHECK(interval.length_s == as_double(expected.at("interval_length")));
        CHECK(interval.interval_max == as_double(expected.at("interval_max_field")));
        CHECK(interval.histogram.start_time_ms ==
              static_cast<std::int64_t>((kStart + interval.start_s) * 1000));
        CHECK(interval.histogram.end_time_ms ==
              static_cast<std::int64_t>((kStart + interval.start_s + interval.length_s) * 1000));
        check_statistics(interval.histogram, expected);
    }
    for (const auto& accumulated_value : sample_expected().at("accumulated_by_tag").as_array()) {
        const auto& accumulated = accumulated_value.as_object();
        std::optional<std::string> tag;
        if (!accumulated.at("tag").is_null()) tag = std::string(accumulated.at("tag").as_string());
        INFO("tag " << tag.value_or("(untagged)"));
        const auto sum = accumulate(log, tag);
        REQUIRE(sum);
        check_statistics(*sum, accumulated);
        // Summed while reading the file, without holding the log: the same figures.
        const auto streamed = accumulate_file(vectors_dir() / "sample.hlog", tag);
        REQUIRE(streamed);
        check_statistics(*streamed, accumulated);
    }
}

TEST_CASE("our writer reproduces sample.hlog (histograms compared decoded)",
          "[hdr][hlog][sample]") {
    const std::string original = read_text_file(vectors_dir() / "sample.hlog");
    const HlogContents log = parse(original);
    std::ostringstream out;
    HlogWriter writer(out, log.start_time_s, {std::string(kSampleComment)});
    for (const HlogInterval& interval : log.intervals) {
        writer.write_interval(interval.tag, interval.start_s, interval.length_s, interval.histogram,
                              1000.0);
    }
    writer.flush();
    const std::vector<std::string> ours = lines_of(out.str());
    const std::vector<std::string> theirs = lines_of(original);
    REQUIRE(ours.size() == theirs.size());
    for (std::size_t i = 0; i < ours.size(); ++i) {
        INFO("line " << i + 1);
        if (theirs[i].starts_with('#') || theirs[i].starts_with('"')) {
            CHECK(ours[i] == theirs[i]);
            continue;
        }
        std::vector<std::string> our_fields = split(ours[i]);
        std::vector<std::string> their_fields = split(theirs[i]);
        REQUIRE(our_fields.size() == their_fields.size());
        for (std::size_t f = 0; f + 1 < our_fields.size(); ++f)
            CHECK(our_fields[f] == their_fields[f]);
        check_same_counts(decode_base64(our_fields.back()), decode_base64(their_fields.back()));
    }
}

TEST_CASE("write -> read round trip of our own log", "[hdr][hlog]") {
    const auto dir = std::filesystem::temp_directory_path() / "volley_hdr_hlog_round_trip";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const auto path = dir / "latency.hlog";
    const std::vector<HdrHistogram> intervals = {
        values({1'000'000, 2'000'000, 3'000'000}),
        values({}),
        values({7, 8, 9, 1'234'567}),
        values({3'600'000'000'000}),
    };
    {
        HlogWriter writer(path, 1712345678.25, {"values in nanoseconds; corrected: no"});
        writer.write_interval(std::nullopt, 0.0, 1.0, intervals[0]);
        writer.write_interval("GET_/users", 0.0, 1.0, intervals[2]);
        writer.write_interval(std::nullopt, 1.0, 1.0, intervals[1]);
        writer.write_interval("GET_/users", 1.0, 1.0, intervals[1]);
        writer.write_interval(std::nullopt, 2.0, 0.5, intervals[3]);
        writer.flush();
    }
    const std::vector<std::string> lines = lines_of(read_text_file(path));
    REQUIRE(lines.size() == 10);
    CHECK(lines[0] == "#[values in nanoseconds; corrected: no]");
    CHECK(lines[1] == "#[Histogram log format version 1.3]");
    CHECK(lines[2] ==
          "#[StartTime: 1712345678.250 (seconds since epoch), Fri Apr 05 19:34:38 UTC 2024]");
    CHECK(lines[3] == "#[BaseTime: 1712345678.250 (seconds since epoch)]");
    CHECK(lines[4] ==
          "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_"
          "Histogram\"");
    CHECK(lines[5].starts_with("0.000,1.000,3.000,HISTF"));
    CHECK(lines[6].starts_with("Tag=GET_/users,0.000,1.000,1.235,HISTF"));
    CHECK(lines[7].starts_with("1.000,1.000,0.000,HISTF"));
    CHECK(lines[9].starts_with("2.000,0.500,3601330.078,HISTF"));

    const HlogContents log = read_hlog(path);
    CHECK(log.start_time_s == 1712345678.25);
    CHECK(log.base_time_s == 1712345678.25);
    REQUIRE(log.intervals.size() == 5);
    const std::vector<std::size_t> which = {0, 2, 1, 1, 3};
    for (std::size_t i = 0; i < which.size(); ++i) {
        INFO("interval " << i);
        check_same_counts(log.intervals[i].histogram, intervals[which[i]]);
        CHECK(log.intervals[i].histogram.max() == intervals[which[i]].max());
    }
    CHECK(log.intervals[1].tag == "GET_/users");
    CHECK_FALSE(log.intervals[2].tag);
    CHECK(log.intervals[4].start_s == 2.0);
    CHECK(log.intervals[4].length_s == 0.5);
    CHECK(log.intervals[4].histogram.start_time_ms == 1712345680250);
    CHECK(log.intervals[4].histogram.end_time_ms == 1712345680750);
    CHECK(accumulate(log, std::nullopt)->total_count() == 4);
    CHECK(accumulate(log, "GET_/users")->total_count() == 4);
    std::filesystem::remove_all(dir);
}

TEST_CASE("writer validates tags, times and comments", "[hdr][hlog]") {
    std::ostringstream out;
    HlogWriter writer(out, kStart);
    const HdrHistogram h = values({5});
    for (const char* bad : {"", "a,b", "a b", "a\tb", "a\nb", "a\rb"}) {
        INFO("tag \"" << bad << "\"");
        CHECK_FALSE(is_valid_hlog_tag(bad));
        CHECK_THROWS_AS(writer.write_interval(std::string_view(bad), 0.0, 1.0, h),
                        std::invalid_argument);
    }
    CHECK(is_valid_hlog_tag("db"));
    CHECK(is_valid_hlog_tag("POST_/orders/{id}"));
    CHECK_THROWS_AS(writer.write_interval(std::nullopt, -0.001, 1.0, h), std::invalid_argument);
    CHECK_THROWS_AS(writer.write_interval(std::nullopt, std::nan(""), 1.0, h),
                    std::invalid_argument);
    CHECK_THROWS_AS(writer.write_interval(std::nullopt, 0.0, -1.0, h), std::invalid_argument);
    CHECK_THROWS_AS(writer.write_interval(std::nullopt, 0.0, 1.0, h, 0.0), std::invalid_argument);
    writer.write_interval(std::nullopt, 5.0, 1.0, h);
    writer.write_interval("db", 1.0, 1.0, h);  // other tag: its own order
    writer.write_interval(std::nullopt, 5.0, 1.0, h);
    CHECK_THROWS_AS(writer.write_interval(std::nullopt, 4.0, 1.0, h), std::invalid_argument);
    CHECK(lines_of(out.str()).size() == 4 + 3);  // nothing written by the rejected calls

    std::ostringstream sink;
    CHECK_THROWS_AS(HlogWriter(sink, -1.0), std::invalid_argument);
    CHECK_THROWS_AS(HlogWriter(sink, 1e300), std::invalid_argument);
    CHECK_THROWS_AS(HlogWriter(sink, kStart, {"two\nlines"}), std::invalid_argument);
    CHECK_THROWS_AS(HlogWriter(sink, kStart, {std::string(125, 'x')}), std::invalid_argument);
    CHECK_NOTHROW(HlogWriter(sink, kStart, {std::string(123, 'x')}));
    std::ostringstream bracketed;
    const HlogWriter bracketed_writer(bracketed, kStart, {"[already bracketed]", "plain"});
    CHECK(bracketed.str().starts_with("#[already bracketed]\n#[plain]\n#[Histogram log format"));
    std::ostringstream broken;
    broken.setstate(std::ios::badbit);
    CHECK_THROWS_AS(HlogWriter(broken, kStart), std::runtime_error);
    CHECK_THROWS_AS(HlogWriter(std::filesystem::path("/nonexistent-dir/x.hlog"), kStart),
                    std::runtime_error);
}

TEST_CASE("numbers are C-locale whatever the global locale", "[hdr][hlog][locale]") {
    std::ostringstream out;
    {
        const GlobalLocaleGuard guard;
        out.imbue(std::locale());
        HlogWriter writer(out, 1234567.5);
        writer.write_interval("x", 1234.5, 10.0, values({2'500'000'000}));
    }
    const std::vector<std::string> lines = lines_of(out.str());
    REQUIRE(lines.size() == 5);
    CHECK(lines[1] ==
          "#[StartTime: 1234567.500 (seconds since epoch), Thu Jan 15 06:56:07 UTC 1970]");
    CHECK(lines[4].starts_with("Tag=x,1234.500,10.000,2501.902,HISTF"));
    const GlobalLocaleGuard guard;
    CHECK(parse(out.str()).intervals.at(0).start_s == 1234.5);
}

TEST_CASE("reader: tolerated variations and timestamp deduction", "[hdr][hlog][reader]") {
    const std::string histogram = encode_compressed_base64(values({1000}));
    SECTION("CRLF, blank lines, comments after data, no legend") {
        const HlogContents log = parse(
            "#[StartTime: 100.000 (seconds since epoch), x]\r\n"
            "#[BaseTime: 100.000 (seconds since epoch)]\r\n\r\n"
            "1.000,1.000,0.001," +
            histogram +
            "\r\n#late comment\r\n"
            "Tag=a,2.000,1.000,0.001," +
            histogram + "\r\n");
        REQUIRE(log.intervals.size() == 2);
        CHECK(log.intervals[1].tag == "a");
        CHECK(log.comments == std::vector<std::string>{"late comment"});
        CHECK(log.intervals[1].histogram.start_time_ms == 102000);
    }
    SECTION("relative timestamps without BaseTime: base = StartTime") {
        const HlogContents log = parse(
            "#[StartTime: 1700000000.000 (seconds since epoch), x]\n"
            "5.000,1.000,0.001," +
            histogram + "\n");
        CHECK(log.base_time_s == 1700000000.0);
        CHECK(log.intervals[0].histogram.start_time_ms == 1700000005000);
    }
    SECTION("absolute timestamps without BaseTime: base = 0") {
        const HlogContents log = parse(
            "#[StartTime: 1700000000.000 (seconds since epoch), x]\n"
            "1700000005.000,1.000,0.001," +
            histogram + "\n");
        CHECK(log.base_time_s == 0.0);
        CHECK(log.intervals[0].histogram.start_time_ms == 1700000005000);
    }
    SECTION("no StartTime: the first line's time") {
        const HlogContents log = parse("1700000005.000,1.000,0.001," + histogram + "\n");
        CHECK(log.start_time_s == 1700000005.0);
        CHECK(log.base_time_s == 0.0);
        CHECK_FALSE(log.format_version);
    }
    SECTION("an unterminated broken last line is a warning, not an error") {
        const HlogContents log = parse("1.000,1.000,0.001," + histogram + "\n2.000,1.000,0.0");
        CHECK(log.intervals.size() == 1);
        REQUIRE(log.warnings.size() == 1);
        CHECK(log.warnings[0].find("line 2") != std::string::npos);
    }
}

TEST_CASE("reader: malformed lines name the line", "[hdr][hlog][reader]") {
    const std::string histogram = encode_compressed_base64(values({1000}));
    const std::string header = "#[Histogram log format version 1.3]\n";
    CHECK_THROWS_WITH(parse(header + "1.000,1.000,0.001\n"), Catch::Contains("line 2"));
    CHECK_THROWS_WITH(parse(header + "1.000,1.000,0.001," + histogram + ",x\n"),
                      Catch::Contains("fields"));
    CHECK_THROWS_WITH(parse(header + "1.000, 1.000,0.001," + histogram + "\n"),
                      Catch::Contains("Interval_Length"));
    CHECK_THROWS_WITH(parse(header + "nan,1.000,0.001," + histogram + "\n"),
                      Catch::Contains("StartTimestamp"));
    CHECK_THROWS_WITH(parse(header + "Tag=,1.000,1.000,0.001," + histogram + "\n"),
                      Catch::Contains("Tag"));
    CHECK_THROWS_WITH(parse(header + "1.000,1.000,0.001,HISTFAAAAA==\n"),
                      Catch::Contains("line 2"));
    CHECK_THROWS_WITH(parse(header + "1.000,1.000,0.001,not base64!\n"), Catch::Contains("base64"));
    CHECK_THROWS_WITH(parse("#[StartTime: soon (seconds since epoch)]\n"),
                      Catch::Contains("StartTime"));
    CHECK_THROWS_AS(read_hlog(std::filesystem::path("/nonexistent-dir/x.hlog")),
                    std::runtime_error);
}
