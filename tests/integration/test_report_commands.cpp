// `volley report` re-renders a saved run byte for byte; `volley compare` flags a slower run;
// the console summary shows the figures of summary.json.
#include "integration/support.hpp"
#include "support/loopback_server.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>

using namespace volley::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string run_once(const LoopbackServer& server, const std::string& tag) {
    std::string dir = make_temp_dir("volley-" + tag + "-");
    const auto run = run_volley(
        {"run", "-u", server.url(), "-r", "200", "-d", "2s", "-c", "4", "-q", "-o", dir});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    return dir;
}

}  // namespace

TEST_CASE("volley report re-renders every file of a run byte for byte") {
    LoopbackServer server({});
    const std::string dir = run_once(server, "report");
    const std::vector<std::string> files{"report.html", "report.md", "junit.xml", "timeseries.csv"};
    std::map<std::string, std::string> original;
    for (const auto& f : files) {
        original[f] = read_file(dir + "/" + f);
        REQUIRE(!original[f].empty());
        fs::remove(dir + "/" + f);
    }
    const std::string summary_before = read_file(dir + "/summary.json");
    const auto report = run_volley({"report", dir});
    INFO(report.err);
    REQUIRE(report.exit_code == 0);
    for (const auto& f : files) CHECK(read_file(dir + "/" + f) == original[f]);
    CHECK(read_file(dir + "/summary.json") == summary_before);

    // The console shows summary.json's figures, formatted as every report formats them.
    const auto summary = read_summary(dir);
    CHECK(report.out.find(fmt::format("{:.0f} completed", at(summary, {"totals", "requests"}))) !=
          std::string::npos);
    CHECK(report.out.find(
              fmt::format("{:.1f}/s achieved", at(summary, {"totals", "throughput_rps"}))) !=
          std::string::npos);
}

TEST_CASE(
    "volley compare: 0 for two runs of the same scenario, 99 for a run made slower on purpose") {
    LoopbackServer fast({});
    const std::string base = run_once(fast, "base");
    const std::string same = run_once(fast, "same");
    // The slow server holds every response past the 100 ms request timeout.
    const std::string slow_dir = make_temp_dir("volley-slow-");
    {
        LoopbackServer slowed({.stall_at = 0ms, .stall_for = 60000ms});
        const auto run =
            run_volley({"run", "-u", slowed.url(), "-r", "200", "-d", "2s", "-c", "4", "-q", "-o",
                        slow_dir, "--set", "target.http.timeout=100ms", "--no-thresholds"});
        INFO(run.err);
        REQUIRE(run.exit_code == 99);  // every request timed out: the run itself fails
    }
    const auto same_compare = run_volley({"compare", base, same, "--max-regression", "1000%"});
    INFO(same_compare.out << same_compare.err);
    CHECK(same_compare.exit_code == 0);
    // The slow run has its own timeout and no thresholds: another scenario, compared on demand.
    const auto refused = run_volley({"compare", base, slow_dir});
    CHECK(refused.exit_code == 2);
    CHECK(refused.err.find("runs of different scenarios") != std::string::npos);
    // Same limit for both: loopback noise stays far below it, a 100 ms timeout far above.
    const auto slow_compare =
        run_volley({"compare", base, slow_dir, "--force", "--max-regression", "1000%"});
    INFO(slow_compare.out << slow_compare.err);
    CHECK(slow_compare.exit_code == 99);

    // The limit is a percentage: "10" would have meant 1000 % and is refused, naming the flag.
    const auto bare = run_volley({"compare", base, slow_dir, "--max-regression", "10"});
    CHECK(bare.exit_code == 2);
    CHECK(
        bare.err.find("error: --max-regression: \"10\" needs a percent sign; did you mean 10%?") !=
        std::string::npos);
    CHECK(bare.out.empty());
    // The default (10%) gates too; --markdown prints the same verdict as a table.
    const auto by_default = run_volley({"compare", base, slow_dir, "--force", "--markdown"});
    INFO(by_default.out << by_default.err);
    CHECK(by_default.exit_code == 99);
    CHECK(by_default.out.find("| p99 |") != std::string::npos);
    // A baseline compared with itself never regresses, whatever the limit.
    const auto itself = run_volley({"compare", base, base, "--max-regression", "0%"});
    INFO(itself.out << itself.err);
    CHECK(itself.exit_code == 0);
    // A missing run directory is bad input.
    const auto missing = run_volley({"compare", base, base + "/nonexistent"});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("nonexistent") != std::string::npos);
}

TEST_CASE("volley report refuses a damaged summary.json with exit 2, naming the file and the key") {
    LoopbackServer server({});
    const std::string dir = run_once(server, "damaged");
    auto summary = read_summary(dir);
    const std::string path = dir + "/summary.json";
    const auto write = [&](const std::string& text) {
        std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    };

    summary["totals"].as_object().erase("requests");
    write(boost::json::serialize(summary));
    const auto missing = run_volley({"report", dir});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err == "error: " + path + ": totals.requests: missing\n");
    CHECK(missing.out.empty());

    summary["totals"].as_object()["requests"] = "many";
    write(boost::json::serialize(summary));
    const auto wrong = run_volley({"report", dir});
    CHECK(wrong.exit_code == 2);
    CHECK(wrong.err ==
          "error: " + path +
              ": totals.requests: expected a count (an integer >= 0), found a string\n");

    write("{\"schema\": ");
    const auto broken = run_volley({"report", dir});
    CHECK(broken.exit_code == 2);
    CHECK(broken.err.find("error: " + path + " is not valid JSON") == 0);
}
