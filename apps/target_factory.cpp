#include "apps/target_factory.hpp"

#include "targets/http_target.hpp"

#include <stdexcept>

namespace volley::apps {

namespace {

BuiltTarget make_http(const scenarios::Plan& plan, const scenarios::HttpTargetSpec& spec) {
    targets::HttpTargetConfig config;
    config.base_url = spec.base_url;
    config.connect_timeout = spec.connect_timeout;
    config.request_timeout = spec.request_timeout;
    config.headers = spec.headers;
    config.insecure = spec.insecure || !spec.verify;
    config.ca_file = spec.ca_file;
    config.client_cert = spec.client_cert;
    config.client_key = spec.client_key;
    config.sni = spec.sni;
    if (spec.cache) config.cache = targets::HttpCacheHeader{spec.cache->header, spec.cache->hit};
    for (const auto& request : plan.requests) config.expect_status.push_back(request.expect_status);
    return BuiltTarget{std::make_unique<targets::HttpTarget>(std::move(config)), "http", spec.base_url};
}

}  // namespace

BuiltTarget make_target(const scenarios::Plan& plan) {
    if (const auto* http = std::get_if<scenarios::HttpTargetSpec>(&plan.target)) return make_http(plan, *http);
    throw std::invalid_argument("the resolver target is not available in this build");
}

}  // namespace volley::apps
