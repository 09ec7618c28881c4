// What volley counts and decides, end to end against a loopback server: a run that measured
// nothing or ran out of input fails; counts equal the server's; intervals start at 0 and show
// no rate spike; the warm-up does not skew the target; Ctrl-C's drain is apart from the
// measured time and abandoned requests are `cancelled`.
#include "integration/support.hpp"
#include "support/loopback_server.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>

using namespace volley::testing;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

std::string write_scenario(const std::string& dir, const std::string& text) {
    const std::string path = dir + "/s.yaml";
    std::ofstream(path) << text;
    return path;
}

const json::object& stop_of(const json::object& summary) { return summary.at("stop").as_object(); }

// The thresholds[] entry with this expression, or null.
const json::object* threshold(const json::object& summary, const std::string& expr) {
    for (const auto& t : summary.at("thresholds").as_array()) {
        if (t.as_object().at("expr").as_string() == expr) return &t.as_object();
    }
    return nullptr;
}

}  // namespace

TEST_CASE("a run in which every request failed fails, and says why") {
    const std::uint16_t closed_port = free_port();  // nothing listens there
    const std::string dir = make_temp_dir("volley-allfailed-");
    const auto run =
        run_volley({"run", "-u", "http://127.0.0.1:" + std::to_string(closed_port) + "/", "-r",
                    "20", "-d", "2s", "-q", "-o", dir});
    INFO(run.err);
    CHECK(run.exit_code == 99);
    const auto summary = read_summary(dir);
    CHECK(summary.at("verdict").as_string() == "fail");
    const auto* check = threshold(summary, "successful responses > 0");
    REQUIRE(check != nullptr);
    CHECK_FALSE(check->at("pass").as_bool());
    CHECK(check->at("builtin").as_bool());
    const std::string detail(check->at("detail").as_string());
    CHECK_THAT(detail, Catch::Contains("every request failed") && Catch::Contains("connect_error"));
    const std::string junit = read_file(dir + "/junit.xml");
    CHECK(junit.find(R"(<testcase classname="volley.run" name="successful responses &gt; 0")") !=
          std::string::npos);
    CHECK(junit.find(R"(<failure type="check" message="every request failed: connect_error)") !=
          std::string::npos);
}

TEST_CASE("the server's count equals volley's, open and closed model with think time") {
    SECTION("open model") {
        LoopbackServer server({});
        const std::string dir = make_temp_dir("volley-count-open-");
        const auto run =
            run_volley({"run", "-u", server.url() + "/", "-r", "100", "-d", "2s", "-q", "-o", dir});
        INFO(run.err);
        REQUIRE(run.exit_code == 0);
        const auto summary = read_summary(dir);
        CHECK(at(summary, {"totals", "requests"}) == static_cast<double>(server.requests()));
        CHECK(at(summary, {"totals", "sent"}) == static_cast<double>(server.requests()));
        CHECK(server.requests() == 200);  // the schedule's own count: 100/s for 2 s
    }
    SECTION("closed model with think time: every VU's first request is counted") {
        LoopbackServer server({});
        const std::string dir = make_temp_dir("volley-count-closed-");
        const auto path = write_scenario(dir,
                                         "name: closed\n"
                                         "target: {http: {base_url: '" +
                                             server.url() +
                                             "'}}\n"
                                             "load: {vus: 4, duration: 2s, think: 100ms}\n"
                                             "requests: [{path: /}]\n");
        const auto run = run_volley({"run", path, "-q", "-o", dir + "/out"});
        INFO(run.err);
        REQUIRE(run.exit_code == 0);
        const auto summary = read_summary(dir + "/out");
        CHECK(at(summary, {"totals", "requests"}) == static_cast<double>(server.requests()));
        CHECK(server.requests() > 0);
    }
}

TEST_CASE("intervals start at 0, are at least half an interval long and show no rate spike") {
    LoopbackServer server({});
    const std::string dir = make_temp_dir("volley-intervals-");
    const auto run =
        run_volley({"run", "-u", server.url() + "/", "-r", "200", "-d", "3s", "-q", "-o", dir});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto summary = read_summary(dir);
    const auto& intervals = summary.at("intervals").as_array();
    REQUIRE(intervals.size() >= 3);
    CHECK(number(intervals.at(0).as_object().at("t_s")) == 0.0);
    double expected_start = 0;
    for (const auto& value : intervals) {
        const auto& row = value.as_object();
        INFO("interval at " << number(row.at("t_s")) << " s, " << number(row.at("length_s"))
                            << " s long");
        CHECK(number(row.at("t_s")) == Approx(expected_start).margin(1e-6));
        CHECK(number(row.at("length_s")) >= 0.5);
        CHECK(number(row.at("throughput_rps")) <= 1.5 * 200);
        expected_start += number(row.at("length_s"));
    }
    CHECK(read_file(dir + "/timeseries.csv").find("\n0.0,") != std::string::npos);
}

TEST_CASE("a feeder that runs dry stops the run, says so and fails unless the plan expects it") {
    LoopbackServer server({});
    const std::string dir = make_temp_dir("volley-feeder-");
    {
        std::ofstream csv(dir + "/users.csv");
        csv << "user\n";
        for (int i = 0; i < 20; ++i) csv << "u" << i << "\n";
    }
    const auto scenario = [&](const std::string& extra) {
        return write_scenario(dir,
                              "name: feeder\n"
                              "target: {http: {base_url: '" +
                                  server.url() +
                                  "'}}\n"
                                  "load: {rate: 20/s, duration: 5s}\n"
                                  "variables:\n  user: {type: csv, file: users.csv, mode: unique" +
                                  extra +
                                  "}\n"
                                  "requests: [{path: '/u/${user}'}]\n");
    };
    SECTION("unexpected: failed verdict") {
        const auto run = run_volley({"run", scenario(""), "-o", dir + "/a"});
        INFO(run.err);
        CHECK(run.exit_code == 99);
        const auto summary = read_summary(dir + "/a");
        CHECK(stop_of(summary).at("reason").as_string() == "source_exhausted");
        CHECK_FALSE(stop_of(summary).at("expected").as_bool());
        CHECK_THAT(std::string(stop_of(summary).at("detail").as_string()),
                   Catch::Contains("has no rows left"));
        CHECK(summary.at("verdict").as_string() == "fail");
        CHECK(at(summary, {"duration_s"}) < 4.0);
        CHECK(server.requests() == 20);
        CHECK_THAT(run.out, Catch::Contains("has no rows left"));
    }
    SECTION("on_exhausted: end_run: the planned end, the verdict passes") {
        const auto run = run_volley({"run", scenario(", on_exhausted: end_run"), "-o", dir + "/b"});
        INFO(run.err);
        CHECK(run.exit_code == 0);
        const auto summary = read_summary(dir + "/b");
        CHECK(stop_of(summary).at("reason").as_string() == "source_exhausted");
        CHECK(stop_of(summary).at("expected").as_bool());
        CHECK(summary.at("verdict").as_string() == "pass");
        CHECK(read_file(dir + "/b/junit.xml").find("<failure") ==
              std::string::npos);  // CI stays green
        CHECK_THAT(run.out, Catch::Contains("ENDED AS PLANNED: source_exhausted"));
    }
}

TEST_CASE("with a warm-up the target is the schedule's own over the recorded window") {
    LoopbackServer server({});
    const std::string dir = make_temp_dir("volley-warmup-");
    // type load ramps over the first tenth; the warm-up plays first at the rate, so the recorded
    // window runs flat at 100/s.
    const auto path = write_scenario(dir,
                                     "name: warm\ntype: load\n"
                                     "target: {http: {base_url: '" +
                                         server.url() +
                                         "'}}\n"
                                         "load: {rate: 100/s, duration: 3s, warmup: 1s}\n"
                                         "requests: [{path: /}]\n"
                                         "thresholds: ['throughput >= 95% target']\n");
    const auto run = run_volley({"run", path, "-q", "-o", dir + "/out"});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto summary = read_summary(dir + "/out");
    CHECK(at(summary, {"totals", "target_rps"}) == Approx(100.0).epsilon(1e-9));
    CHECK(at(summary, {"totals", "expected_requests"}) == Approx(300.0).epsilon(1e-9));
    const auto* throughput = threshold(summary, "throughput >= 95% target");
    REQUIRE(throughput != nullptr);
    CHECK(number(throughput->at("actual")) == Approx(100.0).margin(2.0));  // not 105 %
}

TEST_CASE(
    "Ctrl-C: the drain is apart from the measured time; a second Ctrl-C cancels, not times out") {
    SECTION("one Ctrl-C: the drain waits for in-flight requests and is reported apart") {
        LoopbackServer server({.response_delay = 600ms});
        const std::string dir = make_temp_dir("volley-ctrlc-");
        const auto run = run_volley(
            {"run", "-u", server.url() + "/", "-r", "50", "-d", "20s", "-c", "64", "-q", "-o", dir},
            60s, {{1500ms, SIGINT}});
        INFO(run.err);
        CHECK(run.exit_code == 130);
        const auto summary = read_summary(dir);
        CHECK(stop_of(summary).at("reason").as_string() == "interrupted");
        CHECK(at(summary, {"duration_s"}) < 1.5 + 0.4);  // the drain is not in it
        CHECK(at(summary, {"drain_s"}) >= 0.3);          // in-flight requests took 0.6 s
        CHECK(at(summary, {"outcomes", "timeout"}) == 0);
        CHECK(at(summary, {"outcomes", "cancelled"}) == 0);
        CHECK(at(summary, {"totals", "requests"}) == static_cast<double>(server.requests()));
    }
    SECTION("a second Ctrl-C: abandoned requests are cancelled and out of the percentiles") {
        LoopbackServer server({.response_delay = 5000ms});
        const std::string dir = make_temp_dir("volley-ctrlc2-");
        const auto run = run_volley(
            {"run", "-u", server.url() + "/", "-r", "50", "-d", "20s", "-c", "64", "-q", "-o", dir},
            60s, {{1000ms, SIGINT}, {1400ms, SIGINT}});
        INFO(run.err);
        CHECK(run.exit_code == 130);
        const auto summary = read_summary(dir);
        CHECK(stop_of(summary).at("reason").as_string() == "interrupted_immediately");
        CHECK(at(summary, {"outcomes", "timeout"}) == 0);
        CHECK(at(summary, {"outcomes", "cancelled"}) > 0);
        CHECK(at(summary, {"totals", "requests"}) == 0);  // nothing was answered
        CHECK(at(summary, {"totals", "error_rate"}) == 0);
    }
}

TEST_CASE("a target that cannot be reached stops a long run early, with the reason") {
    const std::uint16_t closed_port = free_port();
    const std::string dir = make_temp_dir("volley-unreachable-");
    const auto run =
        run_volley({"run", "-u", "http://127.0.0.1:" + std::to_string(closed_port) + "/", "-r",
                    "20", "-d", "60s", "-q", "-o", dir},
                   40s);
    INFO(run.err);
    CHECK_FALSE(run.timed_out);
    CHECK(run.exit_code == 99);
    const auto summary = read_summary(dir);
    CHECK(stop_of(summary).at("reason").as_string() == "aborted");
    CHECK_THAT(std::string(stop_of(summary).at("detail").as_string()),
               Catch::Contains("target unreachable"));
    CHECK(at(summary, {"duration_s"}) < 10);
}
