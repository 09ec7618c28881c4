// Per-connection ordering against a loopback server that notes which of its connections each
// request arrived on: with `per_connection`, every recorded client connection's requests arrive
// in their recorded order, one at a time, on one server connection; without it they spread.
#include "replay/run_replay.hpp"
#include "replay/support.hpp"
#include "support/loopback_server.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>

using namespace std::chrono_literals;
using namespace volley;
using namespace volley::replay_test;

namespace {

constexpr std::int64_t kT0 = 1760104536'000'000'000;
constexpr int kRecordedConnections = 6;
constexpr int kRequestsPerConnection = 8;

// Recorded connection c (1…6) sends "/c<c>/<i>" every 3 ms from c ms on; "/free/<i>" records
// name no connection. The server answers after 15 ms, so a connection's next request is due
// while its previous one is still in flight.
std::string capture() {
    std::vector<std::pair<std::int64_t, std::string>> lines;
    for (int c = 1; c <= kRecordedConnections; ++c) {
        for (int i = 0; i < kRequestsPerConnection; ++i) {
            const std::int64_t ts = kT0 + (c + 3 * i) * 1'000'000LL;
            lines.emplace_back(ts, "{\"ts\": " + std::to_string(ts) + ", \"path\": \"/c" +
                                       std::to_string(c) + "/" + std::to_string(i) +
                                       "\", \"connection\": \"10.0.0." + std::to_string(c) +
                                       ":5123" + std::to_string(c) + "\"}\n");
        }
    }
    for (int i = 0; i < 10; ++i)
        lines.emplace_back(kT0 + i * 2'000'000LL,
                           jsonl_line(kT0 + i * 2'000'000LL, "/free/" + std::to_string(i)));
    std::stable_sort(lines.begin(), lines.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string text;
    for (const auto& line : lines) text += line.second;
    return text;
}

struct Received {
    std::vector<std::string> paths;       // in arrival order
    std::set<std::uint64_t> connections;  // server connections used
};

// What the server received per recorded connection, keyed by "c1"…; "free" for the others.
std::map<std::string, Received> replay_capture(bool per_connection) {
    TempFile file("connections.jsonl", capture());
    testing::LoopbackServer server({.response_delay = 15ms, .record_arrivals = true});
    replay::ReplaySpec spec;
    spec.file = file.path();
    spec.format = replay::ReplayFormat::jsonl;
    spec.per_connection = per_connection;
    const auto result = run_replay(spec, server.url(), {.threads = 2, .connections = 16});
    REQUIRE(result.totals.combined().completed() ==
            kRecordedConnections * kRequestsPerConnection + 10);
    REQUIRE(result.totals.combined().errors() == 0);
    std::map<std::string, Received> out;
    for (const auto& arrival : server.arrivals()) {
        const auto& line = arrival.request_line;  // "GET /c1/0 HTTP/1.1"
        const auto start = line.find(' ') + 1;
        const auto path = line.substr(start, line.find(' ', start) - start);
        auto& received = out[path.substr(1, path.find('/', 1) - 1)];
        received.paths.push_back(path);
        received.connections.insert(arrival.connection);
    }
    return out;
}

}  // namespace

TEST_CASE("per_connection: each recorded connection's requests arrive in order on one connection") {
    const auto received = replay_capture(true);
    for (int c = 1; c <= kRecordedConnections; ++c) {
        const std::string key = "c" + std::to_string(c);
        INFO(key);
        REQUIRE(received.count(key) == 1);
        const auto& mine = received.at(key);
        CHECK(mine.connections.size() == 1);
        REQUIRE(mine.paths.size() == kRequestsPerConnection);
        for (int i = 0; i < kRequestsPerConnection; ++i)
            CHECK(mine.paths[static_cast<std::size_t>(i)] == "/" + key + "/" + std::to_string(i));
    }
    CHECK(received.at("free").paths.size() == 10);  // records without a connection still go out
}

TEST_CASE(
    "without per_connection a recorded connection's overlapping requests use several connections") {
    const auto received = replay_capture(false);
    // Requests 3 ms apart that take 15 ms each cannot share one HTTP/1.1 connection.
    for (int c = 1; c <= kRecordedConnections; ++c)
        CHECK(received.at("c" + std::to_string(c)).connections.size() > 1);
}
