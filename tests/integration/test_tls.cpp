// https targets against `openssl s_server` on loopback: verification is on by default, a
// ca_file makes a private CA trusted, insecure skips verification and says so.
#include "integration/support.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>

extern char** environ;

using namespace volley::testing;
using namespace std::chrono_literals;

namespace {

std::uint16_t free_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

// A self-signed certificate for 127.0.0.1 and an `openssl s_server -www` using it.
class TlsServer {
public:
    TlsServer() : dir_(make_temp_dir("volley-tls-")), port_(free_port()) {
        const auto gen = run_process({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                                      dir_ + "/key.pem", "-out", dir_ + "/cert.pem", "-days", "1", "-subj",
                                      "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"},
                                     60s);
        REQUIRE(gen.exit_code == 0);
        const std::string accept = "127.0.0.1:" + std::to_string(port_);
        std::vector<std::string> argv{"/usr/bin/openssl", "s_server", "-quiet", "-accept", accept, "-cert",
                                      dir_ + "/cert.pem", "-key", dir_ + "/key.pem", "-www"};
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        REQUIRE(posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) == 0);
        posix_spawn_file_actions_destroy(&actions);
        // Wait until it accepts connections.
        for (int i = 0; i < 100; ++i) {
            boost::asio::io_context io;
            boost::asio::ip::tcp::socket socket(io);
            boost::system::error_code ec;
            socket.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
            if (!ec) return;
            std::this_thread::sleep_for(50ms);
        }
        FAIL("openssl s_server did not start");
    }
    ~TlsServer() {
        kill(pid_, SIGTERM);
        waitpid(pid_, nullptr, 0);
    }
    std::string url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/"; }
    std::string ca_file() const { return dir_ + "/cert.pem"; }
    std::string dir() const { return dir_; }

private:
    std::string dir_;
    std::uint16_t port_;
    pid_t pid_ = 0;
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
        CHECK(run.exit_code == 0);
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
