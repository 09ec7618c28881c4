// HTTP/1.1 framing (RFC 9110/9112) at the connection: interim 1xx responses are skipped, 101 is
// an error, HEAD/204/304 have no body whatever their headers say, and bytes that break framing
// close their own connection instead of passing for the next request's response. Every case
// counts the completions against what the scripted server itself saw (requests, connections).
#include "http_harness.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace volley;
using namespace volley::testing;
using namespace std::chrono_literals;
using engine::Outcome;

namespace {

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

// Sends `count` requests one after the other and returns how many completed ok with `status`.
int ok_with_status(Harness& harness, const std::string& method, const std::string& path, int count,
                   int status) {
    int ok = 0;
    for (int i = 0; i < count; ++i) {
        const auto result = harness.send(method, path);
        UNSCOPED_INFO("request " << i << ": status " << result.status << " " << result.detail);
        if (result.outcome == Outcome::ok && result.status == status) ++ok;
    }
    return ok;
}

}  // namespace

TEST_CASE("http framing: interim 1xx responses are skipped, in one write or apart") {
    const int count = 10;
    SECTION("100 Continue, a pause, then 200") {
        ScriptedServer server([](const ScriptedRequest&) {
            ScriptedReply reply{"HTTP/1.1 100 Continue\r\n\r\n"};
            reply.next = [](std::uint64_t piece) { return piece == 0 ? kOk : std::string(); };
            reply.pause = 5ms;
            return reply;
        });
        Harness harness(config_for(server.url()));
        CHECK(ok_with_status(harness, "GET", "/", count, 200) == count);
        CHECK(server.requests().size() == static_cast<std::size_t>(count));
        CHECK(server.connections() == 1);
    }
    SECTION("103 Early Hints, then 100 Continue, then 200, byte by byte") {
        const std::string answer =
            "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
            "HTTP/1.1 100 Continue\r\n\r\n" +
            kOk;
        ScriptedServer server([answer](const ScriptedRequest&) {
            ScriptedReply reply{answer.substr(0, 1)};
            reply.next = [answer](std::uint64_t piece) {
                return piece + 1 < answer.size() ? answer.substr(piece + 1, 1) : std::string();
            };
            return reply;
        });
        Harness harness(config_for(server.url()));
        CHECK(ok_with_status(harness, "GET", "/", count, 200) == count);
        CHECK(server.requests().size() == static_cast<std::size_t>(count));
        CHECK(server.connections() == 1);
    }
    SECTION("a thousand 100s in one write, then 200") {
        std::string answer;
        for (int i = 0; i < 1000; ++i) answer += "HTTP/1.1 100 Continue\r\n\r\n";
        answer += kOk;
        ScriptedServer server([answer](const ScriptedRequest&) { return ScriptedReply{answer}; });
        Harness harness(config_for(server.url()));
        CHECK(ok_with_status(harness, "GET", "/", count, 200) == count);
        CHECK(server.requests().size() == static_cast<std::size_t>(count));
    }
}

TEST_CASE(
    "http framing: 101 Switching Protocols unasked for is a protocol error on its own connection") {
    ScriptedServer server([](const ScriptedRequest& request) {
        if (request.target == "/upgrade")
            return ScriptedReply{
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: "
                "Upgrade\r\n\r\n\x81\x05hello"};
        return ScriptedReply{kOk};
    });
    Harness harness(config_for(server.url()));
    const auto upgraded = harness.send("GET", "/upgrade");
    CHECK(upgraded.outcome == Outcome::protocol_error);
    CHECK(upgraded.status == 101);
    CHECK(upgraded.detail ==
          "unexpected status 101: the server switched protocols, but no upgrade was asked for");
    // The connection speaks another protocol now: the next request goes out on a new one.
    const auto next = harness.send("GET", "/");
    CHECK(next.outcome == Outcome::ok);
    CHECK(next.status == 200);
    CHECK(server.requests().size() == 2);
    CHECK(server.connections() == 2);
}

TEST_CASE(
    "http framing: a body after HEAD, 204 or 304 is discarded with its connection, never read as "
    "the next response") {
    const int count = 10;
    ScriptedServer server([](const ScriptedRequest& request) {
        const std::string& path = request.target;
        if (request.method == "HEAD")
            return ScriptedReply{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"};
        if (path == "/204")
            return ScriptedReply{"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello"};
        if (path == "/304")
            return ScriptedReply{
                "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: "
                "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"};
        if (path == "/extra") return ScriptedReply{kOk + "EXTRA"};
        return ScriptedReply{kOk};
    });
    Harness harness(config_for(server.url()));
    struct Case {
        const char* method;
        const char* path;
        int status;
    };
    const auto which = GENERATE(Case{"HEAD", "/", 200}, Case{"GET", "/204", 204},
                                Case{"GET", "/304", 304}, Case{"GET", "/extra", 200});
    INFO(which.method << " " << which.path);
    // Alternating with plain GETs: each answer is ok and credited to its own request.
    int ok = 0;
    for (int i = 0; i < count; ++i) {
        ok += ok_with_status(harness, which.method, which.path, 1, which.status);
        ok += ok_with_status(harness, "GET", "/", 1, 200);
    }
    CHECK(ok == 2 * count);
    CHECK(server.requests().size() == static_cast<std::size_t>(2 * count));
    // Every response that broke framing cost its connection; the plain ones kept theirs.
    CHECK(server.connections() == static_cast<std::uint64_t>(count + 1));
}

TEST_CASE(
    "http framing: bytes that arrive on an idle connection answer no request: the next one goes "
    "out on a fresh connection") {
    SECTION("a 204's body written after a pause") {
        ScriptedServer server([](const ScriptedRequest& request) {
            if (request.target != "/204-late") return ScriptedReply{kOk};
            ScriptedReply reply{"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"};
            reply.next = [](std::uint64_t piece) { return piece == 0 ? "hello" : std::string(); };
            reply.pause = 20ms;
            return reply;
        });
        Harness harness(config_for(server.url()));
        CHECK(ok_with_status(harness, "GET", "/204-late", 1, 204) == 1);
        REQUIRE(server.wait_for_replies(1, 10s));  // "hello" is on its way
        // Loopback delivers it within moments; the check below is only as good as its arrival.
        const auto next = harness.send("GET", "/");
        CHECK(next.outcome == Outcome::ok);
        CHECK(next.status == 200);
        CHECK(server.requests().size() == 2);
        CHECK(server.connections() == 2);
    }
    SECTION("a 408 sent on an idle connection before the server closes it") {
        ScriptedServer server([](const ScriptedRequest& request) {
            if (request.target != "/then-408") return ScriptedReply{kOk};
            ScriptedReply reply{kOk, true};
            reply.next = [](std::uint64_t piece) {
                return piece == 0 ? "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n"
                                  : std::string();
            };
            reply.pause = 20ms;
            return reply;
        });
        Harness harness(config_for(server.url()));
        CHECK(ok_with_status(harness, "GET", "/then-408", 1, 200) == 1);
        REQUIRE(server.wait_for_closes(1, 10s));
        // A POST is not retried on a stale connection: it must not go out on this one at all.
        const auto next = harness.send("POST", "/");
        CHECK(next.outcome == Outcome::ok);
        CHECK(next.status == 200);
        CHECK(server.requests().size() == 2);
        CHECK(server.connections() == 2);
    }
}
