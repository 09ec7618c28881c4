// volley run against a loopback server: rate accuracy, HdrHistogram interoperability, no
// coordinated omission, connection errors, interruption.
#include "integration/java_hdr.hpp"
#include "integration/support.hpp"
#include "support/loopback_server.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <sstream>

using namespace volley::testing;
using namespace std::chrono_literals;

TEST_CASE(
    "open model: the sent count and every interval's rate match the target; the hlog reads back in "
    "Java") {
    LoopbackServer server({});
    const std::string dir = make_temp_dir("volley-rate-");
    const auto run = run_volley({"run", "-u", server.url() + "/hello", "-r", "2000", "-d", "5s",
                                 "-c", "20", "-t", "2", "-q", "-o", dir});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto summary = read_summary(dir);
    const double requests = at(summary, {"totals", "requests"});
    CHECK(std::abs(requests - 10000) <= 100);  // within 1% of rate x duration
    CHECK(at(summary, {"totals", "errors"}) == 0);
    CHECK(server.requests() == static_cast<std::uint64_t>(at(summary, {"totals", "sent"})));
    for (const auto& row : summary.at("intervals").as_array()) {
        const auto& r = row.as_object();
        if (number(r.at("length_s")) < 0.999) continue;  // the last, partial interval
        CHECK(number(r.at("throughput_rps")) == Approx(2000).epsilon(0.02));
    }

    const auto java = java_totals(dir + "/latency.hlog");
    CHECK(java.count == static_cast<long>(requests));
    // Java prints ms with 3 decimals.
    CHECK(java.p50 == Approx(at(summary, {"latency_ms", "p50"})).margin(0.0015));
    CHECK(java.p90 == Approx(at(summary, {"latency_ms", "p90"})).margin(0.0015));
    CHECK(java.p99 == Approx(at(summary, {"latency_ms", "p99"})).margin(0.0015));
    CHECK(java.max == Approx(at(summary, {"latency_ms", "max"})).margin(0.0015));
    const auto tagged = java_totals(dir + "/latency.hlog", "default");
    CHECK(tagged.count == static_cast<long>(requests));
    for (const char* file : {"report.html", "report.md", "junit.xml", "timeseries.csv"})
        CHECK(std::filesystem::exists(std::filesystem::path(dir) / file));
}

TEST_CASE("a server stall shows in response time, not in service time (no coordinated omission)") {
    // The server holds every request that arrives in [2.0 s, 2.5 s) until 2.5 s.
    const auto stall = 500ms;
    LoopbackServer server({.stall_at = 2000ms, .stall_for = stall});
    const std::string dir = make_temp_dir("volley-co-");
    const double rate = 1000, duration_s = 5, connections = 10;
    const auto run = run_volley({"run", "-u", server.url(), "-r", "1000", "-d", "5s", "-c", "10",
                                 "-t", "1", "-q", "-o", dir});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto summary = read_summary(dir);
    const double total = at(summary, {"totals", "requests"});
    REQUIRE(total == Approx(rate * duration_s).margin(rate * duration_s * 0.01));
    // Requests intended during the stall wait for its end: their response times spread evenly
    // over (0, stall]. The slowest 1% of all requests are the earliest of those, so
    // p99 = stall x (1 - 0.01 x total / stalled requests).
    const double stall_ms = std::chrono::duration<double, std::milli>(stall).count();
    const double stalled = stall_ms / 1000 * rate;
    const double expected_p99 = stall_ms * (1 - 0.01 * total / stalled);
    CHECK(at(summary, {"latency_ms", "p99"}) == Approx(expected_p99).epsilon(0.1));
    CHECK(at(summary, {"latency_ms", "max"}) == Approx(stall_ms).epsilon(0.1));
    // Only the requests on the `connections` connections when the stall began were slow to
    // serve: far fewer than 1% of all, so service-time p99 stays small.
    REQUIRE(connections / total < 0.01);
    CHECK(at(summary, {"service_time_ms", "p99"}) < 20);
    CHECK(at(summary, {"service_time_ms", "max"}) == Approx(stall_ms).epsilon(0.1));
}

TEST_CASE("closed model with virtual users") {
    LoopbackServer server({});
    const std::string dir = make_temp_dir("volley-vus-");
    const auto run = run_volley(
        {"run", "-u", server.url(), "--vus", "8", "-d", "2s", "-t", "2", "-q", "-o", dir});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto summary = read_summary(dir);
    CHECK(summary.at("scenario").as_object().at("model").as_string() == "closed");
    CHECK(at(summary, {"totals", "requests"}) > 100);
    CHECK(at(summary, {"totals", "errors"}) == 0);
}

TEST_CASE(
    "connection refused: the run completes and fails, errors are connect_error, the report is "
    "written") {
    const auto port = free_port();
    const std::string dir = make_temp_dir("volley-refused-");
    const auto run = run_volley({"run", "-u", "http://127.0.0.1:" + std::to_string(port) + "/",
                                 "-r", "100", "-d", "1s", "-q", "-o", dir});
    INFO(run.err);
    CHECK(run.exit_code == 99);
    const auto summary = read_summary(dir);
    CHECK(summary.at("verdict").as_string() == "fail");
    CHECK(at(summary, {"outcomes", "connect_error"}) == 100);
    CHECK(at(summary, {"totals", "errors"}) == 100);
    CHECK(std::filesystem::exists(dir + "/latency.hlog"));
}

TEST_CASE("SIGINT stops gracefully with a report and exit 130; a second one stops at once") {
    // Every request after 0.5 s stalls for 60 s, so only the second signal can end the run.
    LoopbackServer server({.stall_at = 500ms, .stall_for = 60000ms});
    const std::string dir = make_temp_dir("volley-int-");
    const auto run = run_volley(
        {"run", "-u", server.url(), "-r", "200", "-d", "60s", "-c", "10", "-q", "-o", dir}, 40s,
        {{1500ms, SIGINT}, {2500ms, SIGINT}});
    INFO(run.err);
    CHECK_FALSE(run.timed_out);
    CHECK(run.exit_code == 130);
    const auto summary = read_summary(dir);
    CHECK(summary.at("stop").as_object().at("reason").as_string() == "interrupted_immediately");
    // Requests sent before the stall were answered; those held by it were cancelled (not timed
    // out: they are in no percentile) when the second signal stopped the run.
    CHECK(at(summary, {"outcomes", "ok"}) >= 1);
    CHECK(at(summary, {"outcomes", "cancelled"}) >= 1);
    CHECK(at(summary, {"outcomes", "timeout"}) == 0);
    CHECK(at(summary, {"duration_s"}) < 10);
    CHECK(std::filesystem::exists(dir + "/latency.hlog"));
}

TEST_CASE("a single SIGINT drains and exits 130 with the report") {
    LoopbackServer server({});
    const std::string dir = make_temp_dir("volley-int1-");
    const auto run =
        run_volley({"run", "-u", server.url(), "-r", "200", "-d", "60s", "-q", "-o", dir}, 40s,
                   {{1500ms, SIGINT}});
    CHECK(run.exit_code == 130);
    const auto summary = read_summary(dir);
    CHECK(summary.at("stop").as_object().at("reason").as_string() == "interrupted");
    CHECK(at(summary, {"totals", "requests"}) == Approx(300).margin(60));
    CHECK(at(summary, {"totals", "errors"}) == 0);
}
