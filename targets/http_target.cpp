#include "targets/http_target.hpp"

#include "targets/http2_session.hpp"
#include "targets/http_endpoint.hpp"
#include "targets/http_session.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/url/parse.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace volley::targets {

ParsedUrl parse_base_url(const std::string& url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed)
        throw std::invalid_argument(
            fmt::format("invalid URL '{}': {}", url, parsed.error().message()));
    ParsedUrl out;
    const std::string scheme(parsed->scheme());
    if (scheme == "https") {
        out.tls = true;
    } else if (scheme != "http") {
        throw std::invalid_argument(
            fmt::format("invalid URL '{}': scheme must be http or https", url));
    }
    out.host = std::string(parsed->host_address());  // "[::1]" gives "::1": bare, for the resolver
    if (out.host.empty())
        throw std::invalid_argument(fmt::format("invalid URL '{}': no host", url));
    out.port = parsed->has_port() ? std::string(parsed->port()) : (out.tls ? "443" : "80");
    if (parsed->has_port() && (parsed->port_number() == 0))
        throw std::invalid_argument(fmt::format("invalid URL '{}': bad port", url));
    out.path_prefix = std::string(parsed->encoded_path());
    while (!out.path_prefix.empty() && out.path_prefix.back() == '/') out.path_prefix.pop_back();
    if (parsed->has_query() || parsed->has_fragment())
        throw std::invalid_argument(
            fmt::format("invalid URL '{}': a base URL takes no query or fragment", url));
    return out;
}

std::string host_header_value(const ParsedUrl& url) {
    const bool default_port = url.port == (url.tls ? "443" : "80");
    const bool ipv6 = url.host.find(':') != std::string::npos;
    const std::string host = ipv6 ? "[" + url.host + "]" : url.host;
    return default_port ? host : host + ":" + url.port;
}

namespace {

// A PING timeout left at 0 with PING health on means the interval (as the scenario key does).
HttpTargetConfig with_ping_timeout(HttpTargetConfig config) {
    if (config.ping_interval.count() > 0 && config.ping_timeout.count() == 0)
        config.ping_timeout = config.ping_interval;
    return config;
}

}  // namespace

HttpTarget::HttpTarget(HttpTargetConfig config)
    : config_(with_ping_timeout(std::move(config))), shared_(make_http_shared(config_)) {
    if (config_.pipeline > 1 && shared_->protocol != HttpProtocol::h1) {
        throw std::invalid_argument(fmt::format(
            "pipeline: {} is HTTP/1.1 pipelining, but the target speaks {} (protocol: {}); use "
            "protocol: h1 to pipeline",
            config_.pipeline, protocol_name(shared_->protocol), protocol_name(config_.protocol)));
    }
}

HttpTarget::~HttpTarget() = default;

std::string_view protocol_name(HttpProtocol protocol) {
    switch (protocol) {
        case HttpProtocol::h1: return "h1";
        case HttpProtocol::h2: return "h2";
        case HttpProtocol::h2c: return "h2c";
        case HttpProtocol::automatic: return "auto";
    }
    return "h1";
}

std::unique_ptr<engine::TargetSession> HttpTarget::open_session(
    const engine::SessionContext& context) {
    if (shared_->protocol == HttpProtocol::h1) return make_http_session(shared_, context);
    return make_http2_session(shared_, context);
}

HttpProtocol HttpTarget::protocol() const { return shared_->protocol; }

std::size_t HttpTarget::slots_per_connection() const {
    return shared_->protocol == HttpProtocol::h1 ? std::max<std::uint32_t>(config_.pipeline, 1)
                                                 : config_.max_streams;
}

std::optional<engine::ProtocolReport> HttpTarget::protocol_report() const {
    engine::ProtocolReport report;
    switch (shared_->protocol) {
        case HttpProtocol::h1:
        case HttpProtocol::automatic:
            report.negotiated = "http/1.1";
            if (config_.pipeline > 1) report.pipeline = config_.pipeline;
            return report;
        case HttpProtocol::h2: report.negotiated = "h2"; break;
        case HttpProtocol::h2c: report.negotiated = "h2c"; break;
    }
    const Http2Counters counters = shared_->http2_totals.snapshot();
    report.http2 = true;
    report.max_streams = config_.max_streams;
    report.window_bytes = config_.window_bytes;
    report.peer_settings_received = counters.peer_settings_received;
    report.peer_max_concurrent_streams = counters.peer_max_concurrent_streams;
    report.peer_initial_window_size = counters.peer_initial_window_size;
    report.peer_max_frame_size = counters.peer_max_frame_size;
    report.connections_opened = counters.connections_opened;
    report.streams_opened = counters.streams_opened;
    report.streams_per_connection_peak = counters.open_streams_peak;
    report.streams_per_connection_mean = counters.streams_opened == 0
                                             ? 0.0
                                             : static_cast<double>(counters.open_streams_sum) /
                                                   static_cast<double>(counters.streams_opened);
    report.goaway_received = counters.goaway_received;
    report.rst_stream_received = counters.rst_stream_received;
    report.retried = counters.retried;
    report.ping_interval_ms = static_cast<std::uint32_t>(config_.ping_interval.count());
    report.ping_timeout_ms = static_cast<std::uint32_t>(config_.ping_timeout.count());
    report.pings_sent = counters.pings_sent;
    report.ping_acks = counters.ping_acks;
    report.ping_rtt_mean_ms = counters.ping_acks == 0
                                  ? 0.0
                                  : static_cast<double>(counters.ping_rtt_sum_ns) / 1e6 /
                                        static_cast<double>(counters.ping_acks);
    report.ping_rtt_max_ms = static_cast<double>(counters.ping_rtt_max_ns) / 1e6;
    report.connections_failed_health = counters.connections_failed_health;
    return report;
}

std::string pipelining_notice(std::uint32_t depth) {
    return fmt::format(
        "HTTP/1.1 pipelining, depth {}: a response's time includes waiting behind the responses "
        "ahead of it on its connection",
        depth);
}

std::vector<std::string> HttpTarget::notices() const {
    std::vector<std::string> out;
    if (shared_->url.tls && config_.insecure)
        out.emplace_back("TLS certificate verification is OFF (insecure: true)");
    if (config_.pipeline > 1) out.push_back(pipelining_notice(config_.pipeline));
    return out;
}

}  // namespace volley::targets
