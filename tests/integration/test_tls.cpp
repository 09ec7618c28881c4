// https targets against `openssl s_server` on loopback: verification is on by default, a
// ca_file makes a private CA trusted, insecure skips verification and says so.
#include "integration/support.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <optional>

using namespace volley::testing;
using namespace std::chrono_literals;

namespace {

// A self-signed certificate for 127.0.0.1 and an `openssl s_server -www` using it.
class TlsServer {
public:
    TlsServer() : dir_(make_temp_dir("volley-tls-")), port_(free_port()) {
        const auto gen = run_process({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                                      dir_ + "/key.pem", "-out", dir_ + "/cert.pem", "-days", "1", "-subj",
                                      "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"},
                                     60s);
        REQUIRE(gen.exit_code == 0);
        server_.emplace(std::vector<std::string>{"/usr/bin/openssl", "s_server", "-quiet", "-accept",
                                                 "127.0.0.1:" + std::to_string(port_), "-cert", dir_ + "/cert.pem",
                                                 "-key", dir_ + "/key.pem", "-www"});
        REQUIRE(wait_for_port(port_, 10s));
    }
    std::string url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/"; }
    std::string ca_file() const { return dir_ + "/cert.pem"; }
    std::string dir() const { return dir_; }

private:
    std::string dir_;
    std::uint16_t port_;
    std::optional<BackgroundProcess> server_;
};

std::string scenario(const TlsServer& server, const std::string& tls) {
    const std::string path = server.dir() + "/tls.yaml";
    std::ofstream(path) << "name: tls\n"
                           "target:\n"
                           "  http:\n"
                           "    base_url: " << server.url() << "\n"
                           "    connections: 1\n"
                           "    tls: " << tls << "\n"
                           "load: {rate: 20/s, duration: 1s}\n"
                           "requests: [{name: page, path: /}]\n";
    return path;
}

}  // namespace

TEST_CASE("https: an unknown CA fails verification by default; ca_file trusts it; insecure skips it") {
    TlsServer server;
    SECTION("default: verification on, the self-signed certificate is refused") {
        const std::string dir = make_temp_dir("volley-tls-run-");
        const auto run = run_volley({"run", "-u", server.url(), "-r", "20", "-d", "1s", "-c", "1", "-q", "-o", dir});
        INFO(run.err);
        CHECK(run.exit_code == 99);  // the quick run's default threshold, error_rate < 1%, failed
        const auto summary = read_summary(dir);
        CHECK(at(summary, {"outcomes", "tls_error"}) == 20);
        CHECK(at(summary, {"outcomes", "ok"}) == 0);
    }
    SECTION("ca_file: the private CA is trusted and every request succeeds") {
        const std::string dir = make_temp_dir("volley-tls-run-");
        const auto run = run_volley({"run", scenario(server, "{ca_file: " + server.ca_file() + "}"), "-q", "-o", dir});
        INFO(run.err);
        CHECK(run.exit_code == 0);
        const auto summary = read_summary(dir);
        CHECK(at(summary, {"outcomes", "ok"}) == 20);
    }
    SECTION("insecure: no verification, and the report says so") {
        const std::string dir = make_temp_dir("volley-tls-run-");
        const auto run = run_volley({"run", scenario(server, "{insecure: true, verify: false}"), "-o", dir});
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
