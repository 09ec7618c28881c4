// The command line refuses what it cannot honour and names the flag it is about; what it
// accepts it does (formats, -k, the quick run's default threshold, the resolver's backend).
#include "integration/support.hpp"
#include "support/loopback_server.hpp"
#include "support/tls_server.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>

#include <fmt/format.h>

using namespace volley::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string kSource = VOLLEY_SOURCE_DIR;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::string write_file(const std::string& name, const std::string& text) {
    const std::string path = make_temp_dir("volley-cli-") + "/" + name;
    std::ofstream(path) << text;
    return path;
}

// The slo-resolver scenario with one line replaced (`from` must occur once).
std::string slo_scenario_with(const std::string& from, const std::string& to) {
    std::string text = read_file(kSource + "/scenarios/slo-resolver.yaml");
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    return write_file("slo.yaml", text);
}

// 1-based line of the first occurrence of `needle` in `text`.
int line_of(const std::string& text, const std::string& needle) {
    const auto at = text.find(needle);
    REQUIRE(at != std::string::npos);
    return 1 + static_cast<int>(
                   std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}

const boost::json::array& thresholds_of(const boost::json::object& summary) {
    return summary.at("thresholds").as_array();
}

// The summary of a run against `server` that succeeded without TLS errors and said so.
void check_insecure_run(const ProcessResult& run, const std::string& dir) {
    INFO(run.err);
    CHECK(run.exit_code == 0);
    const auto summary = read_summary(dir);
    CHECK(at(summary, {"outcomes", "tls_error"}) == 0);
    CHECK(at(summary, {"outcomes", "ok"}) > 0);
    // (A replay's notices also count the capture's malformed records.)
    std::size_t tls_notices = 0;
    for (const auto& notice : summary.at("target").as_object().at("notices").as_array()) {
        if (contains(std::string(notice.as_string()), "TLS certificate verification is OFF"))
            ++tls_notices;
    }
    CHECK(tls_notices == 1);
}

}  // namespace

TEST_CASE("-k/--insecure turns TLS verification off for run and replay, and the report says so") {
    TlsServer server;
    SECTION("run -k") {
        const std::string dir = make_temp_dir("volley-cli-k-");
        check_insecure_run(run_volley({"run", "-u", server.url(), "-k", "-r", "20", "-d", "1s",
                                       "-c", "1", "-q", "-o", dir}),
                           dir);
    }
    SECTION("replay --insecure") {
        const std::string dir = make_temp_dir("volley-cli-k-replay-");
        check_insecure_run(
            run_volley({"replay", kSource + "/tests/fixtures/replay/access.log", "-u", server.url(),
                        "--insecure", "-c", "1", "-q", "-o", dir}),
            dir);
    }
}

TEST_CASE("validate understands every shipped scenario, SLO scenarios included") {
    std::vector<std::string> args{"validate"};
    for (const auto& entry : fs::directory_iterator(kSource + "/scenarios")) {
        if (entry.path().extension() == ".yaml") args.push_back(entry.path().string());
    }
    REQUIRE(args.size() > 5);
    const auto run = run_volley(args);
    INFO(run.err);
    CHECK(run.exit_code == 0);
    CHECK(contains(
        run.err,
        "slo-resolver.yaml: ok (slo: slo-resolver, phases cold 1000/s for 5s, warm 8 VUs for 5s, "
        "mixed 8 VUs for 10s, http 32 VUs for 10s over HTTP (1 service thread))"));
    CHECK(contains(run.err, "smoke.yaml: ok ("));
}

TEST_CASE("validate reports a bad key of an SLO scenario at file:line:col") {
    const auto path = slo_scenario_with("    rate: 1000/s ", "    rate: 10/sec ");
    const int line = line_of(read_file(path), "rate: 10/sec");
    const auto run = run_volley({"validate", path});
    INFO(run.err);
    CHECK(run.exit_code == 2);
    CHECK(contains(run.err, fmt::format("{}:{}:11: slo.cold.rate: ", path, line)));
    CHECK(contains(run.err, "10/sec"));

    const auto unknown =
        slo_scenario_with("    zipf_s: 1.0\n    refresh_at", "    zipfs: 1.0\n    refresh_at");
    const auto bad_key = run_volley({"validate", unknown});
    INFO(bad_key.err);
    CHECK(bad_key.exit_code == 2);
    CHECK(contains(bad_key.err, fmt::format("{}:{}:5: slo.mixed.zipfs", unknown,
                                            line_of(read_file(unknown), "zipfs"))));
}

TEST_CASE("volley slo names a bad --set slo key by its --set") {
    const auto run =
        run_volley({"slo", kSource + "/scenarios/slo-resolver.yaml", "--set",
                    "slo.cold.rate=10/sec", "--postgres", "postgresql://127.0.0.1:1/none"});
    INFO(run.err);
    CHECK(run.exit_code == 2);
    CHECK(contains(run.err, "--set slo.cold.rate=10/sec"));
}

TEST_CASE("an unknown output format exits 2 naming the flag and listing the valid ones") {
    const std::string valid = "json, hlog, md, html, junit, csv, hgrm";
    SECTION("run --format") {
        const auto run = run_volley({"run", "-u", "http://127.0.0.1:1/", "--format", "json,pdf"});
        CHECK(run.exit_code == 2);
        CHECK(contains(run.err, "error: --format: unknown format \"pdf\" (valid: " + valid + ")"));
    }
    SECTION("replay --output-format") {
        const auto run = run_volley({"replay", kSource + "/tests/fixtures/replay/capture.gor", "-u",
                                     "http://127.0.0.1:1", "--output-format", "pdf"});
        CHECK(run.exit_code == 2);
        CHECK(contains(run.err,
                       "error: --output-format: unknown format \"pdf\" (valid: " + valid + ")"));
    }
    SECTION("report --format") {
        const auto run =
            run_volley({"report", make_temp_dir("volley-cli-report-"), "--format", "pdf"});
        CHECK(run.exit_code == 2);
        CHECK(contains(
            run.err,
            "error: --format: unknown format \"pdf\" (valid: md, html, junit, csv, hgrm)"));
    }
    SECTION("the YAML output.formats key, at file:line:col") {
        const auto path = write_file("formats.yaml",
                                     "name: f\n"
                                     "target: {http: {base_url: 'http://127.0.0.1:1'}}\n"
                                     "load: {rate: 10/s, duration: 1s}\n"
                                     "requests: [{name: a, path: /}]\n"
                                     "output:\n"
                                     "  formats: [json, pdf]\n");
        const auto run = run_volley({"validate", path});
        CHECK(run.exit_code == 2);
        CHECK(contains(run.err, path + ":6:19: output.formats[1]: unknown format 'pdf'"));
    }
}

TEST_CASE(
    "--format hgrm writes latency.hgrm (HdrHistogram's percentile distribution); report renders it "
    "again") {
    LoopbackServer server({});
    const std::string dir = make_temp_dir("volley-hgrm-");
    const auto run = run_volley(
        {"run", "-u", server.url(), "-r", "100", "-d", "1s", "-q", "-o", dir, "--format", "hgrm"});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const std::string hgrm = read_file(dir + "/latency.hgrm");
    CHECK(hgrm.rfind("       Value     Percentile TotalCount 1/(1-Percentile)\n\n", 0) == 0);
    CHECK(contains(hgrm, "#[Buckets = "));
    // hgrm is made from latency.hlog, which comes along; nothing else was asked for.
    CHECK(fs::exists(dir + "/latency.hlog"));
    CHECK(fs::exists(dir + "/summary.json"));
    CHECK_FALSE(fs::exists(dir + "/report.md"));
    // Its total count is the summary's: every answered request.
    const auto summary = read_summary(dir);
    const auto& spectrum = summary.at("latency_spectrum").as_object().at("response").as_array();
    REQUIRE(!spectrum.empty());
    const double answered = number(spectrum.back().as_array().at(2));
    CHECK(answered > 50);
    CHECK(contains(hgrm,
                   fmt::format(", Total count    = {:>12}]", static_cast<long long>(answered))));

    fs::remove(dir + "/latency.hgrm");
    const auto report = run_volley({"report", dir, "--format", "hgrm"});
    INFO(report.err);
    CHECK(report.exit_code == 0);
    CHECK(read_file(dir + "/latency.hgrm") == hgrm);

    fs::remove(dir + "/latency.hlog");
    const auto without_log = run_volley({"report", dir, "--format", "hgrm"});
    CHECK(without_log.exit_code == 2);
    CHECK(contains(without_log.err, "latency.hlog"));
}

TEST_CASE("-r and --vus are alternatives, on the command line and with --set") {
    const auto both =
        run_volley({"run", "-u", "http://127.0.0.1:1/", "-r", "5", "--vus", "3", "-d", "1s"});
    CHECK(both.exit_code == 2);
    CHECK(contains(both.err, "error: -r/--rate and --vus are alternatives"));

    const auto vus_and_rate =
        run_volley({"run", "-u", "http://127.0.0.1:1/", "--vus", "3", "--set", "load.rate=5/s"});
    CHECK(vus_and_rate.exit_code == 2);
    CHECK(contains(vus_and_rate.err, "error: --vus and --set load.rate=5/s are alternatives"));

    const auto vus_and_stages = run_volley({"run", "-u", "http://127.0.0.1:1/", "--vus", "3",
                                            "--set", "load.stages=[{duration: 1s, rate: 5/s}]"});
    CHECK(vus_and_stages.exit_code == 2);
    CHECK(contains(vus_and_stages.err, "error: --vus and --set load.stages="));

    const auto rate_and_vus =
        run_volley({"run", "-u", "http://127.0.0.1:1/", "-r", "5", "--set", "load.vus=3"});
    CHECK(rate_and_vus.exit_code == 2);
    CHECK(contains(rate_and_vus.err, "error: -r/--rate and --set load.vus=3 are alternatives"));
}

TEST_CASE("-r/--vus given with a scenario file replace its model") {
    LoopbackServer server({});
    const std::string dir = make_temp_dir("volley-model-");
    const auto run = run_volley({"run", kSource + "/scenarios/smoke.yaml", "--set",
                                 "target.http.base_url=" + server.url(), "--vus", "2", "-d", "1s",
                                 "-q", "-o", dir});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(read_summary(dir).at("scenario").as_object().at("model").as_string() == "closed");
}

TEST_CASE("a URL without a scheme is refused with a suggestion") {
    const auto run = run_volley({"run", "-u", "127.0.0.1:18080/"});
    CHECK(run.exit_code == 2);
    CHECK(contains(run.err,
                   "error: -u/--url: \"127.0.0.1:18080/\" has no scheme; did you mean "
                   "http://127.0.0.1:18080/ ?"));
    const auto replay = run_volley(
        {"replay", kSource + "/tests/fixtures/replay/capture.gor", "-u", "localhost:8080"});
    CHECK(replay.exit_code == 2);
    CHECK(contains(
        replay.err,
        "error: -u/--url: \"localhost:8080\" has no scheme; did you mean http://localhost:8080 ?"));
}

TEST_CASE("a bad flag value names the flag, never a line and column of generated YAML") {
    struct Case {
        std::vector<std::string> args;
        std::string expected;
    };
    const std::vector<Case> cases{
        {{"-r", "10/sec"}, "error: -r/--rate: rate '10/sec' has unknown unit '/sec'"},
        {{"-d", "10"}, "error: -d/--duration: duration '10' has no unit"},
        {{"-w", "soon"}, "error: -w/--warmup: 'soon' is not a duration"},
        {{"-c", "0"}, "error: -c/--connections: "},
        {{"--vus", "0"}, "error: --vus: "},
        {{"-m", "GE T"}, "error: -m/--method: "},
        {{"--set", "load.rate=10/sec"},
         "error: --set load.rate=10/sec: load.rate: rate '10/sec' has unknown unit"},
    };
    for (const auto& c : cases) {
        std::vector<std::string> args{"run", "-u", "http://127.0.0.1:1/"};
        args.insert(args.end(), c.args.begin(), c.args.end());
        const auto run = run_volley(args);
        INFO(c.args.front() << " " << c.args.back() << ": " << run.err);
        CHECK(run.exit_code == 2);
        CHECK(contains(run.err, c.expected));
        CHECK_FALSE(contains(run.err, "command line"));
    }
    // With a scenario file the flags are named the same way.
    const auto with_file = run_volley({"run", kSource + "/scenarios/smoke.yaml", "-r", "10/sec"});
    INFO(with_file.err);
    CHECK(with_file.exit_code == 2);
    CHECK(contains(with_file.err, "error: -r/--rate: rate '10/sec' has unknown unit '/sec'"));
    // Flags that describe a -u run's request are refused with a file instead of being ignored.
    const auto method_with_file =
        run_volley({"run", kSource + "/scenarios/smoke.yaml", "-m", "POST"});
    CHECK(method_with_file.exit_code == 2);
    CHECK(contains(method_with_file.err, "-m/--method"));
}

TEST_CASE("a quick run gets the default threshold error_rate < 1%; --no-thresholds removes it") {
    LoopbackServer failing({.status = 500});
    // Healthy where exit 0 is expected: a run without a single success fails on its own
    // (the built-in check), whatever its thresholds.
    LoopbackServer healthy({});
    SECTION("default: a server answering 500 fails the run (exit 99)") {
        const std::string dir = make_temp_dir("volley-default-thr-");
        const auto run =
            run_volley({"run", "-u", failing.url(), "-r", "50", "-d", "1s", "-q", "-o", dir});
        INFO(run.err);
        CHECK(run.exit_code == 99);
        const auto summary = read_summary(dir);
        const auto& thresholds = thresholds_of(summary);
        // The default threshold first; after it the built-in check that every request failed.
        REQUIRE(thresholds.size() == 2);
        CHECK(thresholds[1].as_object().at("builtin").as_bool());
        CHECK(thresholds[0].as_object().at("expr").as_string() == "error_rate < 1%");
        CHECK(thresholds[0].as_object().at("pass").as_bool() == false);
        CHECK(summary.at("verdict").as_string() == "fail");
    }
    SECTION("--no-thresholds: no threshold, exit 0") {
        const std::string dir = make_temp_dir("volley-no-thr-");
        const auto run = run_volley({"run", "-u", healthy.url(), "-r", "50", "-d", "1s", "-q", "-o",
                                     dir, "--no-thresholds"});
        INFO(run.err);
        CHECK(run.exit_code == 0);
        CHECK(thresholds_of(read_summary(dir)).empty());
    }
    SECTION("thresholds given with --set replace the default") {
        const std::string dir = make_temp_dir("volley-set-thr-");
        const auto run = run_volley({"run", "-u", healthy.url(), "-r", "50", "-d", "1s", "-q", "-o",
                                     dir, "--set", "thresholds=[p(99) < 10s]"});
        INFO(run.err);
        CHECK(run.exit_code == 0);
        const auto summary = read_summary(dir);
        REQUIRE(thresholds_of(summary).size() == 1);
        CHECK(thresholds_of(summary)[0].as_object().at("expr").as_string() == "p(99) < 10s");
    }
    SECTION(
        "a scenario file's thresholds are its own: none added, and --no-thresholds is refused") {
        const auto path = write_file("plain.yaml",
                                     "name: plain\n"
                                     "target: {http: {base_url: '" +
                                         healthy.url() +
                                         "'}}\n"
                                         "load: {rate: 50/s, duration: 1s}\n"
                                         "requests: [{name: a, path: /}]\n");
        const std::string dir = make_temp_dir("volley-file-thr-");
        const auto run = run_volley({"run", path, "-q", "-o", dir});
        INFO(run.err);
        CHECK(run.exit_code == 0);
        CHECK(thresholds_of(read_summary(dir)).empty());
        const auto refused = run_volley({"run", path, "--no-thresholds"});
        CHECK(refused.exit_code == 2);
        CHECK(contains(refused.err, "error: --no-thresholds: "));
    }
}

TEST_CASE(
    "volley resolver serve: --postgres implies the postgres backend; --backend embedded with it is "
    "an error") {
    SECTION("--postgres alone serves from PostgreSQL (here unreachable: exit 1, nothing served)") {
        const auto run =
            run_volley({"resolver", "serve", "--listen", "127.0.0.1:0", "--postgres",
                        "postgresql://volley@127.0.0.1:" + std::to_string(free_port()) + "/none"},
                       30s);
        INFO(run.out << run.err);
        CHECK_FALSE(run.timed_out);
        CHECK(run.exit_code == 1);
        CHECK_FALSE(contains(run.out, "listening"));
    }
    SECTION("a negative --generation-poll is refused") {
        const auto run = run_volley(
            {"resolver", "serve", "--listen", "127.0.0.1:0", "--generation-poll", "-1"}, 30s);
        CHECK(run.exit_code == 2);
        CHECK(contains(run.err, "--generation-poll must be >= 0"));
    }
    SECTION("--backend embedded --postgres contradict each other") {
        const auto run = run_volley(
            {"resolver", "serve", "--backend", "embedded", "--postgres", "postgresql://x/y"}, 30s);
        CHECK(run.exit_code == 2);
        CHECK(contains(run.err, "--backend embedded and --postgres"));
    }
}

TEST_CASE(
    "compare --max-regression takes a percentage; a bare number is refused with a suggestion") {
    const auto run = run_volley({"compare", "a", "b", "--max-regression", "10"});
    CHECK(run.exit_code == 2);
    CHECK(contains(run.err,
                   "error: --max-regression: \"10\" needs a percent sign; did you mean 10%?"));
    const auto fraction = run_volley({"compare", "a", "b", "--max-regression", "0.1"});
    CHECK(fraction.exit_code == 2);
    CHECK(contains(fraction.err, "did you mean 0.1%?"));
    const auto negative = run_volley({"compare", "a", "b", "--max-regression", "-5%"});
    CHECK(negative.exit_code == 2);
    CHECK(contains(negative.err, "--max-regression: "));
}

TEST_CASE("replay --sample takes a percentage: a bare number names the flag") {
    const auto run = run_volley({"replay", kSource + "/tests/fixtures/replay/capture.gor", "-u",
                                 "http://127.0.0.1:1", "--sample", "10"});
    INFO(run.err);
    CHECK(run.exit_code == 2);
    CHECK(contains(run.err, "error: --sample: "));
    CHECK(contains(run.err, "percent"));
}
