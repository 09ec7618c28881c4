#include "support/tls_server.hpp"

#include <stdexcept>

namespace volley::testing {
using namespace std::chrono_literals;

TlsServer::TlsServer(const std::string& temp_prefix, const std::vector<std::string>& extra_args)
    : dir_(make_temp_dir(temp_prefix)), port_(free_port()) {
    const auto gen =
        run_process({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                     dir_ + "/key.pem", "-out", dir_ + "/cert.pem", "-days", "1", "-subj",
                     "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"},
                    60s);
    if (gen.exit_code != 0) throw std::runtime_error("openssl req failed: " + gen.err);
    std::vector<std::string> argv{"/usr/bin/openssl",
                                  "s_server",
                                  "-quiet",
                                  "-accept",
                                  "127.0.0.1:" + std::to_string(port_),
                                  "-cert",
                                  dir_ + "/cert.pem",
                                  "-key",
                                  dir_ + "/key.pem",
                                  "-www"};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    server_.emplace(argv);
    if (!wait_for_port(port_, 10s))
        throw std::runtime_error("openssl s_server did not listen on " + url());
}

}  // namespace volley::testing
