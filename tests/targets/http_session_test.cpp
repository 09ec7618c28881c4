// The HTTP session's contracts (targets/http_session.hpp, http_connection.hpp,
// http_response_parser.hpp) against a scripted loopback server: each case checks the
// Completion the session delivers and what the server saw (requests, connections).
#include "http_harness.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace volley;
using namespace volley::testing;
using namespace std::chrono_literals;
using engine::Outcome;

namespace {

const std::string kChunked =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";

// Answers by path, so one server plays every case.
ScriptedReply scripted(const ScriptedRequest& request) {
    const std::string& path = request.target;
    if (request.method == "HEAD") return {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"};
    if (path == "/hang") return {"", false, true};
    // A keep-alive response, then the server closes the connection as if it had been idle too long.
    if (path == "/then-close") return {http_response(200, "first"), true};
    if (path == "/eof")
        return {"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + std::string(100, 'e'), true};
    if (path == "/chunked") return {kChunked};
    if (path.rfind("/sized/", 0) == 0)
        return {http_response(200, std::string(std::stoul(path.substr(7)), 'x'))};
    if (path.rfind("/status/", 0) == 0) return {http_response(std::stoi(path.substr(8)), "s")};
    if (path.rfind("/cache/", 0) ==
        0) {  // "/cache/NAME/VALUE" answers with the header "NAME: VALUE"
        const std::string field = path.substr(7);
        const auto slash = field.find('/');
        return {http_response(200, "c",
                              field.substr(0, slash) + ": " + field.substr(slash + 1) + "\r\n")};
    }
    if (path == "/no-cache-header") return {http_response(200, "c")};
    return {http_response(200, "plain body")};
}

}  // namespace

TEST_CASE(
    "http session: a request unanswered within request_timeout completes as timeout and drops its "
    "connection") {
    ScriptedServer server(scripted);
    auto config = config_for(server.url());
    config.request_timeout = 200ms;
    Harness harness(config);

    const auto hung = harness.send("GET", "/hang");
    CHECK(hung.outcome == Outcome::timeout);
    CHECK(hung.status == 0);
    CHECK(hung.detail == "no response within 200ms (timeout)");
    CHECK(server.requests().size() == 1);

    // The late answer could arrive on that connection: the next request goes out on a new one.
    const auto next = harness.send("GET", "/");
    CHECK(next.outcome == Outcome::ok);
    CHECK(next.status == 200);
    REQUIRE(server.requests().size() == 2);
    CHECK(server.requests()[1].connection == 2);
    CHECK(server.connections() == 2);
}

TEST_CASE(
    "http session: a reused connection the server closed is retried once, for idempotent methods "
    "only") {
    ScriptedServer server(scripted);
    Harness harness(config_for(server.url()));
    const auto first = harness.send("GET", "/then-close");
    REQUIRE(first.outcome == Outcome::ok);
    REQUIRE(server.wait_for_closes(1, 10s));

    for (const std::string method : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}) {
        SECTION(method + " goes out again on a fresh connection") {
            const auto result = harness.send(method, "/then-close");
            CHECK(result.outcome == Outcome::ok);
            CHECK(result.status == 200);
            CHECK(result.detail.empty());
            // The stale connection swallowed the first attempt: the server saw it once.
            const auto received = server.requests();
            REQUIRE(received.size() == 2);
            CHECK(received[1].method == method);
            CHECK(received[1].connection == 2);
            CHECK(server.connections() == 2);
        }
    }
    for (const std::string method : {"POST", "PATCH"}) {
        SECTION(method + " is not sent twice: the closed connection is its completion") {
            const auto result = harness.send(method, "/then-close");
            CHECK(result.outcome == Outcome::reset);
            CHECK(result.status == 0);
            // Loopback may deliver the server's RST before the client reads its FIN.
            INFO(result.detail);
            CHECK((result.detail == "connection closed before the response" ||
                   result.detail == "connection reset by peer" ||
                   result.detail == "connection reset by peer while sending the request"));
            CHECK(server.requests().size() == 1);
            CHECK(server.connections() == 1);
            // The next request opens a new connection.
            CHECK(harness.send(method, "/").outcome == Outcome::ok);
            CHECK(server.connections() == 2);
        }
    }
}

TEST_CASE(
    "http session: a body delimited by the connection's end (no Content-Length, Connection: "
    "close)") {
    ScriptedServer server(scripted);

    SECTION("completes when the server closes, and the next request opens a new connection") {
        Harness harness(config_for(server.url()));
        const auto result = harness.send("GET", "/eof");
        CHECK(result.outcome == Outcome::ok);
        CHECK(result.status == 200);
        CHECK(result.detail.empty());
        CHECK(harness.send("GET", "/").outcome == Outcome::ok);
        CHECK(server.requests().size() == 2);
        CHECK(server.connections() == 2);
    }
    SECTION("counts against the body limit") {
        auto config = config_for(server.url());
        config.max_body_bytes = 99;
        Harness harness(config);
        const auto result = harness.send("GET", "/eof");
        CHECK(result.outcome == Outcome::protocol_error);
        CHECK(result.status == 0);
        CHECK(result.detail == "body larger than 99 bytes");
        CHECK(server.requests().size() == 1);
    }
}

TEST_CASE("http session: a request with capture_response gets the response's fields and body") {
    ScriptedServer server(scripted);
    Harness harness(config_for(server.url()));
    const auto chunked = harness.send("GET", "/chunked", 0, true);
    REQUIRE(chunked.captured);
    CHECK(chunked.body == "hello world");
    CHECK(chunked.headers == "Transfer-Encoding: chunked\n");
    const auto sized = harness.send("GET", "/cache/X-Token/abc", 0, true);
    REQUIRE(sized.captured);
    CHECK(sized.body == "c");
    CHECK(sized.headers.find("X-Token: abc\n") != std::string::npos);
    // An error status is captured too (checks judge it); without the flag nothing is kept.
    const auto error = harness.send("GET", "/status/503", 0, true);
    CHECK(error.outcome == Outcome::http_5xx);
    CHECK(error.body == "s");
    const auto plain = harness.send("GET", "/chunked");
    CHECK_FALSE(plain.captured);
    CHECK(server.connections() == 1);  // the same keep-alive connection throughout
}

TEST_CASE("http session: a chunked body is read to its last chunk and keeps the connection") {
    ScriptedServer server(scripted);

    SECTION("within the limit") {
        Harness harness(config_for(server.url()));
        const auto result = harness.send("GET", "/chunked");
        CHECK(result.outcome == Outcome::ok);
        CHECK(result.status == 200);
        CHECK(result.detail.empty());
        CHECK(harness.send("GET", "/").status == 200);
        CHECK(server.requests().size() == 2);
        CHECK(server.connections() == 1);
    }
    SECTION("chunks adding up to more than the limit") {
        auto config = config_for(server.url());
        config.max_body_bytes = 10;  // the chunks carry 11 bytes
        Harness harness(config);
        const auto result = harness.send("GET", "/chunked");
        CHECK(result.outcome == Outcome::protocol_error);
        CHECK(result.status == 0);
        CHECK(result.detail == "body larger than 10 bytes");
        // The connection is given up; the next request opens another.
        CHECK(harness.send("GET", "/sized/1").outcome == Outcome::ok);
        CHECK(server.connections() == 2);
    }
}

TEST_CASE(
    "http session: max_body_bytes admits a body of exactly the limit and refuses one byte more") {
    ScriptedServer server(scripted);
    auto config = config_for(server.url());
    config.max_body_bytes = 64;
    Harness harness(config);

    const auto at_limit = harness.send("GET", "/sized/64");
    CHECK(at_limit.outcome == Outcome::ok);
    CHECK(at_limit.status == 200);
    const auto over = harness.send("GET", "/sized/65");
    CHECK(over.outcome == Outcome::protocol_error);
    CHECK(over.status == 0);
    CHECK(over.detail == "body larger than 64 bytes");
    CHECK(server.requests().size() == 2);
    CHECK(server.connections() == 1);
}

TEST_CASE(
    "http session: expect.status decides ok; other statuses count by class, 2xx/3xx as "
    "protocol_error") {
    ScriptedServer server(scripted);
    auto config = config_for(server.url());
    // Request names: 0 expects 200, 1 expects 200 or 401, 2 has the default (any 2xx or 3xx).
    config.expect_status = {{200}, {200, 401}, {}};
    Harness harness(config);

    const auto server_error = harness.send("GET", "/status/503", 0);
    CHECK(server_error.outcome == Outcome::http_5xx);
    CHECK(server_error.status == 503);
    CHECK(server_error.detail == "unexpected status 503 (expect.status 200)");

    const auto not_found = harness.send("GET", "/status/404", 0);
    CHECK(not_found.outcome == Outcome::http_4xx);
    CHECK(not_found.status == 404);
    CHECK(not_found.detail == "unexpected status 404 (expect.status 200)");

    const auto created = harness.send("GET", "/status/201", 0);
    CHECK(created.outcome == Outcome::protocol_error);
    CHECK(created.status == 201);
    CHECK(created.detail == "unexpected status 201 (expect.status 200)");

    const auto listed = harness.send("GET", "/status/401", 1);
    CHECK(listed.outcome == Outcome::ok);
    CHECK(listed.status == 401);
    CHECK(listed.detail.empty());

    const auto redirect = harness.send("GET", "/status/302", 2);
    CHECK(redirect.outcome == Outcome::ok);
    CHECK(redirect.status == 302);

    const auto unlisted_name = harness.send("GET", "/status/204", 7);  // no expect.status entry
    CHECK(unlisted_name.outcome == Outcome::ok);

    // A status mismatch is an answer, not a broken connection.
    CHECK(server.requests().size() == 6);
    CHECK(server.connections() == 1);
}

TEST_CASE("http session: the cache header maps responses to tiers (served_by)") {
    ScriptedServer server(scripted);
    auto config = config_for(server.url());

    SECTION("without hit values the header names the tier") {
        config.cache = targets::HttpCacheHeader{"X-Cache-Tier", {}};
        Harness harness(config);
        CHECK(harness.send("GET", "/cache/X-Cache-Tier/L2").served_by == 2);
        CHECK(harness.send("GET", "/cache/x-cache-tier/l3").served_by == 3);  // any case
        CHECK(harness.send("GET", "/cache/X-Cache-Tier/L1").served_by == 1);
        CHECK(harness.send("GET", "/cache/X-Cache-Tier/L4").served_by == 4);
        CHECK(harness.send("GET", "/cache/X-Cache-Tier/L5").served_by == 0);
        CHECK(harness.send("GET", "/cache/X-Other/L2").served_by == 0);
        CHECK(harness.send("GET", "/no-cache-header").served_by == 0);
        const auto error = harness.send("GET", "/status/503");
        CHECK(error.outcome == Outcome::http_5xx);
        CHECK(error.served_by == 0);
    }
    SECTION("with hit values: a hit is L1, anything else (absent too) L4") {
        config.cache = targets::HttpCacheHeader{"X-Cache", {"HIT", "STALE"}};
        Harness harness(config);
        CHECK(harness.send("GET", "/cache/X-Cache/HIT").served_by == 1);
        CHECK(harness.send("GET", "/cache/x-cache/stale").served_by == 1);
        CHECK(harness.send("GET", "/cache/X-Cache/MISS").served_by == 4);
        CHECK(harness.send("GET", "/no-cache-header").served_by == 4);
    }
    SECTION("no cache header configured: every completion has tier 0") {
        Harness harness(config);
        const auto result = harness.send("GET", "/cache/X-Cache-Tier/L2");
        CHECK(result.outcome == Outcome::ok);
        CHECK(result.served_by == 0);
    }
    CHECK(server.connections() == 1);
}
