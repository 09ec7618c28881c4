// What limited the run, and the type's answer first: the real binary against a loopback server
// that is slow (/slow?ms=N) or degrades past a known rate.
#include "integration/support.hpp"
#include "support/loopback_server.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <regex>

using namespace volley::testing;
using namespace std::chrono_literals;

TEST_CASE("a slow server with too few connections reads 'connections' and suggests -c >= 20") {
    // 40/s against 500 ms answers needs 40 x 0.5 = 20 connections (Little's law); the run has 8.
    LoopbackServer server({});
    const std::string dir = make_temp_dir("volley-bottleneck-");
    const auto run = run_volley(
        {"run", "-u", server.url() + "/slow?ms=500", "-r", "40", "-d", "2s", "-c", "8", "-o", dir});
    INFO(run.err);
    INFO(run.out);
    REQUIRE(run.exit_code == 0);
    const auto summary = read_summary(dir);
    const auto& bottleneck = summary.at("analysis").at("bottleneck").as_object();
    CHECK(bottleneck.at("kind").as_string() == "connections");
    CHECK(at(bottleneck, {"evidence", "connections_needed"}) >= 20);
    CHECK(at(bottleneck, {"evidence", "connections_available"}) == 8);
    std::smatch match;
    const std::string suggestion(bottleneck.at("suggestion").as_string());
    REQUIRE(std::regex_search(
        suggestion, match, std::regex(R"(-c (\d+) \(YAML: target\.http\.connections: (\d+)\))")));
    CHECK(std::stoi(match[1]) >= 20);
    CHECK(match[1] == match[2]);
    // Connection wait is measured and shown; the generator is not blamed.
    CHECK(at(summary, {"connection_wait_ms", "p99"}) > 100);
    CHECK(run.out.find("bottleneck      connections: ") != std::string::npos);
    CHECK(run.out.find("connection wait p50 ") != std::string::npos);
    CHECK(run.out.find("bottleneck      generator") == std::string::npos);
    const auto html = read_file(dir + "/report.html");
    CHECK(html.find("class=\"bottleneck\"") == std::string::npos);
    CHECK(html.find("<strong>Bottleneck: connections.</strong>") != std::string::npos);
    CHECK(read_file(dir + "/report.md").find("| Connection wait |") != std::string::npos);
}

TEST_CASE("stress against a server that degrades above 50/s: capacity and breaking point first") {
    // Steps of 2 s at 20, 40 and 60/s; above 50 requests in the last second the server answers
    // in 300 ms, so p(99) < 100ms breaks at 60/s and the capacity is 40/s.
    LoopbackServer server({.degrade_above_rps = 50, .degrade_delay = 300ms});
    const std::string path = make_temp_dir("volley-stress-") + "/stress.yaml";
    std::ofstream(path) << "name: degrading\n"
                        << "type: stress\n"
                        << "target: {http: {base_url: '" << server.url() << "'}}\n"
                        << "load: {max_rate: 60/s, steps: 3, step_ramp: 0s, step_duration: 2s}\n"
                        << "thresholds:\n"
                        << "  - p(99) < 100ms\n"
                        << "  - capacity >= 50/s\n"
                        << "  - breaking_point >= 50/s\n";
    const std::string dir = make_temp_dir("volley-stress-out-");
    const auto run = run_volley({"run", path, "-o", dir});
    INFO(run.err);
    INFO(run.out);
    CHECK(run.exit_code == 99);  // capacity >= 50/s fails
    const auto summary = read_summary(dir);
    const auto& analysis = summary.at("analysis").as_object();
    CHECK(at(analysis, {"capacity_rps"}) == 40);
    CHECK(at(analysis, {"breaking_point_rps"}) == 60);
    CHECK(analysis.at("bottleneck").at("kind").as_string() == "target");

    // Console: the verdict, then capacity and breaking point, before the other figures.
    const auto verdict = run.out.find("verdict: FAIL");
    const auto capacity = run.out.find("Capacity        40.0/s");
    const auto breaking = run.out.find("Breaking point  60.0/s");
    REQUIRE(verdict != std::string::npos);
    REQUIRE(capacity != std::string::npos);
    REQUIRE(breaking != std::string::npos);
    CHECK(verdict < capacity);
    CHECK(capacity < breaking);
    CHECK(breaking < run.out.find("requests      "));
    CHECK(run.out.find("step 3 failed p(99) < 100ms") != std::string::npos);

    const auto html = read_file(dir + "/report.html");
    const auto card = html.find("id=\"headline-capacity\"");
    REQUIRE(card != std::string::npos);
    CHECK(card < html.find("id=\"headline-breaking_point\""));
    CHECK(html.find("id=\"headline-breaking_point\"") < html.find("id=\"key-figures\""));
    CHECK(html.find("<table id=\"table-stress-steps\">") != std::string::npos);

    const auto md = read_file(dir + "/report.md");
    CHECK(md.find("## Headline") < md.find("## Key figures"));
    CHECK(md.find("| Capacity | 40.0/s |") != std::string::npos);
    CHECK(md.find("| Breaking point | 60.0/s |") != std::string::npos);

    const auto junit = read_file(dir + "/junit.xml");
    const auto first_case = junit.find("<testcase ");
    CHECK(junit.find("<testcase classname=\"volley.analysis\" name=\"Capacity\"") == first_case);
    CHECK(junit.find("<testcase classname=\"volley.analysis\" name=\"Breaking point\"") !=
          std::string::npos);
}
