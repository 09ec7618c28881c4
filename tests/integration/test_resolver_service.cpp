// `volley resolver serve` on loopback, measured by `volley run` over HTTP: the X-Cache-Tier
// header becomes the same cache report as an in-process resolver run.
#include "integration/support.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace volley::testing;
using namespace std::chrono_literals;

TEST_CASE("a remote resolver's X-Cache-Tier header gives a cache-hit rate and served-by shares") {
    const auto port = free_port();
    BackgroundProcess service({volley_binary(), "resolver", "serve", "--listen",
                               "127.0.0.1:" + std::to_string(port), "--entities", "2000"});
    REQUIRE(wait_for_port(port, 30s));
    const std::string dir = make_temp_dir("volley-remote-");
    const std::string scenario = dir + "/remote.yaml";
    std::ofstream(scenario)
        << "name: remote-resolver\n"
           "target:\n"
           "  http:\n"
           "    base_url: http://127.0.0.1:"
        << port
        << "\n"
           "    cache: {header: X-Cache-Tier}\n"
           "load: {rate: 400/s, duration: 2s}\n"
           "variables:\n"
           "  id: {type: zipf, n: 2000, s: 1.1, format: 'entity_%06d'}\n"
           "requests:\n"
           "  - {name: ancestors, path: '/entities/${id}/ancestors', expect: {status: [200]}}\n";
    const auto run = run_volley({"run", scenario, "-q", "-o", dir + "/out"});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto summary = read_summary(dir + "/out");
    CHECK(at(summary, {"totals", "errors"}) == 0);
    REQUIRE(summary.at("cache").is_object());
    const auto& served = summary.at("cache").as_object().at("served_by").as_object();
    const double shares = number(served.at("L1")) + number(served.at("L2")) +
                          number(served.at("L3")) + number(served.at("L4"));
    CHECK(shares == Approx(1.0));
    // Zipf keys repeat: after the first lookup of a key, L1 answers it.
    CHECK(number(served.at("L1")) > 0.3);
    CHECK(at(summary, {"cache", "hit_rate"}) ==
          Approx(number(served.at("L1")) + number(served.at("L2")) + number(served.at("L3"))));
}

TEST_CASE("the embedded resolver target runs the shipped smoke scenario with a cache report") {
    const std::string dir = make_temp_dir("volley-smoke-");
    const auto run = run_volley({"run", std::string(VOLLEY_SOURCE_DIR) + "/scenarios/smoke.yaml",
                                 "--set", "load.duration=2s", "-q", "-o", dir});
    INFO(run.err);
    CHECK(run.exit_code == 0);
    const auto summary = read_summary(dir);
    CHECK(at(summary, {"totals", "requests"}) == Approx(10).margin(1));
    CHECK(at(summary, {"totals", "errors"}) == 0);
    CHECK(summary.at("cache").is_object());
    CHECK(summary.at("verdict").as_string() == "pass");
}

TEST_CASE("a remote resolver's naive endpoint answers every request from L4, uncached") {
    const auto port = free_port();
    BackgroundProcess service({volley_binary(), "resolver", "serve", "--listen",
                               "127.0.0.1:" + std::to_string(port), "--entities", "2000"});
    REQUIRE(wait_for_port(port, 30s));
    const std::string dir = make_temp_dir("volley-naive-");
    const std::string scenario = dir + "/naive.yaml";
    // Fan-out 10: entity_000111..entity_001110 are the ids at depth 3 (docs: "depth").
    std::ofstream(scenario)
        << "name: remote-naive\n"
           "target:\n"
           "  http:\n"
           "    base_url: http://127.0.0.1:"
        << port
        << "\n"
           "    cache: {header: X-Cache-Tier}\n"
           "load: {rate: 200/s, duration: 1s}\n"
           "variables:\n"
           "  id: {type: zipf, n: 1000, first: 111, s: 1.1, format: 'entity_%06d'}\n"
           "requests:\n"
           "  - {name: naive, path: '/entities/${id}/ancestors/naive', expect: {status: "
           "[200]}}\n";
    const auto run = run_volley({"run", scenario, "-q", "-o", dir + "/out"});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto summary = read_summary(dir + "/out");
    CHECK(at(summary, {"totals", "errors"}) == 0);
    CHECK(at(summary, {"totals", "requests"}) > 100);
    // Zipf keys repeat, yet no tier caches the naive walk.
    CHECK(number(summary.at("cache").as_object().at("served_by").as_object().at("L4")) ==
          Approx(1.0));
}
