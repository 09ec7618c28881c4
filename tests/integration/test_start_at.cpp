// `volley run --start-at` end to end (docs/distributed.md "Synchronised start"): the run begins
// on the whole second asked for, a start missed by more than --max-start-lag exits 3 without
// sending, a signal during the wait exits 130 without sending, and bad times exit 2.
#include "integration/support.hpp"
#include "support/loopback_server.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>

using namespace volley::testing;
using namespace std::chrono_literals;

namespace {

std::string rfc3339(std::chrono::system_clock::time_point t) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    std::array<char, 32> text{};
    std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &utc);
    return std::string(text.data()) + ".000Z";
}

}  // namespace

TEST_CASE("--start-at +2s starts on the whole second two seconds after the command's second") {
    LoopbackServer server({});
    const std::string dir = make_temp_dir("volley-start-");
    const auto before = std::chrono::ceil<std::chrono::seconds>(std::chrono::system_clock::now());
    const auto run = run_volley(
        {"run", "-u", server.url(), "-r", "50", "-d", "2s", "--start-at", "+2s", "-q", "-o", dir},
        60s);
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK_THAT(run.err, Catch::Contains("waiting for the start at"));
    const auto summary = read_summary(dir);
    const auto& start = summary.at("start").as_object();
    const std::string at_text(start.at("at").as_string());
    // The command ran in the second ending at `before` or (rarely) the next one.
    const bool on_expected_second =
        at_text == rfc3339(before + 2s) || at_text == rfc3339(before + 3s);
    INFO(at_text);
    CHECK(on_expected_second);
    // No warm-up: the measured part begins at the start time, a whole second.
    CHECK(std::string(summary.at("started_at").as_string()) == at_text);
    CHECK(at(summary, {"start", "max_start_lag_ms"}) == 1000);
    CHECK(at(summary, {"start", "lag_ms"}) >= 0);
    CHECK(start.at("clock_sync").as_object().at("known").is_bool());
    CHECK(server.requests() == static_cast<std::uint64_t>(at(summary, {"totals", "sent"})));
    CHECK(at(summary, {"totals", "requests"}) == 100);
}

TEST_CASE("a start time missed by more than --max-start-lag exits 3 and sends nothing") {
    LoopbackServer server({});
    const std::string dir = make_temp_dir("volley-start-missed-");
    const auto run = run_volley({"run", "-u", server.url(), "-r", "50", "-d", "2s", "--start-at",
                                 "2026-01-01T00:00:00Z", "--max-start-lag", "2s", "-q", "-o", dir},
                                60s);
    INFO(run.err);
    CHECK(run.exit_code == 3);
    CHECK_THAT(run.err, Catch::Contains("the start time was missed by"));
    CHECK_THAT(run.err, Catch::Contains("--max-start-lag"));
    CHECK(server.requests() == 0);
    CHECK_FALSE(std::filesystem::exists(dir + "/summary.json"));
}

TEST_CASE("a signal while waiting for the start exits 130 at once and sends nothing") {
    LoopbackServer server({});
    const std::string dir = make_temp_dir("volley-start-int-");
    const auto run = run_volley(
        {"run", "-u", server.url(), "-r", "50", "-d", "2s", "--start-at", "+60s", "-q", "-o", dir},
        30s, {{1000ms, SIGINT}});
    INFO(run.err);
    CHECK_FALSE(run.timed_out);
    CHECK(run.exit_code == 130);
    CHECK_THAT(run.err, Catch::Contains("interrupted while waiting for the start"));
    CHECK(server.requests() == 0);
    CHECK_FALSE(std::filesystem::exists(dir + "/summary.json"));
}

TEST_CASE("bad --start-at and --max-start-lag values exit 2 naming the flag") {
    const std::string url = "http://127.0.0.1:9/";
    const auto fractional = run_volley(
        {"run", "-u", url, "-d", "1s", "--start-at", "2026-12-06T10:00:00.5Z", "-q"}, 30s);
    CHECK(fractional.exit_code == 2);
    CHECK_THAT(fractional.err, Catch::Contains("--start-at"));
    CHECK_THAT(fractional.err, Catch::Contains("whole second"));
    const auto no_offset =
        run_volley({"run", "-u", url, "-d", "1s", "--start-at", "2026-12-06T10:00:00", "-q"}, 30s);
    CHECK(no_offset.exit_code == 2);
    CHECK_THAT(no_offset.err, Catch::Contains("--start-at"));
    const auto bad_lag = run_volley(
        {"run", "-u", url, "-d", "1s", "--start-at", "+1s", "--max-start-lag", "soon", "-q"}, 30s);
    CHECK(bad_lag.exit_code == 2);
    CHECK_THAT(bad_lag.err, Catch::Contains("--max-start-lag"));
}
