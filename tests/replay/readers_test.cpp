// The capture readers against fixtures shaped like real files (tests/fixtures/replay).
#include "replay/readers.hpp"
#include "replay/http_message.hpp"
#include "replay/support.hpp"
#include "replay/time_text.hpp"

#include <catch2/catch.hpp>

using namespace volley;
using namespace volley::replay;
using namespace volley::replay_test;

namespace {
constexpr std::int64_t kT0 = 1760104536'000'000'000;  // 2025-10-10T13:55:36Z
constexpr std::int64_t kMs = 1'000'000;
}  // namespace

TEST_CASE("timestamps: ISO 8601 with zones and fractions, Common Log Format") {
    CHECK(parse_iso8601_ns("2025-10-10T13:55:36Z").ns == kT0);
    CHECK(parse_iso8601_ns("2025-10-10T15:55:36.250+02:00").ns == kT0 + 250 * kMs);
    CHECK(parse_iso8601_ns("2025-10-10 13:55:36.000000123").ns == kT0 + 123);
    CHECK(parse_iso8601_ns("2025-10-10T08:55:36-0500").ns == kT0);
    CHECK_FALSE(parse_iso8601_ns("2025-13-10T13:55:36Z").ns);
    CHECK_FALSE(parse_iso8601_ns("yesterday").ns);
    CHECK_FALSE(parse_iso8601_ns("yesterday").out_of_range);
    CHECK(parse_clf_time_ns("10/Oct/2025:13:55:36 +0000").ns == kT0);
    CHECK(parse_clf_time_ns("10/Oct/2025:15:55:36 +0200").ns == kT0);
    CHECK_FALSE(parse_clf_time_ns("10/Foo/2025:13:55:36 +0000").ns);
    CHECK(days_from_civil(1970, 1, 1) == 0);
    CHECK(days_from_civil(2000, 3, 1) == 11017);
}

TEST_CASE("raw HTTP requests: chunked bodies, absolute targets, truncation") {
    ReplayRecord record;
    CHECK(parse_http_request(
              "POST http://h:1/a/b?c=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
              "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n",
              record) == "");
    CHECK(record.method == "POST");
    CHECK(record.target == "/a/b?c=1");
    CHECK(record.body == "abcde");
    CHECK(parse_http_request("GET / HTTP/1.1\nAccept: */*\n\n", record) == "");  // bare LF
    CHECK(header(record, "accept") == "*/*");
    CHECK(parse_http_request("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", record) ==
          "the body is shorter than Content-Length");
    CHECK(parse_http_request("GET / HTTP/1.1\r\nAccept: x\r\n", record) ==
          "the headers are truncated");
    CHECK(parse_http_request("HELLO\r\n\r\n", record) != "");
    CHECK(origin_form("https://x.example/") == "/");
    CHECK(origin_form("https://x.example?q=1") == "/?q=1");
}

TEST_CASE(
    "GoReplay: requests with their headers and bodies; responses and broken records counted") {
    for (const auto* name : {"capture.gor", "capture.gor.gz"}) {
        INFO(name);
        auto reader = make_gor_reader(fixture(name), false);
        const auto records = read_all(*reader);
        REQUIRE(records.size() == 6);
        CHECK(records[0].method == "GET");
        CHECK(records[0].target == "/entities/1001/ancestors");
        CHECK(records[0].ts_ns == kT0);
        CHECK(records[0].line == 1);
        CHECK(header(records[0], "User-Agent").find("Chrome/120.0") != std::string::npos);
        CHECK(records[1].target == "/entities/1002/ancestors?depth=3");
        CHECK(header(records[1], "X-Request-Id") == "r-2");
        CHECK(records[2].ts_ns == kT0 + 95 * kMs);  // file order is kept: the reorder window sorts
        CHECK(records[3].method == "POST");
        CHECK(records[3].body == "{\"id\":\"1004\",\"parent\":\"1\"}\n");
        CHECK(records[4].method == "PUT");
        CHECK(records[4].body == "hello, world");  // chunked, decoded
        CHECK(records[5].target == "/healthz");    // absolute-form target
        for (std::size_t i = 0; i < records.size(); ++i) CHECK(records[i].ordinal == i);
        const auto& counts = reader->counts();
        CHECK(counts.requests == 6);
        CHECK(counts.non_requests == 6);
        CHECK(counts.malformed == 1);
        REQUIRE(counts.first_malformed.size() == 1);
        CHECK(counts.first_malformed[0].location == "line 58");
    }
}

TEST_CASE("GoReplay: a record cut inside its body, and a cut gzip stream") {
    auto plain = make_gor_reader(fixture("truncated.gor"), false);
    CHECK(read_all(*plain).size() == 6);
    REQUIRE(plain->counts().malformed == 2);
    CHECK(plain->counts().first_malformed[1].location == "line 108");
    CHECK(plain->counts().first_malformed[1].reason.find("truncated") != std::string::npos);

    auto zipped = make_gor_reader(fixture("truncated.gor.gz"), false);
    const auto records = read_all(*zipped);
    CHECK(!records.empty());
    REQUIRE(zipped->counts().malformed == 1);
    CHECK(zipped->counts().first_malformed[0].reason.find("gzip stream is truncated") !=
          std::string::npos);
}

TEST_CASE("strict readers fail at the first malformed record, naming its line") {
    auto reader = make_gor_reader(fixture("capture.gor"), true);
    try {
        (void)read_all(*reader);
        FAIL("expected a ReplayInputError");
    } catch (const ReplayInputError& error) {
        CHECK(std::string(error.what()).find("capture.gor: line 58:") != std::string::npos);
    }
    CHECK_THROWS_AS(read_har(fixture("browser.har"), true), ReplayInputError);
    CHECK_THROWS_AS(make_gor_reader(fixture("no-such-file.gor"), false), ReplayInputError);
}

TEST_CASE("HAR: a browser recording, sorted by start; pseudo-headers dropped; forms encoded") {
    const auto capture = read_har(fixture("browser.har"), false);
    auto reader = make_har_reader(capture, fixture("browser.har"));
    const auto records = read_all(*reader);
    REQUIRE(records.size() == 4);
    CHECK(records[0].target == "/api/cart");
    CHECK(records[0].ts_ns == kT0);
    CHECK(records[1].target == "/api/products?page=2");  // started before the POST listed above it
    CHECK(records[1].ts_ns == kT0 + 125 * kMs);
    CHECK(records[2].method == "POST");
    CHECK(records[2].body == "{\"sku\":\"A-1\",\"qty\":2}");
    CHECK(records[3].body == "user=ann&note=a+b%26c");
    for (const auto& record : records) {
        for (const auto& [name, value] : record.headers) CHECK(name.front() != ':');
        CHECK(header(record, "cookie") == "sid=abc");
    }
    for (const auto& record : records)
        CHECK(record.connection == connection_id("443"));  // entries[].connection
    CHECK(reader->counts().non_requests == 1);             // the data: URL
    REQUIRE(reader->counts().malformed == 1);
    CHECK(reader->counts().first_malformed[0].location == "log.entries[5]");
}

TEST_CASE(
    "access logs: quoted user agents with spaces, whole seconds spread, garbage and cut lines") {
    auto reader = make_access_log_reader(fixture("access.log"), "", false);
    const auto records = read_all(*reader);
    REQUIRE(records.size() == 7);
    // Second :36 has four requests (one logged a line late): spread at 0, 250, 500, 750 ms.
    CHECK(records[0].target == "/entities/1/ancestors");
    CHECK(records[0].ts_ns == kT0);
    CHECK(records[1].ts_ns == kT0 + 250 * kMs);
    CHECK(records[2].method == "POST");
    CHECK(records[2].ts_ns == kT0 + 500 * kMs);
    CHECK(header(records[2], "User-Agent") == "curl/8.4.0 \"quoted\" agent");
    CHECK(records[3].target == "/entities/3/ancestors");
    CHECK(records[3].ts_ns == kT0 + 750 * kMs);
    CHECK(header(records[0], "User-Agent") ==
          "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/120.0 Safari/537.36");
    CHECK(header(records[0], "Referer") == "");  // "-" is no header
    CHECK(header(records[1], "Referer") == "https://app.example.com/");
    CHECK(records[4].target == "/healthz");
    CHECK(records[4].ts_ns == kT0 + 1000 * kMs);
    CHECK(records[5].method == "DELETE");
    CHECK(records[5].ts_ns == kT0 + 2000 * kMs);  // 15:55:38 +0200
    CHECK(records[6].ts_ns == kT0 + 3000 * kMs);
    const auto& counts = reader->counts();
    REQUIRE(counts.malformed == 2);
    CHECK(counts.first_malformed[0].location == "line 6");  // TLS bytes on a plain port
    CHECK(counts.first_malformed[0].reason.find("\\x16\\x03") != std::string::npos);
    CHECK(counts.first_malformed[1].location == "line 9");  // cut inside the user agent
}

TEST_CASE("access logs: a custom log_format with $msec and trailing fields") {
    const std::string format =
        R"($msec $remote_addr "$request" $status "$http_user_agent" $request_time)";
    CHECK(check_log_format(format) == "");
    auto reader = make_access_log_reader(fixture("timed.log"), format, false);
    const auto records = read_all(*reader);
    REQUIRE(records.size() == 3);
    CHECK(records[0].ts_ns == kT0 + 125 * kMs);  // $msec is precise: no spreading, file order kept
    CHECK(records[0].target == "/a?q=1");
    CHECK(header(records[0], "User-Agent") == "agent one");
    CHECK(records[2].ts_ns == kT0 + 250 * kMs);
    CHECK(reader->counts().malformed == 0);
    CHECK(check_log_format("$remote_addr [$time_local]") != "");
    CHECK(check_log_format("$request$status") != "");
    CHECK_THROWS_AS(make_access_log_reader(fixture("timed.log"), "$status", false),
                    std::invalid_argument);
}

TEST_CASE("JSONL: seconds, ns and ISO 8601 times; url or path; headers as object or pairs") {
    auto reader = make_jsonl_reader(fixture("capture.jsonl"), false);
    const auto records = read_all(*reader);
    REQUIRE(records.size() == 4);
    CHECK(records[0].ts_ns == kT0 + 500 * kMs);
    CHECK(records[0].target == "/v1/items?page=1");
    CHECK(header(records[0], "X-Trace") == "t-1");
    CHECK(records[1].ts_ns == kT0 + 250 * kMs);
    CHECK(records[1].body == "{\"name\":\"x\"}");
    CHECK(records[2].method == "GET");
    CHECK(records[2].ts_ns == kT0 + 1125 * kMs);
    CHECK(records[3].line == 7);
    CHECK(header(records[3], "Authorization") == "Bearer abc");
    REQUIRE(reader->counts().malformed == 2);
    CHECK(reader->counts().first_malformed[0].location == "line 4");
    CHECK(reader->counts().first_malformed[1].location == "line 6");
    CHECK(reader->counts().first_malformed[1].reason == "missing \"ts\"");
}

TEST_CASE(
    "connection ids: GoReplay's fifth field, JSONL, HAR, $connection or client address and port") {
    const std::string sep = std::string(kGorSeparator);
    TempFile gor(
        "c.gor",
        "1 aa01 1760104536000000000 0 7\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n" + sep +
            "2 aa01 1760104536001000000 1000000 7\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" +
            sep + "1 aa02 1760104536002000000 0\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n" + sep +
            "1 aa03 1760104536003000000 0 8\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n" + sep +
            "1 aa04 1760104536004000000 0 8 9\nGET /d HTTP/1.1\r\nHost: x\r\n\r\n" + sep);
    auto gor_reader = make_gor_reader(gor.path(), false);
    const auto gor_records = read_all(*gor_reader);
    REQUIRE(gor_records.size() == 3);
    CHECK(gor_records[0].connection == connection_id("7"));
    CHECK(gor_records[1].connection == 0);  // four fields: GoReplay's own format names none
    CHECK(gor_records[2].connection == connection_id("8"));
    CHECK(gor_records[0].connection != gor_records[2].connection);
    CHECK(gor_reader->counts().malformed == 1);  // six fields

    TempFile jsonl("c.jsonl", R"({"ts": 1, "path": "/a", "connection": "10.0.0.1:5000"}
{"ts": 2, "path": "/b", "connection": 42}
{"ts": 3, "path": "/c"}
{"ts": 4, "path": "/d", "connection": [1]}
)");
    auto jsonl_reader = make_jsonl_reader(jsonl.path(), false);
    const auto jsonl_records = read_all(*jsonl_reader);
    REQUIRE(jsonl_records.size() == 3);
    CHECK(jsonl_records[0].connection == connection_id("10.0.0.1:5000"));
    CHECK(jsonl_records[1].connection == connection_id("42"));
    CHECK(jsonl_records[2].connection == 0);
    REQUIRE(jsonl_reader->counts().malformed == 1);
    CHECK(jsonl_reader->counts().first_malformed[0].reason ==
          "\"connection\" is not a text or an integer");

    TempFile log("c.log",
                 "1760104536.125 10.0.0.1 51000 17 \"GET /a HTTP/1.1\"\n"
                 "1760104536.250 10.0.0.1 51002 - \"GET /b HTTP/1.1\"\n");
    auto by_serial = make_access_log_reader(
        log.path(), R"($msec $remote_addr $remote_port $connection "$request")", false);
    const auto serial_records = read_all(*by_serial);
    REQUIRE(serial_records.size() == 2);
    CHECK(serial_records[0].connection == connection_id("17"));
    CHECK(serial_records[1].connection ==
          connection_id("10.0.0.1:51002"));  // no serial: address and port
    auto by_address = make_access_log_reader(
        log.path(), R"($msec $remote_addr $bytes $status "$request")", false);
    const auto address_records = read_all(*by_address);
    REQUIRE(address_records.size() == 2);
    CHECK(address_records[0].connection == 0);  // an address alone names a client, not a connection
}

TEST_CASE("formats are guessed from the extension") {
    CHECK(guess_replay_format("a/b/capture.gor.gz") == ReplayFormat::gor);
    CHECK(guess_replay_format("rec.har") == ReplayFormat::har);
    CHECK(guess_replay_format("access.log.gz") == ReplayFormat::combined);
    CHECK(guess_replay_format("x.ndjson") == ReplayFormat::jsonl);
    CHECK_FALSE(guess_replay_format("capture.bin"));
}

TEST_CASE(
    "recorded headers: a name that is not a token, or a value with a line break, makes the record "
    "malformed") {
    SECTION("JSONL, headers as an object and as pairs") {
        TempFile file(
            "h.jsonl",
            "{\"ts\": 1, \"path\": \"/ok1\", \"headers\": {\"X-Fine\": \"1\"}}\n"
            "{\"ts\": 2, \"path\": \"/a\", \"headers\": {\"Bad Name\": \"x\"}}\n"
            "{\"ts\": 3, \"path\": \"/b\", \"headers\": [[\"X(y)\", \"v\"]]}\n"
            "{\"ts\": 4, \"path\": \"/c\", \"headers\": {\"X-Note\": \"a\\r\\nInjected: 1\"}}\n"
            "{\"ts\": 5, \"path\": \"/ok2\"}\n");
        auto reader = make_jsonl_reader(file.path(), false);
        const auto records = read_all(*reader);
        REQUIRE(records.size() == 2);
        CHECK(records[0].target == "/ok1");
        CHECK(records[1].target == "/ok2");
        const auto& counts = reader->counts();
        REQUIRE(counts.malformed == 3);
        CHECK(counts.first_malformed[0].location == "line 2");
        CHECK(counts.first_malformed[0].reason == "the header name 'Bad Name' is not a token");
        CHECK(counts.first_malformed[1].location == "line 3");
        CHECK(counts.first_malformed[1].reason == "the header name 'X(y)' is not a token");
        CHECK(counts.first_malformed[2].location == "line 4");
        CHECK(counts.first_malformed[2].reason ==
              "the value of header 'X-Note' holds a line break or NUL");
    }
    SECTION("HAR: the entry is named") {
        TempFile file("h.har", R"({"log": {"entries": [
  {"startedDateTime": "2025-10-10T13:55:36Z", "request": {"method": "GET", "url": "http://h/a", "headers": []}},
  {"startedDateTime": "2025-10-10T13:55:37Z", "request": {"method": "GET", "url": "http://h/b",
   "headers": [{"name": "X:Y", "value": "1"}]}}]}})");
        const auto capture = read_har(file.path(), false);
        CHECK(capture->records.size() == 1);
        REQUIRE(capture->counts.malformed == 1);
        CHECK(capture->counts.first_malformed[0].location == "log.entries[1]");
        CHECK(capture->counts.first_malformed[0].reason == "the header name 'X:Y' is not a token");
    }
    SECTION("GoReplay raw requests") {
        ReplayRecord record;
        CHECK(parse_http_request("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", record) ==
              "the header name 'Bad Name' is not a token");
        CHECK(parse_http_request("GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", record) ==
              "the value of header 'X-A' holds a line break or NUL");
    }
    SECTION("access logs: an escaped line break in a logged header value") {
        TempFile file("h.log",
                      "1760104536.125 \"GET /a HTTP/1.1\" \"fine\"\n"
                      "1760104536.250 \"GET /b HTTP/1.1\" \"a\\x0D\\x0AInjected: 1\"\n");
        auto reader =
            make_access_log_reader(file.path(), R"($msec "$request" "$http_x_note")", false);
        const auto records = read_all(*reader);
        REQUIRE(records.size() == 1);
        CHECK(header(records[0], "X-Note") == "fine");
        REQUIRE(reader->counts().malformed == 1);
        CHECK(reader->counts().first_malformed[0].location == "line 2");
        CHECK(reader->counts().first_malformed[0].reason ==
              "the value of header 'X-Note' holds a line break or NUL");
    }
}

TEST_CASE("byte-order marks at the start of JSONL, HAR and access log files are skipped") {
    const std::string bom = "\xEF\xBB\xBF";
    SECTION("JSONL") {
        TempFile file("bom.jsonl", bom + jsonl_line(1760104536'000'000'000, "/first") +
                                       jsonl_line(1760104537'000'000'000, "/second"));
        auto reader = make_jsonl_reader(file.path(), true);
        const auto records = read_all(*reader);
        REQUIRE(records.size() == 2);
        CHECK(records[0].target == "/first");
        CHECK(records[0].line == 1);
        CHECK(records[1].line == 2);
    }
    SECTION("HAR") {
        TempFile file("bom.har", bom + R"({"log": {"entries": [
  {"startedDateTime": "2025-10-10T13:55:36Z", "request": {"method": "GET", "url": "http://h/a", "headers": []}}]}})");
        const auto capture = read_har(file.path(), true);
        REQUIRE(capture->records.size() == 1);
        CHECK(capture->records[0].target == "/a");
    }
    SECTION("access log") {
        TempFile file("bom.log", bom + "1760104536.125 \"GET /a HTTP/1.1\"\n");
        auto reader = make_access_log_reader(file.path(), R"($msec "$request")", true);
        const auto records = read_all(*reader);
        REQUIRE(records.size() == 1);
        CHECK(records[0].target == "/a");
    }
}

TEST_CASE("JSON syntax errors say where: HAR line and column, JSONL column") {
    SECTION("HAR") {
        TempFile file(
            "bad.har",
            "\xEF\xBB\xBF{\"log\": {\n  \"entries\": [\n    {\"startedDateTime\": oops}\n]}}");
        try {
            (void)read_har(file.path(), false);
            FAIL("expected a ReplayInputError");
        } catch (const ReplayInputError& error) {
            const std::string message = error.what();
            INFO(message);
            CHECK(message.find("bad.har: line 3, column 25: not valid JSON: ") !=
                  std::string::npos);
        }
    }
    SECTION("JSONL") {
        TempFile file("bad.jsonl", "{\"ts\": 1, \"path\": \"/a\",}\n");
        auto reader = make_jsonl_reader(file.path(), false);
        CHECK(read_all(*reader).empty());
        REQUIRE(reader->counts().malformed == 1);
        CHECK(reader->counts().first_malformed[0].location == "line 1");
        const std::string reason = reader->counts().first_malformed[0].reason;
        INFO(reason);
        CHECK(reason.rfind("not JSON: ", 0) == 0);
        CHECK(reason.find(" at column 24") != std::string::npos);
    }
}
