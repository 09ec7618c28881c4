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

TEST_CASE("volley report FILE.hlog: bad input and misplaced flags exit 2 saying why") {
    const std::string fixtures = std::string(VOLLEY_FIXTURES_DIR) + "/hlog/";
    const std::string tagged = fixtures + "tagged-Log.logV2.hlog";
    const std::string dir = make_temp_dir("volley-report-hlog-");
    {
        std::ofstream bad(dir + "/bad.hlog");
        bad << "#[StartTime: 1441812279.474 (seconds since epoch)]\n"
            << "0.127,1.007,2.769,HISTFAAAAEV4\n";
    }
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<Case> cases = {
        {{"report", tagged, "--tag", "B"},
         "no interval with Tag=B in the window (the log has "
         "untagged lines, Tag=A)"},
        {{"report", tagged, "--start", "1000"}, "no untagged interval in the window"},
        {{"report", tagged, "--start", "5", "--end", "1"}, "end must not be before its start"},
        {{"report", tagged, "--format", "md"}, "--format applies to a run directory"},
        {{"report", tagged, "--latency"}, "--latency applies to a run directory"},
        {{"report", dir, "--tag", "A"}, "--tag applies to an interval log"},
        {{"report", dir + "/bad.hlog"}, "bad.hlog: hlog line 2: "},
        {{"report", dir + "/missing.hlog"}, "no such run directory or interval log"},
    };
    for (const Case& c : cases) {
        INFO(c.args[1] << " " << (c.args.size() > 2 ? c.args[2] : ""));
        const auto result = run_volley(c.args);
        CHECK(result.exit_code == 2);
        CHECK(result.out.empty());
        CHECK(result.err.find(c.message) != std::string::npos);
    }
    // The tagged log's lines with Tag=A are its untagged lines duplicated: the same report.
    const auto untagged = run_volley({"report", tagged});
    const auto tag_a = run_volley({"report", tagged, "--tag", "A"});
    REQUIRE(untagged.exit_code == 0);
    CHECK(untagged.out.find("#[Buckets = ") != std::string::npos);
    CHECK(tag_a.out == untagged.out);
}
