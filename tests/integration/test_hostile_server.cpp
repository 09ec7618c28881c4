// The hostile-server table (issue 17, item 7): `volley run` against a scripted loopback server
// that misbehaves one way per row. Each row asserts the error class every answered request got
// (summary.json outcomes), that the run ended within a generous bound (no hang; nothing about
// speed) and that every output file was written. Short runs at low rates keep the table to a
// few seconds a row.
#include "integration/support.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

using namespace volley::testing;
using namespace std::chrono_literals;
using namespace std::string_literals;

namespace {

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

struct Row {
    std::string name;
    ScriptedServer::Responder responder;
    std::string outcome;                  // the class of every answered request
    std::string timeout = "5s";           // target.http.timeout: ample for an answer
    std::string method = "GET";           // -m
    std::string detail_has = {};          // the first error's detail contains this (error rows)
    bool connection_per_request = false;  // the server's count: one connection per request
};

// The reply is `head`, then `piece` again and again until the client goes away.
ScriptedReply endless(std::string head, std::string piece) {
    ScriptedReply reply{std::move(head)};
    reply.next = [piece = std::move(piece)](std::uint64_t) { return piece; };
    return reply;
}

std::vector<Row> rows() {
    std::vector<Row> out;
    out.push_back({"silent: accepts, reads, never answers",
                   [](const ScriptedRequest&) {
                       return ScriptedReply{"", false, true};
                   },
                   "timeout", "1s", "GET", "no response within 1s"});
    // Written in 64 KiB pieces, as a server streaming it would (and cheap to make).
    out.push_back({"a 10 MB header",
                   [](const ScriptedRequest&) {
                       ScriptedReply reply{"HTTP/1.1 200 OK\r\nX-Huge: "};
                       reply.next = [](std::uint64_t piece) -> std::string {
                           if (piece < 160) return std::string(64 * 1024, 'h');
                           if (piece == 160) return "\r\nContent-Length: 2\r\n\r\nok";
                           return {};
                       };
                       return reply;
                   },
                   "protocol_error", "5s", "GET", "header limit"});
    // Runs into the body limit (64 MiB) long before the generous timeout.
    out.push_back({"an endless body (no length: to the connection's end)",
                   [](const ScriptedRequest&) {
                       return endless("HTTP/1.1 200 OK\r\n\r\n", std::string(64 * 1024, 'b'));
                   },
                   "protocol_error", "20s", "GET", "body larger than"});
    out.push_back({"bad chunks",
                   [](const ScriptedRequest&) {
                       return ScriptedReply{
                           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n"};
                   },
                   "protocol_error", "5s", "GET", "response parse error"});
    out.push_back({"reset after reading the request",
                   [](const ScriptedRequest&) {
                       return ScriptedReply{"", false, false, true};
                   },
                   "reset", "5s", "GET", "reset"});
    out.push_back({"trickle: a header one byte every 300 ms, never ending",
                   [](const ScriptedRequest&) {
                       ScriptedReply reply{"H"};
                       reply.next = [](std::uint64_t piece) {
                           const std::string text = "TTP/1.1 200 OK\r\nX-Slow: ";
                           return std::string(1, piece < text.size() ? text[piece] : 'y');
                       };
                       reply.pause = 300ms;
                       return reply;
                   },
                   "timeout", "1s", "GET", "no response within 1s"});
    out.push_back({"garbage instead of a response",
                   [](const ScriptedRequest&) {
                       return ScriptedReply{"\x16\x03\x01\x00\xff garbage \r\n\r\n"s};
                   },
                   "protocol_error", "5s", "GET", "response parse error"});
    out.push_back({"101 Switching Protocols unasked for",
                   [](const ScriptedRequest&) {
                       return ScriptedReply{
                           "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\n\r\n"};
                   },
                   "protocol_error", "5s", "GET", "switched protocols", true});
    out.push_back({"103 Early Hints and 100 Continue before the 200, apart",
                   [](const ScriptedRequest&) {
                       ScriptedReply reply{"HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"};
                       reply.next = [](std::uint64_t piece) {
                           if (piece == 0) return std::string("HTTP/1.1 100 Continue\r\n\r\n");
                           return piece == 1 ? kOk : std::string();
                       };
                       reply.pause = 20ms;
                       return reply;
                   },
                   "ok"});
    out.push_back({"HEAD answered with a body",
                   [](const ScriptedRequest&) {
                       return ScriptedReply{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"};
                   },
                   "ok", "5s", "HEAD", "", true});
    out.push_back({"204 with a body",
                   [](const ScriptedRequest&) {
                       return ScriptedReply{
                           "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello"};
                   },
                   "ok", "5s", "GET", "", true});
    out.push_back({"304 with a chunked body",
                   [](const ScriptedRequest&) {
                       return ScriptedReply{
                           "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "5\r\nhello\r\n0\r\n\r\n"};
                   },
                   "ok", "5s", "GET", "", true});
    return out;
}

}  // namespace

TEST_CASE("hostile servers: every behaviour classified, every run ends on time with its files",
          "[hostile]") {
    for (const auto& row : rows()) {
        DYNAMIC_SECTION(row.name) {
            ScriptedServer server(row.responder);
            const std::string dir = make_temp_dir("volley-hostile-");
            const auto started = std::chrono::steady_clock::now();
            // 4 requests over 1 s on 2 connections; the drain is the request timeout.
            const auto run =
                run_volley({"run", "-u", server.url() + "/", "-r", "4", "-d", "1s", "-c", "2", "-t",
                            "1", "-q", "-o", dir, "-m", row.method, "--no-thresholds", "--set",
                            "target.http.timeout=" + row.timeout},
                           60s);
            const auto took = std::chrono::steady_clock::now() - started;
            INFO(run.err);
            REQUIRE_FALSE(run.timed_out);
            // Generous: 1 s of sending plus the drain (at most the request timeout) plus start-up.
            CHECK(took < 45s);
            // An error row has no successful response, which fails the run's own check.
            CHECK(run.exit_code == (row.outcome == "ok" ? 0 : 99));

            for (const char* file : {"summary.json", "report.html", "report.md", "junit.xml",
                                     "timeseries.csv", "latency.hlog", "latency.hgrm"}) {
                INFO(file);
                CHECK(std::filesystem::file_size(std::filesystem::path(dir) / file) > 0);
            }
            const auto summary = read_summary(dir);
            const double requests = at(summary, {"totals", "requests"});
            CHECK(requests >= 1);
            CHECK(at(summary, {"outcomes", row.outcome.c_str()}) == requests);
            if (!row.detail_has.empty()) {
                const auto& first = summary.at("errors").at("first").as_array();
                REQUIRE_FALSE(first.empty());
                const std::string detail(first[0].at("detail").as_string());
                INFO(detail);
                CHECK(detail.find(row.detail_has) != std::string::npos);
            }
            if (row.outcome == "ok") {
                // Counted against the server's own count: every request it answered was
                // credited to the request it answered.
                CHECK(static_cast<double>(server.requests().size()) == requests);
            }
            if (row.connection_per_request) {
                // Framing broken by the response: its connection was not reused.
                CHECK(static_cast<double>(server.connections()) == requests);
            }
        }
    }
}
