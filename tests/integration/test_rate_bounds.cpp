// Rates a generator cannot produce (issue 17, docs/scenarios.md "load"): refused up front with
// exit 2 naming the flag or the YAML key; an accepted rate the generator cannot keep up with ends
// on time, reported generator-bound, with every file written, and SIGTERM ends it. Bounded in
// time (a hang is a timed-out child, killed), never a speed assertion.
#include "integration/support.hpp"
#include "support/loopback_server.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>

using namespace volley::testing;
using namespace std::chrono_literals;

namespace {

const char* const kOutputFiles[] = {"summary.json", "report.md",      "report.html",
                                    "junit.xml",    "timeseries.csv", "latency.hlog"};

void check_outputs(const std::string& dir) {
    for (const char* file : kOutputFiles) {
        INFO(file);
        CHECK(std::filesystem::exists(std::filesystem::path(dir) / file));
    }
}

}  // namespace

TEST_CASE("-r 1e12 is refused with exit 2 naming the flag and the ceiling") {
    const std::string dir = make_temp_dir("volley-rate-cap-");
    const auto run = run_volley(
        {"run", "-u", "http://127.0.0.1:1/", "-r", "1000000000000", "-d", "1s", "-q", "-o", dir},
        20s);
    INFO(run.err);
    CHECK_FALSE(run.timed_out);
    CHECK(run.exit_code == 2);
    CHECK(run.err.find("-r/--rate") != std::string::npos);
    CHECK(run.err.find("10000000/s") != std::string::npos);  // the ceiling, engine::kMaxRateRps
    CHECK_FALSE(std::filesystem::exists(dir + "/summary.json"));
}

TEST_CASE("a YAML rate above the ceiling names file:line:column and the key") {
    const std::string path = make_temp_dir("volley-rate-cap-yaml-") + "/scenario.yaml";
    std::ofstream(path) << "name: too-fast\n"
                           "target:\n"
                           "  http:\n"
                           "    base_url: http://127.0.0.1:1\n"
                           "load:\n"
                           "  stages:\n"
                           "    - {duration: 1s, rate: 100/s}\n"
                           "    - {duration: 1s, rate: 20000000/s}\n"
                           "requests:\n"
                           "  - {name: a, path: /}\n";
    const auto run = run_volley({"validate", path}, 20s);
    INFO(run.err);
    CHECK(run.exit_code == 2);
    CHECK(run.err.find(path + ":8:") != std::string::npos);
    CHECK(run.err.find("load.stages[1].rate") != std::string::npos);
}

TEST_CASE("a run at the rate ceiling ends on time, generator-bound, with every file written") {
    LoopbackServer server({});
    const std::string dir = make_temp_dir("volley-rate-max-");
    const auto run = run_volley({"run", "-u", server.url(), "-r", "10000000", "-d", "1s", "-c",
                                 "16", "-q", "-o", dir, "--set", "load.drain=5s"},
                                60s);
    INFO(run.err);
    CHECK_FALSE(run.timed_out);
    CHECK((run.exit_code == 0 || run.exit_code == 1));  // thresholds may fail; never a hang
    check_outputs(dir);
    const auto summary = read_summary(dir);
    // Far fewer were sent than asked for, and the analysis names what limited the run: the
    // generator when it fell behind (schedule lag p99 > 1 ms or its CPU saturated), else the
    // 16 connections (most arrivals met the in-flight limit) — which one depends on the
    // machine's speed, so both are accepted; "none" is not.
    CHECK(at(summary, {"totals", "sent"}) < at(summary, {"totals", "expected_requests"}));
    CHECK(at(summary, {"totals", "dropped"}) > 0);
    const auto& bottleneck = summary.at("analysis").as_object().at("bottleneck").as_object();
    const std::string kind(bottleneck.at("kind").as_string());
    INFO("bottleneck " << kind << ": " << bottleneck.at("text"));
    CHECK((kind == "generator" || kind == "connections"));
}

TEST_CASE("SIGTERM ends a run at the rate ceiling with its report") {
    LoopbackServer server({});
    const std::string dir = make_temp_dir("volley-rate-term-");
    const auto run = run_volley({"run", "-u", server.url(), "-r", "10000000", "-d", "120s", "-c",
                                 "16", "-q", "-o", dir, "--set", "load.drain=5s"},
                                60s, {{1500ms, SIGTERM}});
    INFO(run.err);
    CHECK_FALSE(run.timed_out);
    CHECK(run.exit_code == 130);
    check_outputs(dir);
    const auto summary = read_summary(dir);
    CHECK(summary.at("stop").as_object().at("reason").as_string() == "interrupted");
}
