// `volley k8s` (docs/distributed.md "Kubernetes"): the manifests for scenarios/load.yaml equal
// the golden file and the committed example in deploy/k8s/ byte for byte, and bad input exits 2
// naming the flag. Their validity against the Kubernetes API is checked in tests/k8s/.
#include "integration/support.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>

using namespace volley::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string kSource = VOLLEY_SOURCE_DIR;

// The command that wrote deploy/k8s/ and tests/fixtures/k8s/load-4-segments.yaml.
std::vector<std::string> example_command(const std::string& out) {
    return {"k8s",        kSource + "/scenarios/load.yaml",
            "--segments", "4",
            "--image",    "registry.example/volley:1.0",
            "--start-at", "2026-12-07T10:00:00Z",
            "-o",         out};
}

}  // namespace

TEST_CASE("volley k8s -o - writes the golden manifests of scenarios/load.yaml") {
    const auto run = run_volley(example_command("-"), 60s);
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(run.out == read_file(kSource + "/tests/fixtures/k8s/load-4-segments.yaml"));
}

TEST_CASE("volley k8s -o DIR writes one file per manifest: the committed deploy/k8s/ example") {
    const std::string dir = make_temp_dir("volley-k8s-");
    const auto run = run_volley(example_command(dir), 60s);
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK_THAT(run.err, Catch::Contains("kubectl apply -f " + dir));
    std::set<std::string> written, committed;
    for (const auto& entry : fs::directory_iterator(dir)) written.insert(entry.path().filename());
    for (const auto& entry : fs::directory_iterator(kSource + "/deploy/k8s"))
        if (entry.path().extension() == ".yaml") committed.insert(entry.path().filename());
    CHECK(written == committed);
    CHECK(written.size() == 4);
    for (const auto& file : written) {
        INFO(file);
        CHECK(read_file(dir + "/" + file) == read_file(kSource + "/deploy/k8s/" + file));
    }
}

TEST_CASE("volley k8s refuses bad input with exit 2, naming the flag or the file") {
    const std::string scenario = kSource + "/scenarios/load.yaml";
    const std::vector<std::string> common{"k8s", scenario, "--image", "img:1", "-o", "-"};
    auto with = [&](std::vector<std::string> extra) {
        auto args = common;
        args.insert(args.end(), extra.begin(), extra.end());
        return run_volley(args, 60s);
    };
    const auto cpu = with({"--segments", "2", "--cpu", "500m"});
    CHECK(cpu.exit_code == 2);
    CHECK_THAT(cpu.err, Catch::Contains("--cpu: \"500m\""));
    const auto start = with({"--segments", "2", "--start-at", "10:00"});
    CHECK(start.exit_code == 2);
    CHECK_THAT(start.err, Catch::Contains("--start-at"));
    const auto lag = with({"--segments", "2", "--max-start-lag", "soon"});
    CHECK(lag.exit_code == 2);
    CHECK_THAT(lag.err, Catch::Contains("--max-start-lag"));
    const auto zero = with({"--segments", "0"});
    CHECK(zero.exit_code == 2);
    const auto missing =
        run_volley({"k8s", kSource + "/no-such.yaml", "--segments", "2", "--image", "img:1"}, 60s);
    CHECK(missing.exit_code == 2);
    CHECK_THAT(missing.err, Catch::Contains("no-such.yaml"));
    const std::string bad = make_temp_dir("volley-k8s-bad-") + "/bad.yaml";
    std::ofstream(bad) << "name: bad\nload: {rate: fast}\n";
    const auto invalid = run_volley({"k8s", bad, "--segments", "2", "--image", "img:1"}, 60s);
    CHECK(invalid.exit_code == 2);
    CHECK_THAT(invalid.err, Catch::Contains("bad.yaml"));
}
