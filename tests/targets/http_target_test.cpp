// The HTTP target at its seam: a session on an io_context sends one request at a time to a
// scripted loopback server and a recording sink checks outcome, status and error detail.
#include "targets/http_target.hpp"
#include "http_harness.hpp"
#include "support/process.hpp"
#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

using namespace volley;
using namespace volley::testing;
using namespace std::chrono_literals;
using engine::Outcome;

namespace {

// Answers by path, so one server plays every case.
ScriptedReply scripted(const ScriptedRequest& request) {
    const std::string& path = request.target;
    if (path == "/head-length") return {"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"};
    if (path == "/head-chunked") return {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"};
    if (path == "/204") return {"HTTP/1.1 204 No Content\r\n\r\n"};
    if (path == "/304")
        return {"HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\nETag: \"x\"\r\n\r\n"};
    if (path == "/continue") return {"HTTP/1.1 100 Continue\r\n\r\n" + http_response(200, "final")};
    if (path == "/early-hints") {
        return {
            "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
            "HTTP/1.1 100 Continue\r\n\r\n" +
            http_response(201, "created")};
    }
    if (path == "/503") return {http_response(503, "busy")};
    if (path == "/bad-header")
        return {"HTTP/1.1 200 OK\r\nBad Header\r\nContent-Length: 2\r\n\r\nok"};
    if (path == "/big") return {http_response(200, std::string(100, 'x'))};
    if (path == "/close") return {"", true};
    if (path == "/cut") return {"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc", true};
    if (path == "/reset") return {"", false, false, true};
    if (path == "/hang") return {"", false, true};
    return {http_response(200, "plain body")};
}

}  // namespace

TEST_CASE(
    "http target: responses without a body (HEAD, 204, 304, interim 1xx) complete and keep the "
    "connection") {
    ScriptedServer server(scripted);
    Harness harness(config_for(server.url()));

    SECTION("HEAD: Content-Length announces a body that is not sent") {
        const auto head = harness.send("HEAD", "/head-length");
        CHECK(head.outcome == Outcome::ok);
        CHECK(head.status == 200);
        CHECK(head.detail.empty());
        // The next response on the same connection is read as a response, not as HEAD's body.
        const auto get = harness.send("GET", "/");
        CHECK(get.outcome == Outcome::ok);
        CHECK(get.status == 200);
        CHECK(server.requests().size() == 2);
    }
    SECTION("HEAD: chunked announced, no chunks sent") {
        CHECK(harness.send("HEAD", "/head-chunked").outcome == Outcome::ok);
        CHECK(harness.send("GET", "/").outcome == Outcome::ok);
    }
    SECTION("204 and 304 have no body whatever their headers say") {
        const auto no_content = harness.send("GET", "/204");
        CHECK(no_content.outcome == Outcome::ok);
        CHECK(no_content.status == 204);
        const auto not_modified = harness.send("GET", "/304");
        CHECK(not_modified.outcome == Outcome::ok);
        CHECK(not_modified.status == 304);
        CHECK(harness.send("GET", "/").status == 200);
        CHECK(server.requests().size() == 3);
    }
    SECTION("100 Continue, then the final response") {
        const auto result = harness.send("POST", "/continue");
        CHECK(result.outcome == Outcome::ok);
        CHECK(result.status == 200);
        CHECK(harness.send("GET", "/").status == 200);
    }
    SECTION("103 Early Hints and 100 Continue, then 201") {
        const auto result = harness.send("GET", "/early-hints");
        CHECK(result.outcome == Outcome::ok);
        CHECK(result.status == 201);
    }
    std::uint64_t connections = 0;
    for (const auto& request : server.requests())
        connections = std::max(connections, request.connection);
    for (const auto& r : server.requests())
        UNSCOPED_INFO(r.method << " " << r.target << " on " << r.connection);
    CHECK(connections == 1);
    CHECK(server.connections() == 1);
}

TEST_CASE("http target: every completion carries the status and every error a reason") {
    ScriptedServer server(scripted);

    SECTION("an unexpected status names it and what was expected") {
        Harness harness(config_for(server.url()));
        const auto result = harness.send("GET", "/503");
        CHECK(result.outcome == Outcome::http_5xx);
        CHECK(result.status == 503);
        CHECK(result.detail == "unexpected status 503 (expected 2xx or 3xx)");
    }
    SECTION("expect.status is quoted") {
        auto config = config_for(server.url());
        config.expect_status = {{200, 201}};
        Harness harness(config);
        const auto result = harness.send("GET", "/503");
        CHECK(result.status == 503);
        CHECK(result.detail == "unexpected status 503 (expect.status 200, 201)");
        const auto ok = harness.send("GET", "/");
        CHECK(ok.outcome == Outcome::ok);
        CHECK(ok.detail.empty());
    }
    SECTION("a response that cannot be parsed") {
        Harness harness(config_for(server.url()));
        const auto result = harness.send("GET", "/bad-header");
        CHECK(result.outcome == Outcome::protocol_error);
        CHECK(result.detail.rfind("response parse error: ", 0) == 0);
        CHECK(result.detail.size() > std::string("response parse error: ").size());
    }
    SECTION("a body over the limit") {
        auto config = config_for(server.url());
        config.max_body_bytes = 10;
        Harness harness(config);
        const auto result = harness.send("GET", "/big");
        CHECK(result.outcome == Outcome::protocol_error);
        CHECK(result.detail == "body larger than 10 bytes");
    }
    SECTION("the server closes before answering") {
        Harness harness(config_for(server.url()));
        const auto result = harness.send("GET", "/close");
        CHECK(result.outcome == Outcome::reset);
        CHECK(result.status == 0);
        CHECK(result.detail == "connection closed before the response");
    }
    SECTION("the server closes mid-response") {
        Harness harness(config_for(server.url()));
        const auto result = harness.send("GET", "/cut");
        CHECK(result.outcome == Outcome::reset);
        CHECK(result.detail == "connection closed mid-response");
    }
    SECTION("the server resets the connection") {
        Harness harness(config_for(server.url()));
        const auto result = harness.send("GET", "/reset");
        CHECK(result.outcome == Outcome::reset);
        CHECK(result.detail == "connection reset by peer");
    }
    SECTION("no response within the request timeout") {
        auto config = config_for(server.url());
        config.request_timeout = 300ms;
        Harness harness(config);
        const auto result = harness.send("GET", "/hang");
        CHECK(result.outcome == Outcome::timeout);
        CHECK(result.detail == "no response within 300ms (timeout)");
    }
}

TEST_CASE("http target: a closed port is 'connection refused'") {
    Harness harness(config_for("http://127.0.0.1:" + std::to_string(free_port())));
    const auto result = harness.send("GET", "/");
    CHECK(result.outcome == Outcome::connect_error);
    CHECK(result.status == 0);
    CHECK(result.detail == "connection refused");
}

TEST_CASE("http target: a name that does not resolve fails at start with 'DNS: host: reason'") {
    try {
        targets::HttpTarget target(config_for("http://no-such-host.invalid:8080"));
        FAIL("the target was built");
    } catch (const std::runtime_error& error) {
        const std::string message = error.what();
        CHECK(message.rfind("DNS: no-such-host.invalid: ", 0) == 0);
    }
}

TEST_CASE("http target: a self-signed certificate is refused with the verification reason") {
    const std::string dir = make_temp_dir("volley-target-tls-");
    const std::uint16_t port = free_port();
    const auto gen =
        run_process({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                     dir + "/key.pem", "-out", dir + "/cert.pem", "-days", "1", "-subj",
                     "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"},
                    60s);
    REQUIRE(gen.exit_code == 0);
    BackgroundProcess server({"/usr/bin/openssl", "s_server", "-quiet", "-accept",
                              "127.0.0.1:" + std::to_string(port), "-cert", dir + "/cert.pem",
                              "-key", dir + "/key.pem", "-www"});
    REQUIRE(wait_for_port(port, 10s));
    const std::string url = "https://127.0.0.1:" + std::to_string(port);

    SECTION("verification on (the default)") {
        Harness harness(config_for(url));
        const auto result = harness.send("GET", "/");
        CHECK(result.outcome == Outcome::tls_error);
        CHECK(result.status == 0);
        INFO(result.detail);
        // OpenSSL 3 says "self-signed certificate", 1.1 "self signed certificate".
        CHECK(result.detail.rfind("TLS: certificate verify failed: self", 0) == 0);
        CHECK(result.detail.find("signed certificate") != std::string::npos);
    }
    SECTION("trusted through ca_file: the status of the answer") {
        auto config = config_for(url);
        config.ca_file = dir + "/cert.pem";
        Harness harness(config);
        const auto result = harness.send("GET", "/");
        CHECK(result.outcome == Outcome::ok);
        CHECK(result.status == 200);
        CHECK(result.detail.empty());
    }
}
