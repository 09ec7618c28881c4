// `volley run --segment i/n --dump-schedule -` (docs/distributed.md "Segments"): the segments'
// dumps together are exactly the unsplit dump, and nothing is sent.
#include "integration/support.hpp"
#include "support/loopback_server.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace volley::testing;

namespace {

const std::string kSource = VOLLEY_SOURCE_DIR;

// The arrival lines of a dump (without '#' comments), sorted.
std::vector<std::string> arrival_lines(const std::string& dump) {
    std::vector<std::string> out;
    std::istringstream in(dump);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.front() != '#') out.push_back(line);
    }
    std::sort(out.begin(), out.end());
    return out;
}

// `balanced`: arrivals k go to segment k mod 3 (a profile, VUs): counts differ by at most one.
void check_union(const std::string& scenario, std::size_t min_lines, bool balanced) {
    const auto whole = run_volley({"run", scenario, "-t", "2", "--dump-schedule", "-"});
    REQUIRE(whole.exit_code == 0);
    CHECK(whole.out.rfind("# volley schedule: segment 0/1\n", 0) == 0);
    const auto unsplit = arrival_lines(whole.out);
    REQUIRE(unsplit.size() >= min_lines);
    std::vector<std::string> all;
    std::size_t smallest = unsplit.size(), largest = 0;
    for (int i = 0; i < 3; ++i) {
        const auto part = run_volley({"run", scenario, "-t", "2", "--segment",
                                      std::to_string(i) + "/3", "--dump-schedule", "-"});
        REQUIRE(part.exit_code == 0);
        const auto lines = arrival_lines(part.out);
        smallest = std::min(smallest, lines.size());
        largest = std::max(largest, lines.size());
        all.insert(all.end(), lines.begin(), lines.end());
    }
    std::sort(all.begin(), all.end());
    CHECK(all == unsplit);
    if (balanced) CHECK(largest - smallest <= 1);
}

}  // namespace

TEST_CASE("--dump-schedule: three segments together dump exactly the unsplit schedule") {
    const std::string dir = make_temp_dir("volley-segments-");
    LoopbackServer server(LoopbackServerOptions{});
    const std::string target = "target: {http: {base_url: \"" + server.url() + "\"}}\n";
    SECTION("poisson stages") {
        const std::string scenario = dir + "/poisson.yaml";
        std::ofstream(scenario) << "name: split\n"
                                << target << R"(load:
  arrival: poisson
  warmup: 1s
  stages:
    - {duration: 2s, rate: 300/s}
    - {duration: 1s, rate: 50/s}
requests: [{path: /}]
)";
        check_union(scenario, 500, true);
    }
    SECTION("replay (a hash of each record's position)") {
        const std::string scenario = dir + "/replay.yaml";
        std::ofstream(scenario) << "name: split-replay\n"
                                << target << "replay: {file: " << kSource
                                << "/tests/fixtures/replay/access.log, loop: 3}\n";
        check_union(scenario, 9, false);
    }
    SECTION("closed model: VU indexes") {
        const std::string scenario = dir + "/vus.yaml";
        std::ofstream(scenario) << "name: split-vus\n"
                                << target << R"(load: {vus: 8, duration: 1s}
requests: [{path: /}]
)";
        check_union(scenario, 8, true);
        const auto too_many =
            run_volley({"run", scenario, "--segment", "8/9", "--dump-schedule", "-"});
        CHECK(too_many.exit_code == 2);
        CHECK(too_many.err.find("use at most 8 segments") != std::string::npos);
    }
    CHECK(server.requests() == 0);  // a dump sends nothing
}
