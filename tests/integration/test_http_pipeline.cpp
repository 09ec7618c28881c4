// volley run with HTTP/1.1 pipelining (target.http.pipeline, --pipeline): the requests really
// share connections, and every report says the run was pipelined; bad depths exit 2 naming the
// flag or the key's place.
#include "integration/support.hpp"
#include "support/pipeline_server.hpp"
#include "support/tls_server.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace volley::testing;

namespace {

std::string file_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE(
    "--pipeline 4: requests share connections; summary.json, report.md and report.html say "
    "so") {
    PipelineServer server({1});
    const std::string dir = make_temp_dir("volley-pipeline-");
    const auto run = run_volley({"run", "-u", server.url() + "/p", "--pipeline", "4", "-r", "200",
                                 "-d", "1s", "-c", "2", "-t", "1", "-q", "-o", dir});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto summary = read_summary(dir);
    const auto counts = server.counts();
    CHECK(at(summary, {"totals", "errors"}) == 0);
    CHECK(static_cast<std::uint64_t>(at(summary, {"totals", "sent"})) == counts.answered);
    CHECK(counts.connections <= 2);  // 2 connections x 4 requests in flight
    CHECK(at(summary, {"target", "protocol", "pipeline"}) == 4);
    const std::string label =
        "HTTP/1.1 pipelining, depth 4: a response's time includes waiting "
        "behind the responses ahead of it on its connection";
    CHECK(file_text(dir + "/summary.json").find(label) != std::string::npos);
    CHECK(file_text(dir + "/report.md").find(label) != std::string::npos);
    CHECK(file_text(dir + "/report.html").find("HTTP/1.1 pipelining, depth 4") !=
          std::string::npos);
}

TEST_CASE("without --pipeline nothing is said about pipelining") {
    PipelineServer server({1});
    const std::string dir = make_temp_dir("volley-no-pipeline-");
    const auto run = run_volley({"run", "-u", server.url() + "/p", "-r", "50", "-d", "1s", "-c",
                                 "2", "-t", "1", "-q", "-o", dir});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(file_text(dir + "/summary.json").find("pipelin") == std::string::npos);
    CHECK(file_text(dir + "/report.md").find("pipelin") == std::string::npos);
}

TEST_CASE(
    "--pipeline out of range or with HTTP/2 exits 2 naming the flag; in a file, the key's "
    "line and column") {
    const std::string dir = make_temp_dir("volley-pipeline-bad-");
    const auto zero = run_volley({"run", "-u", "http://127.0.0.1:9/", "--pipeline", "0", "-r", "1",
                                  "-d", "1s", "-q", "-o", dir});
    CHECK(zero.exit_code == 2);
    CHECK(zero.err.find("--pipeline: must be between 1 and 256") != std::string::npos);
    const auto h2c = run_volley({"run", "-u", "http://127.0.0.1:9/", "--pipeline", "4",
                                 "--protocol", "h2c", "-r", "1", "-d", "1s", "-q", "-o", dir});
    CHECK(h2c.exit_code == 2);
    CHECK(h2c.err.find("--pipeline: pipeline: 4 is HTTP/1.1 pipelining and protocol is h2c") !=
          std::string::npos);

    const std::string file = dir + "/piped.yaml";
    std::ofstream(file) << "target:\n  http:\n    base_url: http://127.0.0.1:9\n"
                           "    protocol: h2c\n    pipeline: 4\nload: {rate: 1/s, duration: 1s}\n";
    const auto yaml = run_volley({"run", file, "-q", "-o", dir});
    CHECK(yaml.exit_code == 2);
    CHECK(yaml.err.find(file + ":5:15: target.http.pipeline") != std::string::npos);
}

TEST_CASE(
    "--pipeline with protocol auto: HTTP/1.1 over TLS pipelines; a server selecting h2 is "
    "refused, exit 2") {
    SECTION(
        "the server selects http/1.1 and closes after each response: every request is answered") {
        // openssl s_server -www answers one request per connection (HTTP/1.0, body to the close):
        // the requests pipelined behind it go out again on the next connection.
        TlsServer server("volley-pipeline-tls-", {"-alpn", "http/1.1"});
        const std::string dir = make_temp_dir("volley-pipeline-tls-");
        const auto run =
            run_volley({"run", "-u", server.url(), "--protocol", "auto", "-k", "--pipeline", "4",
                        "--vus", "4", "-t", "1", "-d", "1s", "-q", "-o", dir});
        INFO(run.err);
        REQUIRE(run.exit_code == 0);
        const auto summary = read_summary(dir);
        CHECK(at(summary, {"outcomes", "ok"}) > 0);
        CHECK(at(summary, {"totals", "errors"}) == 0);
        CHECK(at(summary, {"target", "protocol", "pipeline"}) == 4);
    }
    SECTION("the server selects h2 by ALPN") {
        TlsServer server("volley-pipeline-tls-", {"-alpn", "h2"});
        const std::string dir = make_temp_dir("volley-pipeline-h2-");
        const auto run = run_volley({"run", "-u", server.url(), "--protocol", "auto", "-k",
                                     "--pipeline", "4", "-r", "1", "-d", "1s", "-q", "-o", dir});
        CHECK(run.exit_code == 2);
        CHECK(run.err.find("error: target: pipeline: 4 is HTTP/1.1 pipelining, but the target "
                           "speaks h2 (protocol: auto)") != std::string::npos);
    }
}
