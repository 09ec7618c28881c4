// Bad input: exit 2 and a message naming the flag, or file:line:column and the key.
#include "integration/support.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace volley::testing;

namespace {

std::string write_scenario(const std::string& text) {
    const std::string path = make_temp_dir("volley-bad-") + "/scenario.yaml";
    std::ofstream(path) << text;
    return path;
}

}  // namespace

TEST_CASE("an invalid URL is a usage error naming the flag") {
    const auto run = run_volley({"run", "-u", "htp://127.0.0.1:1/", "-r", "10", "-d", "1s"});
    CHECK(run.exit_code == 2);
    INFO(run.err);
    CHECK(run.err.find("error: -u/--url: ") != std::string::npos);
    CHECK(run.err.find("http://") != std::string::npos);
}

TEST_CASE("a negative rate is a usage error naming the flag") {
    const auto run = run_volley({"run", "-u", "http://127.0.0.1:1/", "-r", "-5", "-d", "1s"});
    CHECK(run.exit_code == 2);
    INFO(run.err);
    CHECK(run.err.find("error: -r/--rate: rate '-5' is negative") != std::string::npos);
}

TEST_CASE("an unknown YAML key names file:line:column and the key") {
    const auto path = write_scenario(
        "name: bad\n"
        "target:\n"
        "  http:\n"
        "    base_url: http://127.0.0.1:1\n"
        "load:\n"
        "  rate: 10/s\n"
        "  duration: 1s\n"
        "  bogus: 3\n"
        "requests:\n"
        "  - {name: a, path: /}\n");
    const auto run = run_volley({"run", path});
    CHECK(run.exit_code == 2);
    INFO(run.err);
    CHECK(run.err.find(path + ":8:3") != std::string::npos);
    CHECK(run.err.find("load.bogus") != std::string::npos);
}

TEST_CASE("a YAML syntax error names file:line:column") {
    const auto path = write_scenario("name: bad\nload: {rate: 10/s, duration: [1s\n");
    const auto run = run_volley({"run", path});
    CHECK(run.exit_code == 2);
    INFO(run.err);
    CHECK(run.err.find(path + ":") != std::string::npos);
    CHECK(run.err.find("error") != std::string::npos);
}

TEST_CASE("validate reports every error of a file at once and exits 2") {
    const auto path = write_scenario(
        "name: bad\n"
        "target: {http: {base_url: 'http://127.0.0.1:1', connections: 0}}\n"
        "load: {rate: -3/s, duration: 1s}\n"
        "requests: [{name: a, path: /, weight: 0}]\n");
    const auto run = run_volley({"validate", path});
    CHECK(run.exit_code == 2);
    INFO(run.err);
    CHECK(run.err.find("target.http.connections") != std::string::npos);
    CHECK(run.err.find("load.rate") != std::string::npos);
    CHECK(run.err.find("requests[0].weight") != std::string::npos);
}

TEST_CASE("a missing scenario file is a usage error") {
    const auto run = run_volley({"run", "/nonexistent/volley.yaml"});
    CHECK(run.exit_code == 2);
    CHECK(run.err.find("/nonexistent/volley.yaml") != std::string::npos);
}

TEST_CASE("record --listen without an IP address is a usage error naming the flag") {
    const auto out = make_temp_dir("volley-bad-") + "/capture.gor";
    for (const std::string listen : {":0", "localhost:0", "[]:8079"}) {
        INFO(listen);
        const auto run = run_volley(
            {"record", "--listen", listen, "--upstream", "http://127.0.0.1:1", "-o", out});
        CHECK(run.exit_code == 2);
        INFO(run.err);
        CHECK(run.err.find("error: --listen '" + listen + "': ") != std::string::npos);
        CHECK(run.err.find("HOST") != std::string::npos);
    }
}

TEST_CASE("a name that is not valid UTF-8 is refused at load with file:line:column and the key") {
    // \xC3\x28 is a broken two-byte sequence, \xFF is never UTF-8.
    const auto path = write_scenario(
        "name: utf8\n"
        "target:\n"
        "  http:\n"
        "    base_url: http://127.0.0.1:1\n"
        "load:\n"
        "  rate: 10/s\n"
        "  duration: 1s\n"
        "requests:\n"
        "  - name: \"caf\xC3\x28\"\n"
        "    path: /\n"
        "    tags: {tier: \"gold\xFF\"}\n");
    const auto run = run_volley({"run", path});
    CHECK(run.exit_code == 2);
    INFO(run.err);
    CHECK(run.err.find(path + ":9:11: requests[0].name: is not valid UTF-8") != std::string::npos);
    CHECK(run.err.find(path + ":11:18: requests[0].tags.tier: is not valid UTF-8") !=
          std::string::npos);
}
