#include "pipeline/target_factory.hpp"

#include "demo/demo_options.hpp"
#include "demo/demo_server.hpp"
#include "pipeline/exit_codes.hpp"
#include "resolver/config.hpp"
#include "resolver/group.hpp"
#include "targets/http_target.hpp"
#include "targets/resolver_target.hpp"

#include <fmt/format.h>

#include <iostream>
#include <stdexcept>

namespace volley::pipeline {

namespace {

// Starts the demo service of `target.http.demo` on a free loopback port.
std::shared_ptr<demo::DemoServer> start_demo(const scenarios::DemoServiceSpec& spec) {
    demo::DemoOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = spec.threads;
    options.latency = spec.latency;
    options.latency_jitter = spec.latency_jitter;
    options.error_rate = spec.error_rate;
    options.page_size = spec.page_size;
    options.items = spec.items;
    auto server = std::make_shared<demo::DemoServer>(options);
    server->start();
    return server;
}

BuiltTarget make_http(const scenarios::Plan& plan, const scenarios::HttpTargetSpec& spec) {
    targets::HttpTargetConfig config;
    config.base_url = spec.base_url;
    std::shared_ptr<demo::DemoServer> demo;
    if (spec.demo) {
        demo = start_demo(*spec.demo);
        config.base_url = fmt::format("http://127.0.0.1:{}", demo->port());
    }
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
    switch (spec.protocol) {
        case scenarios::HttpProtocolSpec::h1: config.protocol = targets::HttpProtocol::h1; break;
        case scenarios::HttpProtocolSpec::h2: config.protocol = targets::HttpProtocol::h2; break;
        case scenarios::HttpProtocolSpec::h2c: config.protocol = targets::HttpProtocol::h2c; break;
        case scenarios::HttpProtocolSpec::automatic:
            config.protocol = targets::HttpProtocol::automatic;
            break;
    }
    config.max_streams = spec.max_streams;
    config.window_bytes = spec.window_bytes;
    config.ping_interval = spec.ping_interval;
    config.ping_timeout = spec.ping_timeout;
    config.pipeline = spec.pipeline;
    std::string url = config.base_url;
    auto target = std::make_unique<targets::HttpTarget>(std::move(config));
    const std::size_t slots_per_connection = target->slots_per_connection();
    BuiltTarget built{std::move(target), "http", std::move(url), std::move(demo)};
    built.slots_per_connection = slots_per_connection;
    return built;
}

BuiltTarget make_resolver(const scenarios::Plan& plan, const scenarios::ResolverTargetSpec& spec) {
    const auto config = resolver_config(spec);
    auto group = std::make_shared<resolver::ResolverGroup>(config);
    const std::size_t pool_threads = resolver_lookup_threads(config, plan.run.connections);
    const std::string url =
        fmt::format("resolver:{} ({} instance{})", resolver::backend_name(config.backend),
                    spec.instances, spec.instances == 1 ? "" : "s");
    return BuiltTarget{std::make_unique<targets::ResolverTarget>(std::move(group), pool_threads),
                       "resolver", url, nullptr};
}

}  // namespace

resolver::ResolverConfig resolver_config(const scenarios::ResolverTargetSpec& spec) {
    using Config = resolver::ResolverConfig;
    Config config;
    config.backend = spec.backend == scenarios::ResolverBackend::postgres
                         ? Config::Backend::postgres
                         : Config::Backend::embedded;
    config.instances = static_cast<int>(spec.instances);
    config.resolver.l1_capacity = spec.l1_capacity;
    config.tree = {static_cast<std::int64_t>(spec.entities), static_cast<int>(spec.fanout),
                   static_cast<int>(spec.depth)};
    switch (spec.dataset) {
        case scenarios::ResolverDataset::generated:
            config.dataset = Config::Dataset::generated;
            break;
        case scenarios::ResolverDataset::geo_seed:
            config.dataset = Config::Dataset::geo_seed;
            break;
        case scenarios::ResolverDataset::none: config.dataset = Config::Dataset::none; break;
    }
    config.postgres_url = spec.postgres_url;
    config.pg_pool_size = spec.pg_pool_size;
    config.redis_url = spec.redis_url;
    if (!spec.redis_url.empty()) config.l2 = Config::L2Mode::redis;
    // A scenario against real servers loads its dataset into them unless told otherwise.
    config.pg_load =
        config.backend == Config::Backend::postgres && config.dataset != Config::Dataset::none;
    return config;
}

std::size_t resolver_lookup_threads(const resolver::ResolverConfig& config,
                                    std::size_t connections) {
    const bool blocking =
        config.backend == resolver::ResolverConfig::Backend::postgres || !config.redis_url.empty();
    return blocking ? std::clamp<std::size_t>(connections, 2,
                                              config.pg_pool_size + config.redis_pool_size)
                    : 0;
}

void apply_streams_per_connection(const BuiltTarget& target, engine::RunSpec& run) {
    if (target.slots_per_connection <= 1 ||
        !std::holds_alternative<engine::OpenProfile>(run.profile))
        return;
    run.threads = std::max<std::size_t>(1, std::min(run.threads, run.connections));
    run.connections *= target.slots_per_connection;
}

int build_target_or_report(const std::function<void()>& build) {
    try {
        build();
        return pipeline::kExitPass;
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: target: " << e.what() << "\n";
        return pipeline::kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "error: target: " << e.what() << "\n";
        return pipeline::kExitCannotRun;
    }
}

BuiltTarget make_target(const scenarios::Plan& plan) {
    if (const auto* http = std::get_if<scenarios::HttpTargetSpec>(&plan.target))
        return make_http(plan, *http);
    return make_resolver(plan, std::get<scenarios::ResolverTargetSpec>(plan.target));
}

}  // namespace volley::pipeline
