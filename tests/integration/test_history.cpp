// The nightly gate end to end: runs of the volley binary against a loopback server, judged by
// `volley compare`'s statistics (history/noise_compare.hpp), and kept in a history;
// `volley history --dir` (the embedded history) on a fresh machine and over real runs; bad input
// names the flag or path.
#include "integration/support.hpp"
#include "reports/number_format.hpp"
#include "support/loopback_server.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace volley::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// One run of the same scenario (same URL, so the same port, rate and length: the same scenario
// hash) into history/<name>. 6 s at 200/s: six intervals of 200 responses, enough for the
// statistics (at least 5 interval histograms).
std::string nightly_run(std::uint16_t port, const std::string& history, const std::string& name) {
    std::string dir = history + "/" + name;
    const auto run =
        run_volley({"run", "-u", "http://127.0.0.1:" + std::to_string(port) + "/", "-r", "200",
                    "-d", "6s", "-c", "8", "-t", "1", "-q", "-o", dir, "--label", "night=" + name});
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);
    return dir;
}

}  // namespace

TEST_CASE(
    "volley compare: runs against an unchanged server never regress; a server slowed by a "
    "known amount does, naming the metric") {
    const std::string history = make_temp_dir("volley-nightly-");
    const std::uint16_t port = free_port();
    std::string first, second, slowed;
    {
        LoopbackServer server({.port = port, .response_delay = 2ms});
        first = nightly_run(port, history, "n1");
        second = nightly_run(port, history, "n2");
    }
    {
        // Every answer 4 ms later: the median triples (2 ms → 6 ms), far outside the noise.
        LoopbackServer server({.port = port, .response_delay = 6ms});
        slowed = nightly_run(port, history, "n3");
    }

    const auto unchanged = run_volley({"compare", first, second});
    INFO(unchanged.out << unchanged.err);
    CHECK(unchanged.exit_code == 0);
    CHECK(unchanged.out.find("regression") == std::string::npos);
    CHECK(unchanged.out.find('[') != std::string::npos);  // intervals shown: the statistics ran

    const auto slower = run_volley({"compare", first, slowed});
    INFO(slower.out << slower.err);
    CHECK(slower.exit_code == 99);
    CHECK(slower.out.find("p50") != std::string::npos);
    CHECK(slower.out.find("REGRESSION") != std::string::npos);

    // The same through the history: the last two passing runs before n3, pooled.
    const auto pooled = run_volley({"compare", slowed, "--baseline", "last:2", "--dir", history});
    INFO(pooled.out << pooled.err);
    CHECK(pooled.exit_code == 99);
    CHECK(pooled.out.find("last 2 passing runs (n1, n2)") != std::string::npos);
    const auto last_pass =
        run_volley({"compare", second, "--baseline", "last-pass", "--dir", history});
    INFO(last_pass.out << last_pass.err);
    CHECK(last_pass.exit_code == 0);
    CHECK(last_pass.out.find("last passing run n1") != std::string::npos);
}

TEST_CASE("volley compare refuses runs of different scenarios unless --force") {
    LoopbackServer server({});
    const std::string a = make_temp_dir("volley-scenario-a-");
    const std::string b = make_temp_dir("volley-scenario-b-");
    for (const auto& [dir, rate] : {std::pair{a, "100"}, std::pair{b, "150"}}) {
        const auto run =
            run_volley({"run", "-u", server.url(), "-r", rate, "-d", "1s", "-q", "-o", dir});
        INFO(run.err);
        REQUIRE(run.exit_code == 0);
    }
    const auto refused = run_volley({"compare", a, b});
    CHECK(refused.exit_code == 2);
    CHECK(refused.err.find("runs of different scenarios") != std::string::npos);
    CHECK(refused.err.find("--force") != std::string::npos);
    CHECK(refused.out.empty());
    const auto forced = run_volley({"compare", a, b, "--force", "--max-regression", "1000%"});
    INFO(forced.out << forced.err);
    CHECK(forced.exit_code == 0);
}

TEST_CASE("a history store that is down leaves the run's files and its own exit code") {
    LoopbackServer server({});
    const std::string dir = make_temp_dir("volley-store-down-");
    // Nothing listens on the port: the store cannot be reached. The password is never printed.
    const std::string store =
        "postgresql://volley:s3cret@127.0.0.1:" + std::to_string(free_port()) + "/volley";
    const auto passing = run_volley({"run", "-u", server.url(), "-r", "50", "-d", "1s", "-q", "-o",
                                     dir + "/pass", "--store", store});
    INFO(passing.out << passing.err);
    CHECK(passing.exit_code == 0);
    CHECK(passing.err.find("the history store did not take the run") != std::string::npos);
    CHECK(passing.err.find("volley history add " + dir + "/pass --store") != std::string::npos);
    CHECK(passing.err.find("s3cret") == std::string::npos);
    for (const char* file : {"summary.json", "latency.hlog", "report.html", "report.md"})
        CHECK(fs::file_size(dir + "/pass/" + file) > 0);

    // A failing run keeps its 99.
    const auto failing =
        run_volley({"run", "-u", server.url(), "-r", "50", "-d", "1s", "-q", "-o", dir + "/fail",
                    "--store", store, "--set", "thresholds=[\"error_rate > 50%\"]"});
    INFO(failing.out << failing.err);
    CHECK(failing.exit_code == 99);
    CHECK(failing.err.find("the history store did not take the run") != std::string::npos);
    CHECK(fs::exists(dir + "/fail/summary.json"));
}

TEST_CASE(
    "volley history --dir: no runs yet, then a trend of real runs, a corrupted run "
    "skipped with its path, and bad input refused") {
    const std::string scratch = make_temp_dir("volley-history-");
    const std::string results = scratch + "/results";

    const auto fresh = run_volley({"history", "--dir", results});
    INFO(fresh.out << fresh.err);
    CHECK(fresh.exit_code == 0);
    CHECK(fresh.out.find("no runs in " + results + "/ yet") != std::string::npos);

    LoopbackServer server({});
    for (const std::string night : {"1", "2", "3"}) {
        const auto run =
            run_volley({"run", "-u", server.url(), "-r", "100", "-d", "1s", "-c", "2", "-q",
                        "--label", "night=" + night, "-o", results + "/night-" + night});
        INFO(run.err);
        REQUIRE(run.exit_code == 0);
    }
    {
        std::ofstream broken(results + "/night-2/summary.json", std::ios::trunc);
        broken << "{\"schema\": ";
    }
    const auto html = scratch + "/trend.html";
    const auto trend = run_volley({"history", "--dir", results, "--html", html});
    INFO(trend.out << trend.err);
    CHECK(trend.exit_code == 0);
    CHECK(trend.out.find("night-1") != std::string::npos);
    CHECK(trend.out.find("night=3") != std::string::npos);
    CHECK(trend.out.find("night-2") == std::string::npos);
    CHECK(trend.err.find("skipped: " + results + "/night-2/summary.json") != std::string::npos);
    const auto page = read_file(html);
    CHECK(page.find("night-3") != std::string::npos);
    CHECK(page.find("<script") == std::string::npos);

    const auto markdown = run_volley({"history", "--dir", results, "--markdown", "--last", "1"});
    CHECK(markdown.exit_code == 0);
    CHECK(markdown.out.find("| night-3 |") != std::string::npos);
    CHECK(markdown.out.find("night-1") == std::string::npos);

    // Bad input: a --dir that is a file, a run directory that is not a run.
    const auto file_dir = run_volley({"history", "--dir", html});
    CHECK(file_dir.exit_code == 2);
    CHECK(file_dir.err.find("--dir " + html) != std::string::npos);
    const auto add = run_volley({"history", "add", scratch + "/nothing", "--dir", results});
    CHECK(add.exit_code == 2);
    CHECK(add.err.find(scratch + "/nothing") != std::string::npos);
    fs::remove_all(scratch);
}

TEST_CASE(
    "five nights stored in PostgreSQL: volley history lists them in order with their "
    "figures; a run the store missed is added later") {
    const char* pg = std::getenv("VOLLEY_PG_URL");
    if (!pg || !*pg) {
        FAIL(
            "VOLLEY_PG_URL must be set (scripts/test starts PostgreSQL; by hand: source "
            "scripts/services.sh; volley_start_postgres)");
    }
    // A database of its own, so other tests' runs are not listed.
    const std::string base_url(pg);
    const std::string database = "volley_hist_e2e_" + std::to_string(::getpid());
    const std::string store = base_url.substr(0, base_url.rfind('/') + 1) + database;
    const auto created =
        run_process({"/usr/bin/psql", base_url, "-qc", "CREATE DATABASE " + database}, 30s);
    INFO(created.err);
    REQUIRE(created.exit_code == 0);

    LoopbackServer server({});
    const std::string dir = make_temp_dir("volley-pg-nights-");
    std::vector<std::string> ids;
    for (int night = 1; night <= 5; ++night) {
        const std::string out = dir + "/n" + std::to_string(night);
        // Night 3 finds the store down: its files stay, and it is added afterwards.
        const std::string to =
            night == 3 ? "postgresql://volley@127.0.0.1:" + std::to_string(free_port()) + "/volley"
                       : store;
        const auto run =
            run_volley({"run", "-u", server.url(), "-r", "100", "-d", "2s", "-q", "-o", out,
                        "--label", "night=" + std::to_string(night), "--store", to});
        INFO(run.err);
        REQUIRE(run.exit_code == 0);
        if (night == 3) {
            CHECK(run.err.find("the history store did not take the run") != std::string::npos);
            const auto added = run_volley({"history", "add", out, "--store", store});
            INFO(added.out << added.err);
            REQUIRE(added.exit_code == 0);
        } else {
            CHECK(run.err.find("stored in the history") != std::string::npos);
        }
    }

    const auto listed = run_volley({"history", "--store", store, "--scenario", "127.0.0.1"});
    INFO(listed.out << listed.err);
    REQUIRE(listed.exit_code == 0);
    std::size_t previous = 0;
    for (int night = 1; night <= 5; ++night) {
        // Each night's row: its label, then its own summary's figures as every report prints them.
        const auto row_at = listed.out.find("night=" + std::to_string(night));
        REQUIRE(row_at != std::string::npos);
        CHECK(row_at > previous);  // oldest first
        previous = row_at;
        const auto row = listed.out.substr(row_at, listed.out.find('\n', row_at) - row_at);
        const auto summary = read_summary(dir + "/n" + std::to_string(night));
        for (const auto& figure :
             {volley::reports::format_ms(at(summary, {"latency_ms", "p50"})),
              volley::reports::format_ms(at(summary, {"latency_ms", "p99"})),
              volley::reports::format_rps(at(summary, {"totals", "throughput_rps"}))}) {
            INFO(row << " / " << figure);
            CHECK(row.find(figure) != std::string::npos);
        }
    }

    // The history answers --baseline too: night 5 against the night before it.
    const auto judged = run_volley({"compare", dir + "/n5", "--baseline", "last-pass", "--store",
                                    store, "--max-regression", "1000%"});
    INFO(judged.out << judged.err);
    CHECK(judged.exit_code == 0);
    CHECK(judged.out.find("baseline: last passing run") != std::string::npos);

    (void)run_process(
        {"/usr/bin/psql", base_url, "-qc", "DROP DATABASE " + database + " WITH (FORCE)"}, 30s);
}

TEST_CASE(
    "the first night of a scenario has no baseline: compare says so and passes; an unknown "
    "baseline run is bad input") {
    LoopbackServer server({});
    const std::string history = make_temp_dir("volley-first-night-");
    const auto run = run_volley(
        {"run", "-u", server.url(), "-r", "50", "-d", "1s", "-q", "-o", history + "/first"});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto first =
        run_volley({"compare", history + "/first", "--baseline", "last:7", "--dir", history});
    INFO(first.out << first.err);
    CHECK(first.exit_code == 0);
    CHECK(first.out.find("baseline: none: no earlier passing run") != std::string::npos);
    const auto unknown =
        run_volley({"compare", history + "/first", "--baseline", "no-such-run", "--dir", history});
    INFO(unknown.out << unknown.err);
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.err.find("no run 'no-such-run'") != std::string::npos);
}
