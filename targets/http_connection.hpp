// Internals of the HTTP target: the state shared by all sessions and the session factory.
#pragma once

#include "targets/http_target.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

namespace volley::targets {

struct HttpTarget::Shared {
    HttpTargetConfig config;
    ParsedUrl url;
    std::vector<boost::asio::ip::tcp::endpoint> endpoints;
    std::optional<boost::asio::ssl::context> tls;
    std::string host_header;     // "Host: host[:port]\r\n" + the target-wide headers
    std::string cache_header_lc;  // lower-case name of the cache header, empty if none
};

std::shared_ptr<HttpTarget::Shared> make_http_shared(const HttpTargetConfig& config);
std::unique_ptr<engine::TargetSession> make_http_session(std::shared_ptr<HttpTarget::Shared> shared,
                                                         const engine::SessionContext& context);

}  // namespace volley::targets
