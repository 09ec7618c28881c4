// `volley record` as a reverse proxy writes a GoReplay capture; `volley replay` of that capture
// sends the same requests (method, path, headers, body). Both run as child processes.
#include "replay/capture_server.hpp"
#include "replay/connect.hpp"
#include "replay/http_message.hpp"
#include "replay/readers.hpp"
#include "replay/support.hpp"
#include "support/loopback_server.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <thread>

using namespace std::chrono_literals;
using namespace volley;
using namespace volley::replay_test;
using volley::testing::run_process;
using volley::testing::volley_binary;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::uint16_t unused_port() {
    asio::io_context io;
    tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

// A blocking HTTP/1.1 client connection (responses framed by Content-Length).
class Client {
public:
    // Connects, retrying while the proxy starts (up to `patience`).
    Client(std::uint16_t port, std::chrono::milliseconds patience) : socket_(io_) {
        connect_when_listening(socket_, port, patience);
    }
    // Sends raw bytes and returns the response's status line.
    std::string exchange(const std::string& request) {
        asio::write(socket_, asio::buffer(request));
        const std::size_t header_bytes = asio::read_until(socket_, buffer_, "\r\n\r\n");
        std::string header(
            asio::buffers_begin(buffer_.data()),
            asio::buffers_begin(buffer_.data()) + static_cast<std::ptrdiff_t>(header_bytes));
        buffer_.consume(header_bytes);
        std::size_t length = 0;
        if (const auto at = header.find("Content-Length: "); at != std::string::npos)
            length = std::stoul(header.substr(at + 16));
        if (buffer_.size() < length)
            asio::read(socket_, buffer_, asio::transfer_exactly(length - buffer_.size()));
        buffer_.consume(length);
        return header.substr(0, header.find("\r\n"));
    }

private:
    asio::io_context io_;
    tcp::socket socket_;
    asio::streambuf buffer_;
};

struct Sent {
    std::string method, target, body;
    std::vector<std::pair<std::string, std::string>> headers;  // besides Host and framing
    bool chunked = false;
};

std::string raw(const Sent& sent, std::uint16_t port) {
    std::string out = sent.method + " " + sent.target +
                      " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n";
    for (const auto& [name, value] : sent.headers) out += name + ": " + value + "\r\n";
    if (sent.chunked) {
        out += "Transfer-Encoding: chunked\r\n\r\n";
        const std::size_t half = sent.body.size() / 2;
        for (const auto& part : {sent.body.substr(0, half), sent.body.substr(half)}) {
            char size[16];
            std::snprintf(size, sizeof size, "%zx", part.size());
            out += std::string(size) + "\r\n" + part + "\r\n";
        }
        return out + "0\r\n\r\n";
    }
    if (!sent.body.empty() || sent.method == "POST" || sent.method == "PUT") {
        out += "Content-Length: " + std::to_string(sent.body.size()) + "\r\n";
    }
    return out + "\r\n" + sent.body;
}

const std::vector<Sent> kTraffic = {
    {"GET",
     "/entities/1/ancestors?depth=2",
     "",
     {{"User-Agent", "volley-test/1.0 (round trip; x86_64)"},
      {"Accept", "application/json"},
      {"X-Trace-Id", "t-1"}}},
    {"POST",
     "/entities",
     "{\"id\":\"42\",\"parent\":\"1\"}",
     {{"Content-Type", "application/json"}, {"X-Trace-Id", "t-2"}}},
    {"PUT",
     "/blobs/7",
     std::string("bin\0ary\xff\x01 data", 14),
     {{"Content-Type", "application/octet-stream"}}},
    {"POST", "/upload", "first half|second half", {{"Content-Type", "text/plain"}}, true},
    {"DELETE", "/entities/42", "", {{"Authorization", "Bearer abc.def"}, {"Accept", "*/*"}}},
};

// Headers that describe a message's framing or connection: a replay writes its own.
bool framing(const std::string& name) {
    for (const char* skipped :
         {"host", "content-length", "transfer-encoding", "connection", "keep-alive"}) {
        if (replay::same_header_name(name, skipped)) return true;
    }
    return false;
}

std::vector<std::pair<std::string, std::string>> end_to_end_headers(
    const replay::ReplayRecord& record) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& header : record.headers) {
        if (!framing(header.first)) out.push_back(header);
    }
    return out;
}

// Records kTraffic through `volley record` into `capture`; stops it with `stop_signal`.
void record_traffic(const std::string& capture, int stop_signal) {
    volley::testing::LoopbackServer upstream({});
    const std::uint16_t port = unused_port();
    testing::ProcessResult recorder;
    // The signal comes well after the traffic, which takes milliseconds once the proxy listens.
    std::thread recording([&] {
        recorder =
            run_process({volley_binary(), "record", "--listen", "127.0.0.1:" + std::to_string(port),
                         "--upstream", upstream.url(), "-o", capture},
                        60s, {testing::SignalCue{4000ms, stop_signal}});
    });
    std::vector<std::string> statuses;
    try {
        Client client(port, 3000ms);
        for (const auto& sent : kTraffic) {
            statuses.push_back(client.exchange(raw(sent, port)));
            std::this_thread::sleep_for(40ms);
        }
        // The client keeps its kept-alive connection open across the stop signal.
        recording.join();
    } catch (...) {
        recording.join();
        throw;
    }
    INFO(recorder.err);
    REQUIRE(recorder.exit_code == 0);
    CHECK(recorder.out.find("5 request(s) recorded") != std::string::npos);
    for (const auto& status : statuses) CHECK(status == "HTTP/1.1 200 OK");
    CHECK(upstream.requests() == kTraffic.size());
}

}  // namespace

TEST_CASE(
    "volley record writes requests and responses; volley replay sends the recorded requests") {
    const std::string dir = testing::make_temp_dir("volley-record-");
    const std::string capture = dir + "/capture.gor";
    record_traffic(capture, SIGINT);

    // The capture: a request and a response record per exchange, sharing ids, in order.
    const std::string text = testing::read_file(capture);
    CHECK(text.rfind("1 ", 0) == 0);
    auto reader = replay::make_gor_reader(capture, true);
    const auto recorded = read_all(*reader);
    REQUIRE(recorded.size() == kTraffic.size());
    CHECK(reader->counts().non_requests == kTraffic.size());
    CHECK(reader->counts().malformed == 0);
    for (std::size_t i = 0; i < kTraffic.size(); ++i) {
        INFO(kTraffic[i].target);
        CHECK(recorded[i].method == kTraffic[i].method);
        CHECK(recorded[i].target == kTraffic[i].target);
        CHECK(recorded[i].body == kTraffic[i].body);
        CHECK(end_to_end_headers(recorded[i]) == kTraffic[i].headers);
        if (i > 0)
            CHECK(recorded[i].ts_ns - recorded[i - 1].ts_ns >= 40'000'000);  // the client's pauses
    }
    const auto first_id = text.substr(2, 24);
    CHECK(first_id.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(text.find("\n2 " + first_id + " ") != std::string::npos);

    // The replay: the client used one connection, which the capture names, so with
    // --per-connection the server sees the capture's order whatever the connections and threads.
    CaptureServer server;
    const auto replay = run_process({volley_binary(), "replay", capture, "-u", server.url(), "-c",
                                     "4", "-t", "2", "--per-connection", "-q", "-o", dir + "/out"},
                                    60s);
    INFO(replay.err);
    REQUIRE(replay.exit_code == 0);
    const auto received = server.requests();
    REQUIRE(received.size() == kTraffic.size());
    const auto summary = testing::read_file(dir + "/out/summary.json");
    CHECK(summary.find("\"with_connection\": " + std::to_string(kTraffic.size())) !=
          std::string::npos);
    for (std::size_t i = 0; i < received.size(); ++i) {
        replay::ReplayRecord replayed;
        REQUIRE(replay::parse_http_request(received[i], replayed) == "");
        INFO(recorded[i].target);
        CHECK(replayed.method == recorded[i].method);
        CHECK(replayed.target == recorded[i].target);
        CHECK(replayed.body == recorded[i].body);
        CHECK(end_to_end_headers(replayed) == end_to_end_headers(recorded[i]));
    }
}

TEST_CASE("volley record stops on SIGTERM with a complete gzip capture") {
    const std::string dir = testing::make_temp_dir("volley-record-gz-");
    const std::string capture = dir + "/capture.gor.gz";
    record_traffic(capture, SIGTERM);
    auto reader = replay::make_gor_reader(capture, true);  // strict: a cut stream would throw
    CHECK(read_all(*reader).size() == kTraffic.size());
    CHECK(reader->counts().non_requests == kTraffic.size());
}

TEST_CASE(
    "volley replay --strict exits 2 naming the malformed record; without it the run goes on") {
    CaptureServer server;
    const std::string dir = testing::make_temp_dir("volley-strict-");
    const auto strict = run_process({volley_binary(), "replay", fixture("capture.gor"), "-u",
                                     server.url(), "--strict", "-q", "-o", dir + "/strict"},
                                    60s);
    CHECK(strict.exit_code == 2);
    CHECK(strict.err.find("capture.gor: line 58:") != std::string::npos);
    CHECK(server.requests().empty());  // nothing was sent

    // GoReplay's own records name no connection: --per-connection says it had nothing to order.
    const auto lenient =
        run_process({volley_binary(), "replay", fixture("capture.gor"), "-u", server.url(),
                     "--speed", "20", "--per-connection", "-q", "-o", dir + "/lenient"},
                    60s);
    INFO(lenient.err);
    CHECK(lenient.exit_code == 0);
    CHECK(server.requests().size() == 6);
    const auto summary = testing::read_file(dir + "/lenient/summary.json");
    CHECK(summary.find("\"malformed\": 1") != std::string::npos);
    CHECK(summary.find("line 58") != std::string::npos);
    CHECK(summary.find("\"with_connection\": 0") != std::string::npos);
    CHECK(summary.find("per_connection had nothing to order") != std::string::npos);
}
