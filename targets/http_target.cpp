#include "targets/http_target.hpp"

#include "targets/http_endpoint.hpp"
#include "targets/http_session.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/url/parse.hpp>

#include <fmt/format.h>

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

HttpTarget::HttpTarget(HttpTargetConfig config)
    : config_(std::move(config)), shared_(make_http_shared(config_)) {}

HttpTarget::~HttpTarget() = default;

std::unique_ptr<engine::TargetSession> HttpTarget::open_session(
    const engine::SessionContext& context) {
    return make_http_session(shared_, context);
}

std::vector<std::string> HttpTarget::notices() const {
    std::vector<std::string> out;
    if (shared_->url.tls && config_.insecure)
        out.emplace_back("TLS certificate verification is OFF (insecure: true)");
    return out;
}

}  // namespace volley::targets
