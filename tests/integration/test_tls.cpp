// https targets against `openssl s_server` on loopback: verification is on by default, a
// ca_file makes a private CA trusted, insecure skips verification and says so.
#include "integration/support.hpp"
#include "support/tls_server.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <optional>

using namespace volley::testing;
using namespace std::chrono_literals;

namespace {

std::string scenario(const TlsServer& server, const std::string& tls) {
    const std::string path = server.dir() + "/tls.yaml";
    std::ofstream(path) << "name: tls\n"
                           "target:\n"
                           "  http:\n"
                           "    base_url: "
                        << server.url()
                        << "\n"
                           "    connections: 1\n"
                           "    tls: "
                        << tls
                        << "\n"
                           "load: {rate: 20/s, duration: 1s}\n"
                           "requests: [{name: page, path: /}]\n";
    return path;
}

}  // namespace

TEST_CASE(
    "https: an unknown CA fails verification by default; ca_file trusts it; insecure skips it") {
    TlsServer server;
    SECTION("default: verification on, the self-signed certificate is refused") {
        const std::string dir = make_temp_dir("volley-tls-run-");
        const auto run = run_volley(
            {"run", "-u", server.url(), "-r", "20", "-d", "1s", "-c", "1", "-q", "-o", dir});
        INFO(run.err);
        CHECK(run.exit_code == 99);  // no successful response: the run fails
        const auto summary = read_summary(dir);
        CHECK(at(summary, {"outcomes", "tls_error"}) == 20);
        CHECK(at(summary, {"outcomes", "ok"}) == 0);
    }
    SECTION("ca_file: the private CA is trusted and every request succeeds") {
        const std::string dir = make_temp_dir("volley-tls-run-");
        const auto run = run_volley(
            {"run", scenario(server, "{ca_file: " + server.ca_file() + "}"), "-q", "-o", dir});
        INFO(run.err);
        CHECK(run.exit_code == 0);
        const auto summary = read_summary(dir);
        CHECK(at(summary, {"outcomes", "ok"}) == 20);
    }
    SECTION("insecure: no verification, and the report says so") {
        const std::string dir = make_temp_dir("volley-tls-run-");
        const auto run =
            run_volley({"run", scenario(server, "{insecure: true, verify: false}"), "-o", dir});
        INFO(run.err);
        CHECK(run.exit_code == 0);
        const auto summary = read_summary(dir);
        CHECK(at(summary, {"outcomes", "ok"}) == 20);
        const auto& notices = summary.at("target").as_object().at("notices").as_array();
        REQUIRE(notices.size() == 1);
        CHECK(std::string(notices[0].as_string()).find("OFF") != std::string::npos);
        CHECK(run.out.find("TLS certificate verification is OFF") != std::string::npos);
    }
}
