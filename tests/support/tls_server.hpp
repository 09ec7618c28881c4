// An https server on 127.0.0.1 for tests: a fresh self-signed certificate for 127.0.0.1 and an
// `openssl s_server -www` using it (every request answered 200 with a status page). The
// certificate doubles as the CA file that trusts it.
#pragma once

#include "support/process.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace volley::testing {

class TlsServer {
public:
    // Throws std::runtime_error when the certificate cannot be made or the server does not listen.
    // `extra_args` go to s_server (e.g. {"-alpn", "http/1.1"}: it then selects HTTP/1.1 by ALPN).
    explicit TlsServer(const std::string& temp_prefix = "volley-tls-",
                       const std::vector<std::string>& extra_args = {});
    [[nodiscard]] std::string url() const {
        return "https://127.0.0.1:" + std::to_string(port_) + "/";
    }
    [[nodiscard]] std::string ca_file() const { return dir_ + "/cert.pem"; }
    [[nodiscard]] std::string dir() const { return dir_; }
    [[nodiscard]] std::uint16_t port() const { return port_; }

private:
    std::string dir_;
    std::uint16_t port_;
    std::optional<BackgroundProcess> server_;
};

}  // namespace volley::testing
