// HTTP/2 end to end against Debian's nghttpd (package nghttp2-server) on loopback: h2c and h2 over
// TLS with ALPN count exactly what the server received, a server allowing 2 streams makes
// requests wait for a stream and the wait shows (stream_wait_ms, response time), and a server
// that does not speak HTTP/2 is a clear error, not a hang.
#include "integration/support.hpp"
#include "support/h2_test_server.hpp"
#include "support/tls_server.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

using namespace volley::testing;
using namespace std::chrono_literals;

namespace {

constexpr const char* kNghttpd = "/usr/sbin/nghttpd";

// nghttpd -v on a free port serving a one-file document root; its frame log (stdout) goes to a
// file, where every request shows as one "recv HEADERS frame" line.
class Nghttpd {
public:
    Nghttpd(bool tls, const std::vector<std::string>& options = {})
        : dir_(make_temp_dir("volley-h2-")), port_(free_port()) {
        std::filesystem::create_directories(dir_ + "/www");
        std::ofstream(dir_ + "/www/index.html") << "hello over HTTP/2\n";
        std::string command = std::string("exec ") + kNghttpd + " -v -d " + dir_ + "/www";
        for (const auto& option : options) command += " " + option;
        command += " " + std::to_string(port_);
        if (tls) {
            const auto made =
                run_process({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                             "-keyout", dir_ + "/key.pem", "-out", dir_ + "/cert.pem", "-days", "1",
                             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"},
                            60s);
            REQUIRE(made.exit_code == 0);
            command += " " + dir_ + "/key.pem " + dir_ + "/cert.pem";
        } else {
            command += " --no-tls";
        }
        command += " > " + dir_ + "/frames.log 2>&1";
        server_.emplace(std::vector<std::string>{"/bin/sh", "-c", command});
        REQUIRE(wait_for_port(port_, 10s));
    }

    [[nodiscard]] std::string url(bool tls) const {
        return std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
    }
    [[nodiscard]] std::string dir() const { return dir_; }
    [[nodiscard]] std::string ca_file() const { return dir_ + "/cert.pem"; }

    // Requests the server received: waits (up to 5 s) until the count reaches `expected` or
    // stops changing, since nghttpd writes its log as it goes.
    [[nodiscard]] std::size_t requests_received(std::size_t expected) const {
        return frames_logged("recv HEADERS frame", expected);
    }

    // Lines of the frame log holding `text`, waiting as requests_received() does.
    [[nodiscard]] std::size_t frames_logged(const std::string& text, std::size_t expected) const {
        std::size_t count = 0;
        for (int tries = 0; tries < 50; ++tries) {
            const std::string log = read_file(dir_ + "/frames.log");
            count = 0;
            for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1))
                ++count;
            if (count >= expected) break;
            std::this_thread::sleep_for(100ms);
        }
        return count;
    }

private:
    std::string dir_;
    std::uint16_t port_;
    std::optional<BackgroundProcess> server_;
};

std::string write_scenario(const std::string& dir, const std::string& http_keys,
                           const std::string& load) {
    std::string path = dir + "/h2.yaml";
    std::ofstream(path) << "name: h2\n"
                           "target:\n"
                           "  http:\n"
                        << http_keys << "load: " << load
                        << "\n"
                           "requests: [{name: page, path: /index.html}]\n";
    return path;
}

const boost::json::object& protocol_of(const boost::json::object& summary) {
    return summary.at("target").as_object().at("protocol").as_object();
}

// `volley run SCENARIO`, which must exit 0; its summary.json.
boost::json::object run_ok(const std::string& scenario) {
    const std::string dir = make_temp_dir("volley-h2-run-");
    const auto run = run_volley({"run", scenario, "-q", "-o", dir});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    return read_summary(dir);
}

std::string first_error(const boost::json::object& summary) {
    const auto& first = summary.at("errors").as_object().at("first").as_array();
    if (first.empty()) return {};
    return std::string(first[0].as_object().at("detail").as_string());
}

}  // namespace

TEST_CASE("h2c: every scheduled request reaches nghttpd over HTTP/2 prior knowledge") {
    Nghttpd server(false);
    const std::string dir = make_temp_dir("volley-h2-run-");
    const auto run = run_volley({"run", "-u", server.url(false) + "/index.html", "--protocol",
                                 "h2c", "-r", "40", "-d", "1s", "-c", "2", "-q", "-o", dir});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto summary = read_summary(dir);
    CHECK(at(summary, {"outcomes", "ok"}) == 40);
    CHECK(server.requests_received(40) == 40);
    const auto& protocol = protocol_of(summary);
    CHECK(protocol.at("negotiated").as_string() == "h2c");
    CHECK(at(protocol, {"streams"}) == 40);
    CHECK(at(protocol, {"peer_settings", "max_concurrent_streams"}) == 100);  // nghttpd's default
    CHECK(at(protocol, {"goaway_received"}) == 0);
    CHECK(summary.contains("stream_wait_ms"));
    // The reports carry the same figures: an HTTP/2 section and a stream-wait row.
    for (const char* report : {"/report.md", "/report.html"}) {
        INFO(report);
        const std::string text = read_file(dir + report);
        const bool section = text.find("HTTP/2</h2>") != std::string::npos ||
                             text.find("## HTTP/2\n") != std::string::npos;
        CHECK(section);
        CHECK(text.find("Negotiated h2c.") != std::string::npos);
        CHECK(text.find("Stream wait") != std::string::npos);
    }
    CHECK(read_file(dir + "/report.md").find("| Server max\\_concurrent\\_streams | 100 |") !=
          std::string::npos);
}

TEST_CASE("h2 over TLS: ALPN selects h2, the certificate is verified, counts equal the server's") {
    Nghttpd server(true);
    const std::string scenario = write_scenario(
        server.dir(),
        "    base_url: " + server.url(true) +
            "\n    protocol: h2\n    connections: 1\n    tls: {ca_file: " + server.ca_file() +
            "}\n",
        "{rate: 40/s, duration: 1s}");
    const auto summary = run_ok(scenario);
    CHECK(at(summary, {"outcomes", "ok"}) == 40);
    CHECK(server.requests_received(40) == 40);
    const auto& protocol = protocol_of(summary);
    CHECK(protocol.at("negotiated").as_string() == "h2");
    CHECK(at(protocol, {"connections"}) == 1);
    CHECK(at(protocol, {"window_bytes"}) == 16 * 1024 * 1024);
}

TEST_CASE("a server allowing 2 streams: requests wait for a stream and the wait is measured") {
    Nghttpd server(false, {"--max-concurrent-streams=2"});
    // 8 virtual users without think time on one connection (max_streams 16): at any moment 6 of
    // them wait for one of the server's 2 streams.
    const std::string scenario = write_scenario(
        server.dir(),
        "    base_url: " + server.url(false) + "\n    protocol: h2c\n    max_streams: 16\n",
        "{vus: 8, duration: 1s, threads: 1}");
    const auto summary = run_ok(scenario);
    const double requests = at(summary, {"totals", "requests"});
    CHECK(requests > 0);
    CHECK(at(summary, {"outcomes", "ok"}) == requests);
    CHECK(static_cast<double>(server.requests_received(static_cast<std::size_t>(requests))) ==
          requests);
    const auto& protocol = protocol_of(summary);
    CHECK(at(protocol, {"peer_settings", "max_concurrent_streams"}) == 2);
    CHECK(at(protocol, {"streams_per_connection", "peak"}) == 2);
    // Most requests waited: the median wait is above zero, and the response time (from the
    // intended start) holds the wait on top of the service time (from the stream opening).
    const double wait_p50 = at(summary, {"stream_wait_ms", "p50"});
    CHECK(wait_p50 > 0);
    CHECK(at(summary, {"latency_ms", "p50"}) >= wait_p50);
    CHECK(at(summary, {"latency_ms", "p50"}) > at(summary, {"service_time_ms", "p50"}));
}

TEST_CASE("protocol h2 against a TLS server that selects http/1.1 by ALPN: a clear error") {
    TlsServer server("volley-h2-tls-", {"-alpn", "http/1.1"});
    const std::string dir = make_temp_dir("volley-h2-run-");
    const auto run = run_volley({"run", "-u", server.url(), "--protocol", "h2", "-k", "-r", "20",
                                 "-d", "1s", "-c", "1", "-q", "-o", dir});
    INFO(run.err);
    CHECK(run.exit_code == 99);  // no successful response: the run fails
    const auto summary = read_summary(dir);
    CHECK(at(summary, {"outcomes", "tls_error"}) == 20);
    CHECK(first_error(summary) == "server selected http/1.1 (ALPN), protocol: h2 requires h2");
}

TEST_CASE("protocol h2c against an HTTP/1.1-only server: a protocol error, no hang") {
    const std::string dir = make_temp_dir("volley-h2-run-");
    const std::string scenario =
        write_scenario(dir, "    demo: {}\n    protocol: h2c\n", "{rate: 20/s, duration: 1s}");
    const auto run = run_volley({"run", scenario, "-q", "-o", dir}, 60s);
    INFO(run.err);
    CHECK_FALSE(run.timed_out);
    CHECK(run.exit_code == 99);
    const auto summary = read_summary(dir);
    CHECK(at(summary, {"outcomes", "protocol_error"}) == 20);
    CHECK(first_error(summary).find("h2c needs a server that accepts HTTP/2") != std::string::npos);
}

TEST_CASE("protocol and URL disagree: h2 with http:// is refused naming the flag") {
    const std::string dir = make_temp_dir("volley-h2-run-");
    const auto run = run_volley({"run", "-u", "http://127.0.0.1:9/", "--protocol", "h2", "-r", "1",
                                 "-d", "1s", "-q", "-o", dir});
    CHECK(run.exit_code == 2);
    CHECK(run.err.find("--protocol") != std::string::npos);
    CHECK(run.err.find("needs an https:// base_url") != std::string::npos);
}

TEST_CASE("GOAWAY mid-run: refused streams are sent again, no scheduled request is lost") {
    // 8 virtual users keep up to 8 streams open on one connection; the server answers 5
    // requests per connection, then GOAWAY: streams above its last stream id are refused and
    // sent once more (retried); one refused again is an error. None is lost: every sent request
    // is answered by the server or counted as such an error.
    H2TestServer server({.goaway_after = 5});
    const std::string dir = make_temp_dir("volley-h2-run-");
    const std::string scenario =
        write_scenario(dir, "    base_url: " + server.url() + "\n    protocol: h2c\n",
                       "{vus: 8, duration: 1s, think: 5ms, threads: 1}");
    const auto run = run_volley({"run", scenario, "-q", "-o", dir}, 60s);
    INFO(run.err);
    const auto summary = read_summary(dir);
    const double requests = at(summary, {"totals", "requests"});
    const double ok = at(summary, {"outcomes", "ok"});
    const double refused_twice = at(summary, {"outcomes", "reset"});
    CHECK(requests > 0);
    CHECK(at(summary, {"totals", "sent"}) == requests);  // every sent request was answered
    CHECK(ok + refused_twice == requests);
    CHECK(at(summary, {"outcomes", "cancelled"}) == 0);
    CHECK(static_cast<double>(server.responses()) == ok);
    if (refused_twice > 0)
        CHECK_THAT(first_error(summary), Catch::Contains("refused by the server again"));
    const auto& protocol = protocol_of(summary);
    CHECK(at(protocol, {"goaway_received"}) >= 2);
    CHECK(at(protocol, {"retried"}) > 0);
    CHECK(at(protocol, {"retried"}) >= refused_twice);
    // Every stream opened was answered, refused once (then retried), or refused twice.
    CHECK(at(protocol, {"streams"}) == ok + at(protocol, {"retried"}) + refused_twice);
}

TEST_CASE("protocol auto: h2 when the server selects it by ALPN, else HTTP/1.1") {
    SECTION("nghttpd selects h2") {
        Nghttpd server(true);
        const std::string scenario = write_scenario(
            server.dir(),
            "    base_url: " + server.url(true) +
                "\n    protocol: auto\n    connections: 1\n    tls: {ca_file: " + server.ca_file() +
                "}\n",
            "{rate: 20/s, duration: 1s}");
        const auto summary = run_ok(scenario);
        CHECK(at(summary, {"outcomes", "ok"}) == 20);
        CHECK(protocol_of(summary).at("negotiated").as_string() == "h2");
        CHECK(server.requests_received(20) == 20);
    }
    SECTION("a server that selects http/1.1 gets HTTP/1.1") {
        TlsServer server("volley-h2-tls-", {"-alpn", "http/1.1"});
        const std::string dir = make_temp_dir("volley-h2-run-");
        const auto run = run_volley({"run", "-u", server.url(), "--protocol", "auto", "-k", "-r",
                                     "20", "-d", "1s", "-c", "1", "-q", "-o", dir});
        INFO(run.err);
        REQUIRE(run.exit_code == 0);
        const auto summary = read_summary(dir);
        CHECK(at(summary, {"outcomes", "ok"}) == 20);
        CHECK(protocol_of(summary).at("negotiated").as_string() == "http/1.1");
        CHECK_FALSE(summary.contains("stream_wait_ms"));
    }
}

TEST_CASE("a stall behind a 2-stream limit shows in the response time, not hidden in a queue") {
    // 200 requests/s for 3 s; the server allows 2 streams and holds every request arriving in
    // [1.0 s, 1.5 s) after its first one until 1.5 s. Requests intended during the stall wait
    // (on the server's 2 streams, or in volley's queue for a stream) until it ends: measured
    // from their intended start, response times spread evenly over (0, stall], so the slowest 1%
    // of all are the earliest of those: p99 = stall x (1 - 0.01 x total / stalled).
    const auto stall = 500ms;
    H2TestServer server({.max_concurrent_streams = 2, .stall_at = 1000ms, .stall_for = stall});
    const std::string dir = make_temp_dir("volley-h2-run-");
    const auto run = run_volley({"run", "-u", server.url() + "/", "--protocol", "h2c", "-r", "200",
                                 "-d", "3s", "-c", "1", "-t", "1", "-q", "-o", dir});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto summary = read_summary(dir);
    const double requests = at(summary, {"totals", "requests"});
    CHECK(at(summary, {"outcomes", "ok"}) == requests);
    CHECK(static_cast<double>(server.responses()) == requests);
    const double stall_ms = std::chrono::duration<double, std::milli>(stall).count();
    const double stalled = stall_ms / 1000 * 200;
    const double expected_p99 = stall_ms * (1 - 0.01 * requests / stalled);
    CHECK(at(summary, {"latency_ms", "p99"}) == Approx(expected_p99).epsilon(0.1));
    CHECK(at(summary, {"latency_ms", "max"}) == Approx(stall_ms).epsilon(0.1));
    // All but the 2 requests on the server's streams waited in volley for a stream.
    CHECK(at(summary, {"stream_wait_ms", "max"}) == Approx(stall_ms).epsilon(0.1));
    CHECK(at(protocol_of(summary), {"streams_per_connection", "peak"}) == 2);
}

namespace {

// One HTTP/2 frame: 9-byte header (RFC 9113 §4.1) and payload.
std::string frame(std::uint32_t length, std::uint8_t type, std::uint8_t flags,
                  std::uint32_t stream_id, const std::string& payload) {
    std::string out;
    out.push_back(static_cast<char>((length >> 16) & 0xff));
    out.push_back(static_cast<char>((length >> 8) & 0xff));
    out.push_back(static_cast<char>(length & 0xff));
    out.push_back(static_cast<char>(type));
    out.push_back(static_cast<char>(flags));
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((stream_id >> shift) & 0xff));
    return out + payload;
}

}  // namespace

TEST_CASE("malformed frames from a hostile server are counted protocol errors, no crash or hang") {
    using Reply = std::function<std::string(std::int32_t)>;
    const auto id = [](std::int32_t stream) { return static_cast<std::uint32_t>(stream); };
    const std::vector<std::pair<std::string, Reply>> cases{
        {"DATA on stream 0", [&](std::int32_t) { return frame(4, 0x0, 0, 0, "abcd"); }},
        {"a header block HPACK cannot decode",
         [&](std::int32_t stream) { return frame(3, 0x1, 0x5, id(stream), "\xff\xff\xff"); }},
        {"a frame longer than SETTINGS_MAX_FRAME_SIZE",
         [&](std::int32_t stream) { return frame(0xffffff, 0x0, 0, id(stream), "xyz"); }},
        {"bytes that are no frame", [&](std::int32_t) { return std::string(64, '\x7f'); }},
    };
    for (const auto& [name, reply] : cases) {
        SECTION(name) {
            H2TestServer server({.hostile_reply = reply});
            const std::string dir = make_temp_dir("volley-h2-run-");
            const auto run =
                run_volley({"run", "-u", server.url() + "/", "--protocol", "h2c", "-r", "20", "-d",
                            "1s", "-c", "1", "--set", "target.http.timeout=2s", "-q", "-o", dir},
                           60s);
            INFO(run.err);
            CHECK_FALSE(run.timed_out);
            CHECK(run.exit_code == 99);  // nothing answered ok: the run fails, it does not crash
            const auto summary = read_summary(dir);
            CHECK(at(summary, {"totals", "requests"}) == 20);
            CHECK(at(summary, {"outcomes", "protocol_error"}) == 20);
            CHECK_THAT(first_error(summary), Catch::StartsWith("HTTP/2 protocol error ("));
        }
    }
}

TEST_CASE("a server that holds every response: each request times out once, streams are freed") {
    // The server allows 2 streams and holds every response for 3 s; the request timeout is
    // 300 ms. Open streams time out (volley resets them, freeing the stream for the next
    // request), queued requests wait for a stream at most connect + request timeout; each of the
    // 20 requests ends exactly once, as a timeout.
    H2TestServer server({.max_concurrent_streams = 2, .stall_for = 3000ms});
    const std::string dir = make_temp_dir("volley-h2-run-");
    const auto run = run_volley(
        {"run", "-u", server.url() + "/", "--protocol", "h2c", "-r", "20", "-d", "1s", "-c", "1",
         "--set", "target.http.timeout=300ms", "--set", "load.drain=2s", "-q", "-o", dir},
        60s);
    INFO(run.err);
    CHECK_FALSE(run.timed_out);
    CHECK(run.exit_code == 99);
    const auto summary = read_summary(dir);
    CHECK(at(summary, {"totals", "sent"}) == 20);
    CHECK(at(summary, {"totals", "requests"}) == 20);
    CHECK(at(summary, {"outcomes", "timeout"}) == 20);
    CHECK_THAT(first_error(summary), Catch::Contains("within 300ms (timeout)"));
    CHECK(at(summary, {"errors", "by_class", "timeout"}) == 20);
    // More than 2 streams were opened over the run: a reset stream frees its place.
    CHECK(at(protocol_of(summary), {"streams"}) > 2);
}

TEST_CASE("segments of an HTTP/2 run merge their protocol figures and stream waits") {
    Nghttpd server(false);
    const std::string root = make_temp_dir("volley-h2-seg-");
    const auto run = run_volley({"run", "-u", server.url(false) + "/index.html", "--protocol",
                                 "h2c", "-r", "40", "-d", "1s", "-c", "2", "-t", "1", "--segments",
                                 "2", "--local", "-q", "-o", root});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto merged = read_summary(root + "/merged");
    const auto first = read_summary(root + "/segment-0");
    const auto second = read_summary(root + "/segment-1");
    CHECK(at(merged, {"outcomes", "ok"}) == 40);
    CHECK(server.requests_received(40) == 40);
    const auto& protocol = protocol_of(merged);
    CHECK(protocol.at("negotiated").as_string() == "h2c");
    CHECK(at(protocol, {"streams"}) ==
          at(protocol_of(first), {"streams"}) + at(protocol_of(second), {"streams"}));
    CHECK(at(protocol, {"streams"}) == 40);
    CHECK(merged.contains("stream_wait_ms"));
}

TEST_CASE("a journey over HTTP/2 sees the response's headers and body") {
    Nghttpd server(false);
    const std::string path = server.dir() + "/journey.yaml";
    std::ofstream(path) << "name: h2-journey\n"
                           "target:\n"
                           "  http: {base_url: \""
                        << server.url(false)
                        << "\", protocol: h2c}\n"
                           "load: {rate: 10/s, duration: 1s}\n"
                           "journeys:\n"
                           "  - name: page\n"
                           "    steps:\n"
                           "      - name: get\n"
                           "        path: /index.html\n"
                           "        check:\n"
                           "          - {name: body, body_contains: \"hello over HTTP/2\"}\n"
                           "          - {name: length, header: Content-Length, equals: \"18\"}\n"
                           "      - name: again\n"
                           "        path: /index.html\n";
    const std::string dir = make_temp_dir("volley-h2-run-");
    const auto run = run_volley({"run", path, "-q", "-o", dir});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto summary = read_summary(dir);
    CHECK(at(summary, {"outcomes", "ok"}) == 20);  // 10 journeys of 2 steps
    CHECK(server.requests_received(20) == 20);
    const auto& checks = summary.at("checks").as_array();
    REQUIRE(checks.size() == 2);
    for (const auto& check : checks) {
        INFO(boost::json::serialize(check));
        CHECK(number(check.as_object().at("passed")) == 10);
        CHECK(number(check.as_object().at("failed")) == 0);
    }
}

TEST_CASE(
    "a HAR recorded over HTTP/2 replays over h2c: every replayable entry reaches the server") {
    // tests/fixtures/replay/browser.har: 6 entries recorded as http/2.0, of which a data: URL
    // and an unreadable timestamp are skipped: 4 requests (2 GET, 2 POST with bodies).
    Nghttpd server(false);
    // nghttpd serves files: give the recorded paths one each, so every answer is a 200.
    std::filesystem::create_directories(server.dir() + "/www/api/cart");
    for (const char* path :
         {"/www/api/cart/index.html", "/www/api/cart/items", "/www/api/products", "/www/login"})
        std::ofstream(server.dir() + path) << "recorded\n";
    const std::string dir = make_temp_dir("volley-h2-replay-");
    const auto run =
        run_volley({"replay", std::string(VOLLEY_SOURCE_DIR) + "/tests/fixtures/replay/browser.har",
                    "-u", server.url(false), "--protocol", "h2c", "-q", "-o", dir});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto summary = read_summary(dir);
    CHECK(at(summary, {"totals", "requests"}) == 4);
    CHECK(at(summary, {"outcomes", "ok"}) == 4);
    CHECK(server.requests_received(4) == 4);
    const auto& protocol = protocol_of(summary);
    CHECK(protocol.at("negotiated").as_string() == "h2c");
    CHECK(at(protocol, {"streams"}) == 4);
}

TEST_CASE("PING health against nghttpd: an idle connection sends PINGs, each is acknowledged") {
    // 5 requests/s for 2 s on one connection: it is idle for about 200 ms between responses,
    // so with ping_interval_ms 50 it sends PINGs in every gap; nghttpd acknowledges each.
    // Over h2c and over TLS (h2 selected by ALPN): the PINGs go through the same session.
    const bool tls = GENERATE(false, true);
    INFO((tls ? "h2 over TLS" : "h2c"));
    Nghttpd server(tls);
    const std::string target =
        tls ? "    base_url: " + server.url(true) +
                  "\n    protocol: h2\n    tls: {ca_file: " + server.ca_file() + "}\n"
            : "    base_url: " + server.url(false) + "\n    protocol: h2c\n";
    const std::string scenario = write_scenario(
        server.dir(),
        target + "    connections: 1\n    ping_interval_ms: 50\n    ping_timeout_ms: 1000\n",
        "{rate: 5/s, duration: 2s}");
    const std::string dir = make_temp_dir("volley-h2-run-");
    const auto run = run_volley({"run", scenario, "-q", "-o", dir});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto summary = read_summary(dir);
    CHECK(at(summary, {"outcomes", "ok"}) == 10);
    CHECK(server.requests_received(10) == 10);
    const auto& ping = protocol_of(summary).at("ping").as_object();
    CHECK(at(ping, {"interval_ms"}) == 50);
    CHECK(at(ping, {"timeout_ms"}) == 1000);
    const double sent = at(ping, {"sent"});
    const double acks = at(ping, {"acks"});
    CHECK(sent >= 5);
    const auto expected = static_cast<std::size_t>(sent);
    // The server received every PING volley counted, and acknowledged each; volley counted every
    // ACK but perhaps the last one's, in flight when the run closed the connection.
    CHECK(server.frames_logged("recv PING frame", expected) == expected);
    CHECK(server.frames_logged("send PING frame <length=8, flags=0x01", expected) == expected);
    CHECK(acks <= sent);
    CHECK(acks >= sent - 1);
    CHECK(at(ping, {"rtt_ms", "mean"}) > 0);
    CHECK(at(ping, {"rtt_ms", "max"}) >= at(ping, {"rtt_ms", "mean"}));
    CHECK(at(ping, {"connections_failed"}) == 0);
    CHECK(at(protocol_of(summary), {"connections"}) == 1);
    const std::string report = read_file(dir + "/report.md");
    CHECK(report.find("| PINGs sent | " + std::to_string(expected) + " |") != std::string::npos);
    CHECK(report.find("| PING round trip, max (ms) |") != std::string::npos);
    CHECK(read_file(dir + "/report.html").find("PING round trip, mean (ms)") != std::string::npos);
}

TEST_CASE("PING health: a connection gone silent is declared dead, no scheduled request is lost") {
    // 50 requests/s for 2 s on one connection. The server answers 10 requests on its first
    // connection, then reads nothing more (no response, no PING ACK) and keeps the socket open,
    // so no I/O error ever shows. With ping_interval_ms 100 and ping_timeout_ms 200 the
    // connection is declared dead about 300 ms after its last byte arrived, far before the 10 s
    // request timeout: the requests it carried end as timeout errors naming the health check,
    // later ones go out on a new connection and are answered. Each request ends exactly once.
    H2TestServer server({.silent_after = 10});
    const std::string dir = make_temp_dir("volley-h2-run-");
    const std::string scenario =
        write_scenario(dir,
                       "    base_url: " + server.url() +
                           "\n    protocol: h2c\n    connections: 1\n    ping_interval_ms: 100\n"
                           "    ping_timeout_ms: 200\n",
                       "{rate: 50/s, duration: 2s}");
    const auto run = run_volley({"run", scenario, "-q", "-o", dir}, 60s);
    INFO(run.err);
    CHECK_FALSE(run.timed_out);
    const auto summary = read_summary(dir);
    const double requests = at(summary, {"totals", "requests"});
    const double ok = at(summary, {"outcomes", "ok"});
    const double failed = at(summary, {"outcomes", "timeout"});
    CHECK(requests == 100);
    CHECK(at(summary, {"totals", "sent"}) == 100);
    CHECK(at(summary, {"outcomes", "cancelled"}) == 0);
    CHECK(at(summary, {"totals", "unsent"}) == 0);
    CHECK(ok + failed == requests);
    CHECK(static_cast<double>(server.responses()) == ok);
    CHECK(ok > 10);  // the 10 before the silence, and those on the new connection
    CHECK(failed >= 1);
    CHECK(first_error(summary) == "connection failed its health check: no PING ACK within 200ms");
    // Dead within interval + timeout (+ the sweep's lateness and a loaded machine's), not after
    // the request timeout.
    CHECK(at(summary, {"latency_ms", "max"}) < 2000);
    const auto& protocol = protocol_of(summary);
    CHECK(at(protocol, {"connections"}) == 2);
    CHECK(at(protocol, {"ping", "connections_failed"}) == 1);
    CHECK(at(protocol, {"ping", "sent"}) >= 1);
    CHECK(read_file(dir + "/report.md").find("| Connections failed the health check | 1 |") !=
          std::string::npos);
}
