// `volley history --dir`: the embedded history through the built binary, on a fresh machine
// and over real runs against a loopback server; bad input names the flag or path.
#include "integration/support.hpp"
#include "support/loopback_server.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace volley::testing;
namespace fs = std::filesystem;

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
