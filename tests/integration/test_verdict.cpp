// The verdict decides the exit code: 99 on a failed threshold; abort_on_fail stops early and
// still writes every report.
#include "integration/support.hpp"
#include "support/loopback_server.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace volley::testing;
using namespace std::chrono_literals;

namespace {

std::string scenario(const std::string& url, const std::string& duration,
                     const std::string& thresholds) {
    const std::string path = make_temp_dir("volley-verdict-") + "/s.yaml";
    std::ofstream(path) << "name: verdict\n"
                        << "target: {http: {base_url: '" << url << "'}}\n"
                        << "load: {rate: 100/s, duration: " << duration << "}\n"
                        << "requests: [{name: a, path: /}]\n"
                        << "thresholds:\n"
                        << thresholds;
    return path;
}

}  // namespace

TEST_CASE("a failed threshold exits 99; passing ones exit 0") {
    LoopbackServer server({.status = 503});
    const std::string dir = make_temp_dir("volley-verdict-run-");
    const auto failing =
        run_volley({"run", scenario(server.url(), "1s", "  - error_rate < 1%\n"), "-q", "-o", dir});
    INFO(failing.err);
    CHECK(failing.exit_code == 99);
    const auto summary = read_summary(dir);
    CHECK(summary.at("verdict").as_string() == "fail");
    const auto& t = summary.at("thresholds").as_array().at(0).as_object();
    CHECK_FALSE(t.at("pass").as_bool());
    CHECK(number(t.at("actual")) == Approx(100.0));  // percent
    CHECK(read_file(dir + "/junit.xml").find("<failure") != std::string::npos);

    LoopbackServer healthy({});
    const auto passing = run_volley({"run", scenario(healthy.url(), "1s", "  - error_rate <= 1%\n"),
                                     "-q", "-o", make_temp_dir("volley-verdict-run-")});
    CHECK(passing.exit_code == 0);
}

TEST_CASE("abort_on_fail stops the run early and still writes the report") {
    LoopbackServer server({.status = 500});
    const std::string dir = make_temp_dir("volley-abort-");
    const auto run = run_volley(
        {"run",
         scenario(server.url(), "30s",
                  "  - {expr: 'error_rate < 1%', abort_on_fail: true, delay_abort: 1s}\n"),
         "-q", "-o", dir},
        60s);
    INFO(run.err);
    CHECK(run.exit_code == 99);
    const auto summary = read_summary(dir);
    CHECK(summary.at("stop").as_object().at("reason").as_string() == "aborted");
    CHECK(at(summary, {"duration_s"}) < 10);
    for (const char* file :
         {"report.html", "report.md", "junit.xml", "timeseries.csv", "latency.hlog"})
        CHECK(std::filesystem::exists(std::filesystem::path(dir) / file));
}
