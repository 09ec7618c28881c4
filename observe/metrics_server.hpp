// The HTTP endpoint of `--metrics-listen HOST:PORT` (docs/metrics.md): serves the latest
// exposition MetricsExporter published at GET /metrics, on a thread of its own, so that a slow or
// stuck scraper never touches the run. HTTP/1.1 with keep-alive; every connection is closed after
// 30 s without a request.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace volley::observe {

struct ListenAddress {
    std::string host;        // an IPv4/IPv6 address or a name ("localhost"); IPv6 without brackets
    std::uint16_t port = 0;  // 0: any free port (MetricsServer::port() says which)
};

// "127.0.0.1:9464", "[::1]:0", "localhost:9464" -> ListenAddress. Throws std::invalid_argument
// naming what is wrong ("expected HOST:PORT, e.g. 127.0.0.1:9464"; "port 70000 is not 0..65535").
[[nodiscard]] ListenAddress parse_listen_address(std::string_view text);

// The endpoint cannot listen: the address does not resolve or is not this machine's, the port
// is in use or not allowed.
class MetricsListenError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class MetricsServer {
public:
    // Binds and listens before returning (throws MetricsListenError), then serves on its thread.
    // Until the first publish() /metrics answers an empty exposition.
    explicit MetricsServer(const ListenAddress& address);
    ~MetricsServer();  // stops serving: closes the listener and every connection, joins
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    [[nodiscard]] std::uint16_t port() const { return port_; }
    // http://HOST:PORT/metrics with the bound port (IPv6 hosts in brackets).
    [[nodiscard]] std::string url() const;
    // Replaces what GET /metrics answers; callable from any thread.
    void publish(std::string exposition);

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
    std::string host_;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

}  // namespace volley::observe
