// Timestamps outside the years 1900 to 2100 (replay/time_text.hpp): refused before any
// arithmetic, and the record malformed with its line or entry, in every reader. Before the
// range check, `10/Oct/0000` and `9999-12-31` overflowed int64 (UBSan) and were accepted with
// the wrapped value.
#include "replay/readers.hpp"
#include "replay/support.hpp"
#include "replay/time_text.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>

using namespace volley;
using namespace volley::replay;
using namespace volley::replay_test;

namespace {

constexpr std::int64_t kT0 = 1760104536'000'000'000;  // 2025-10-10T13:55:36Z

struct Read {
    std::vector<ReplayRecord> records;
    ReaderCounts counts;
};

Read read_every(std::unique_ptr<RecordReader> reader) {
    Read out;
    out.records = read_all(*reader);
    out.counts = reader->counts();
    return out;
}

bool says_out_of_range(const MalformedRecord& m) {
    return m.reason.find("is outside the years 1900 to 2100 (UTC)") != std::string::npos;
}

std::string access_line(const std::string& time, const std::string& path) {
    return "203.0.113.7 - - [" + time + "] \"GET " + path + " HTTP/1.1\" 200 5 \"-\" \"curl\"\n";
}

}  // namespace

TEST_CASE("the capture time range: 1900-01-01 to 2100-12-31 UTC, zone applied") {
    CHECK(parse_iso8601_ns("1900-01-01T00:00:00Z").ns == kEarliestCaptureNs);
    CHECK(parse_iso8601_ns("2100-12-31T23:59:59.999999999Z").ns == kEndOfCaptureNs - 1);
    CHECK(parse_iso8601_ns("1899-12-31T23:59:59Z").out_of_range);
    CHECK(parse_iso8601_ns("1900-01-01T00:30:00+01:00").out_of_range);  // 1899 in UTC
    CHECK(parse_iso8601_ns("2101-01-01T00:00:00Z").out_of_range);
    CHECK(parse_iso8601_ns("0000-01-01T00:00:00Z").out_of_range);
    CHECK(parse_iso8601_ns("9999-12-31T23:59:59Z").out_of_range);
    CHECK(parse_clf_time_ns("10/Oct/0000:13:55:36 +0000").out_of_range);
    CHECK(parse_clf_time_ns("31/Dec/9999:23:59:59 -2359").out_of_range);
    CHECK(parse_iso8601_ns("1969-12-31T23:59:59Z").ns == -1'000'000'000);  // in range
    CHECK(capture_time_from_units(INT64_MAX, 1'000'000'000).out_of_range);
    CHECK(capture_time_from_units(INT64_MIN / 2, 1).out_of_range);
    CHECK(capture_time_from_units(1760104536, 1'000'000'000, 5).ns == kT0 + 5);
    CHECK(capture_time_from_double(9.9e10, 1e9).out_of_range);
    CHECK(capture_time_from_double(1e300, 1).out_of_range);
    CHECK_FALSE(capture_time_from_double(std::nan(""), 1).ns);
}

TEST_CASE("access logs: a year 0000 or 9999 time is a malformed line, not a wrapped time") {
    TempFile file("access.log", access_line("10/Oct/2025:13:55:36 +0000", "/a") +
                                    access_line("10/Oct/0000:13:55:36 +0000", "/year-0") +
                                    access_line("31/Dec/9999:23:59:59 +0000", "/year-9999") +
                                    access_line("10/Oct/2025:13:55:37 +0000", "/b"));
    const auto read = read_every(make_access_log_reader(file.path(), "", false));
    REQUIRE(read.records.size() == 2);
    CHECK(read.records[0].target == "/a");
    CHECK(read.records[1].ts_ns - read.records[0].ts_ns == 1'000'000'000);
    CHECK(read.counts.malformed == 2);
    REQUIRE(read.counts.first_malformed.size() == 2);
    CHECK(read.counts.first_malformed[0].location == "line 2");
    CHECK(read.counts.first_malformed[0].reason ==
          "the time '10/Oct/0000:13:55:36 +0000' is outside the years 1900 to 2100 (UTC)");
    CHECK(read.counts.first_malformed[1].location == "line 3");
    CHECK(says_out_of_range(read.counts.first_malformed[1]));
    // --strict names the line.
    auto strict = make_access_log_reader(file.path(), "", true);
    CHECK_THROWS_WITH(read_all(*strict), Catch::Contains("line 2: the time '10/Oct/0000"));
}

TEST_CASE("access logs: $time_iso8601 and $msec out of range are malformed lines") {
    TempFile iso("iso.log",
                 "[2025-10-10T13:55:36Z] \"GET /a HTTP/1.1\"\n"
                 "[9999-12-31T23:59:59Z] \"GET /b HTTP/1.1\"\n");
    const auto iso_read =
        read_every(make_access_log_reader(iso.path(), "[$time_iso8601] \"$request\"", false));
    CHECK(iso_read.records.size() == 1);
    REQUIRE(iso_read.counts.first_malformed.size() == 1);
    CHECK(iso_read.counts.first_malformed[0].location == "line 2");
    CHECK(says_out_of_range(iso_read.counts.first_malformed[0]));

    // 1e14 s × 1e9 overflows int64; 99999999999999999999 s overflows the seconds themselves.
    TempFile msec("msec.log",
                  "1760104536.125 \"GET /a HTTP/1.1\"\n"
                  "99999999999999.5 \"GET /b HTTP/1.1\"\n"
                  "99999999999999999999 \"GET /c HTTP/1.1\"\n");
    const auto msec_read =
        read_every(make_access_log_reader(msec.path(), "$msec \"$request\"", false));
    REQUIRE(msec_read.records.size() == 1);
    CHECK(msec_read.records[0].ts_ns == kT0 + 125'000'000);
    REQUIRE(msec_read.counts.first_malformed.size() == 2);
    CHECK(msec_read.counts.first_malformed[0].location == "line 2");
    CHECK(says_out_of_range(msec_read.counts.first_malformed[0]));
    CHECK(msec_read.counts.first_malformed[1].location == "line 3");
    CHECK(says_out_of_range(msec_read.counts.first_malformed[1]));
}

TEST_CASE("JSONL: a ts beyond the range in any unit is a malformed line") {
    TempFile file("c.jsonl",
                  "{\"ts\": 1760104536, \"path\": \"/ok\"}\n"
                  "{\"ts\": 99999999999, \"path\": \"/s\"}\n"      // s: × 1e9 overflows
                  "{\"ts\": 99999999999999, \"path\": \"/ms\"}\n"  // ms: × 1e6
                  "{\"ts\": 9.9e10, \"path\": \"/double\"}\n"
                  "{\"ts\": 18446744073709551615, \"path\": \"/u64\"}\n"
                  "{\"ts\": \"9999-12-31T00:00:00Z\", \"path\": \"/iso\"}\n"
                  "{\"ts\": \"1899-12-31T23:59:59Z\", \"path\": \"/1899\"}\n");
    const auto read = read_every(make_jsonl_reader(file.path(), false));
    REQUIRE(read.records.size() == 1);
    CHECK(read.records[0].ts_ns == kT0);
    CHECK(read.counts.malformed == 6);
    REQUIRE(read.counts.first_malformed.size() == 6);
    for (std::size_t i = 0; i < 6; ++i) {
        CHECK(read.counts.first_malformed[i].location == "line " + std::to_string(i + 2));
        CHECK(says_out_of_range(read.counts.first_malformed[i]));
    }
    CHECK(read.counts.first_malformed[0].reason ==
          "\"ts\" 99999999999 is outside the years 1900 to 2100 (UTC)");
}

TEST_CASE("HAR: a startedDateTime in the year 9999 is a malformed entry") {
    const auto entry = [](const std::string& when, const std::string& path) {
        return R"({"startedDateTime": ")" + when +
               R"(", "request": {"method": "GET", "url": "https://example.com)" + path +
               R"(", "headers": []}})";
    };
    TempFile file("c.har", R"({"log": {"entries": [)" + entry("2025-10-10T13:55:36Z", "/a") + "," +
                               entry("9999-12-31T23:59:59.000Z", "/b") + "," +
                               entry("0000-01-01T00:00:00Z", "/c") + "]}}");
    const auto capture = read_har(file.path(), false);
    REQUIRE(capture->records.size() == 1);
    CHECK(capture->records[0].ts_ns == kT0);
    REQUIRE(capture->counts.first_malformed.size() == 2);
    CHECK(capture->counts.first_malformed[0].location == "log.entries[1]");
    CHECK(capture->counts.first_malformed[0].reason ==
          "startedDateTime '9999-12-31T23:59:59.000Z' is outside the years 1900 to 2100 (UTC)");
    CHECK(capture->counts.first_malformed[1].location == "log.entries[2]");
    CHECK_THROWS_WITH(read_har(file.path(), true), Catch::Contains("log.entries[1]"));
}

TEST_CASE("GoReplay: a timestamp after 2100 is a malformed record") {
    const auto record = [](const std::string& ts, const std::string& path) {
        return "1 a1 " + ts + " 0\nGET " + path + " HTTP/1.1\r\nHost: h\r\n\r\n" +
               std::string(kGorSeparator);
    };
    // 7e18 ns is in 2191: int64 holds it, the capture range does not.
    TempFile file("c.gor", record("1760104536000000000", "/a") +
                               record("7000000000000000000", "/b") +
                               record("1760104537000000000", "/c"));
    const auto read = read_every(make_gor_reader(file.path(), false));
    REQUIRE(read.records.size() == 2);
    CHECK(read.records[1].target == "/c");
    REQUIRE(read.counts.first_malformed.size() == 1);
    CHECK(read.counts.first_malformed[0].location == "line 7");
    CHECK(read.counts.first_malformed[0].reason ==
          "the timestamp 7000000000000000000 ns is outside the years 1900 to 2100 (UTC)");
}
