// HTTP/1.1 target on Beast's parser and Asio sockets (docs/architecture.md "Targets"): keep-alive
// connections, one request in flight per connection (or up to target.http.pipeline), connect and
// request timeouts, TLS with verification on by default, static requests serialised once per
// session.
#pragma once

#include "engine/target.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace volley::targets {

struct HttpCacheHeader {
    std::string header;            // e.g. "X-Cache-Tier"
    std::vector<std::string> hit;  // empty: the value names the tier ("L1".."L4")
};

// Which HTTP the target speaks (docs/scenarios.md "target.http", `protocol`).
enum class HttpProtocol : std::uint8_t {
    h1,         // HTTP/1.1 (http:// or https://)
    h2,         // HTTP/2 over TLS; the server must select "h2" by ALPN
    h2c,        // HTTP/2 over cleartext TCP with prior knowledge (RFC 9113 §3.3)
    automatic,  // https://: "h2" when the server selects it by ALPN, else HTTP/1.1; http://: h1
};
[[nodiscard]] std::string_view protocol_name(HttpProtocol protocol);  // "h1", "h2", "h2c", "auto"

// The report's notice of a pipelined run (target.http.pipeline above 1): "HTTP/1.1 pipelining,
// depth 16: a response's time includes waiting behind the responses ahead of it on its
// connection".
[[nodiscard]] std::string pipelining_notice(std::uint32_t depth);

// Flow-control window volley announces for HTTP/2, per connection and per stream.
inline constexpr std::uint32_t kDefaultHttp2WindowBytes = std::uint32_t{16} * 1024 * 1024;

struct HttpTargetConfig {
    std::string base_url;  // http[s]://host[:port][/prefix]
    std::chrono::nanoseconds connect_timeout{std::chrono::seconds(5)};
    std::chrono::nanoseconds request_timeout{std::chrono::seconds(10)};
    std::vector<std::pair<std::string, std::string>> headers;  // sent with every request
    // Per request name (engine name_index): status codes that count as ok; empty = 2xx/3xx.
    std::vector<std::vector<int>> expect_status;
    bool insecure = false;  // skip certificate verification
    std::string ca_file, client_cert, client_key, sni;
    std::optional<HttpCacheHeader> cache;
    std::size_t max_body_bytes = std::size_t{64} * 1024 * 1024;
    HttpProtocol protocol = HttpProtocol::h1;
    // HTTP/2: streams one connection carries at once at most (fewer when the server's
    // SETTINGS_MAX_CONCURRENT_STREAMS says so), and the flow-control windows announced.
    std::uint32_t max_streams = 100;
    std::uint32_t window_bytes = kDefaultHttp2WindowBytes;
    // HTTP/2 PING health: a connection that received nothing for `ping_interval` sends a PING;
    // without its ACK within `ping_timeout` the connection is dead (closed, its open requests
    // fail). ping_interval 0: off; ping_timeout 0: the interval.
    std::chrono::milliseconds ping_interval{0};
    std::chrono::milliseconds ping_timeout{0};
    // HTTP/1.1 pipelining: requests one connection carries at once (1: none, one request at a
    // time). Above 1 the target must speak HTTP/1.1 (the constructor refuses h2/h2c).
    std::uint32_t pipeline = 1;
};

struct ParsedUrl {
    bool tls = false;
    std::string host;
    std::string port;
    std::string path_prefix;  // without trailing '/', may be empty
};
// Throws std::invalid_argument naming what is wrong with the URL.
ParsedUrl parse_base_url(const std::string& url);
// The Host header's value for `url`: "host", "host:port" off the scheme's default port, an
// IPv6 address in brackets.
std::string host_header_value(const ParsedUrl& url);

class HttpTarget final : public engine::Target {
public:
    // Resolves the host once; throws std::invalid_argument (bad URL, TLS files, pipelining
    // over HTTP/2) or std::runtime_error (name resolution).
    explicit HttpTarget(HttpTargetConfig config);
    ~HttpTarget() override;
    std::unique_ptr<engine::TargetSession> open_session(
        const engine::SessionContext& context) override;
    [[nodiscard]] bool reports_tiers() const override { return config_.cache.has_value(); }
    [[nodiscard]] std::vector<std::string> notices() const override;
    [[nodiscard]] std::optional<engine::ProtocolReport> protocol_report() const override;
    // The protocol the sessions speak: h1, h2 or h2c (`automatic` resolved when the target was
    // made), and how many engine slots (requests in flight) one connection carries: 1, the
    // pipeline depth for HTTP/1.1, max_streams for HTTP/2.
    [[nodiscard]] HttpProtocol protocol() const;
    [[nodiscard]] std::size_t slots_per_connection() const;

    struct Shared;  // resolved endpoints, TLS context, prebuilt header block

private:
    HttpTargetConfig config_;
    std::shared_ptr<Shared> shared_;
};

}  // namespace volley::targets
