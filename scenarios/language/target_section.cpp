// target: http or resolver (docs/scenarios.md "target").
#include "scenarios/language/loader_sections.hpp"

#include "scenarios/language/templates.hpp"
#include "scenarios/language/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>

namespace volley::scenarios::detail {
namespace {

constexpr std::int64_t kMaxConnections = 1'000'000;
// target.http.pipeline: requests one HTTP/1.1 connection carries at once, at most.
constexpr std::int64_t kMaxPipelineDepth = 256;

bool is_token_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

}  // namespace

// Validates the header names and values of `headers` (at `path`); shared with requests.
bool check_headers(DiagnosticSink& sink, const YAML::Node& node, const std::string& path,
                   const std::vector<Header>& headers) {
    bool ok = true;
    for (const auto& [name, value] : headers) {
        const std::string key = child_path(path, name);
        const YAML::Node where = node[name] ? node[name] : node;
        if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char) ||
            name.find("${") != std::string::npos) {
            sink.error(where, key, fmt::format("'{}' is not a valid header name", name));
            ok = false;
        }
        if (value.find_first_of("\r\n") != std::string::npos) {
            sink.error(where, key, "header values cannot contain line breaks");
            ok = false;
        }
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (lower == "content-length" || lower == "transfer-encoding") {
            sink.error(where, key, fmt::format("{} is set by volley from the body", name));
            ok = false;
        }
    }
    return ok;
}

std::string LoadContext::resolve_file(const std::string& name) const {
    const std::filesystem::path path(name);
    if (path.is_absolute() || base_dir.empty()) return name;
    return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

namespace {

// "http://host[:port][/prefix]" or https; reports what is wrong.
void check_base_url(DiagnosticSink& sink, const YAML::Node& node, const std::string& path,
                    const std::string& url) {
    std::string_view rest = url;
    if (rest.substr(0, 7) == "http://")
        rest.remove_prefix(7);
    else if (rest.substr(0, 8) == "https://")
        rest.remove_prefix(8);
    else {
        sink.error(node, path, fmt::format("'{}' must start with http:// or https://", url));
        return;
    }
    const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    std::string_view host = authority;
    if (authority.find('@') != std::string_view::npos) {
        sink.error(node, path, "credentials in the URL are not supported (use headers)");
        return;
    }
    if (!host.empty() && host.front() == '[') {  // [IPv6]:port
        const auto close = host.find(']');
        if (close == std::string_view::npos) {
            sink.error(node, path, fmt::format("'{}': unclosed '[' in the host", url));
            return;
        }
        std::string_view after = host.substr(close + 1);
        host = host.substr(0, close + 1);
        if (!after.empty() && after.front() != ':') {
            sink.error(node, path, fmt::format("'{}': unexpected text after the host", url));
            return;
        }
        if (!after.empty()) {
            after.remove_prefix(1);
            int port = 0;
            const auto result = std::from_chars(after.data(), after.data() + after.size(), port);
            if (after.empty() || result.ec != std::errc{} ||
                result.ptr != after.data() + after.size() || port < 1 || port > 65535) {
                sink.error(node, path, fmt::format("'{}': port must be 1..65535", url));
            }
        }
        return;
    }
    const auto colon = host.find(':');
    if (colon != std::string_view::npos) {
        const std::string_view port_text = host.substr(colon + 1);
        host = host.substr(0, colon);
        int port = 0;
        const auto result =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (port_text.empty() || result.ec != std::errc{} ||
            result.ptr != port_text.data() + port_text.size() || port < 1 || port > 65535) {
            sink.error(node, path, fmt::format("'{}': port must be 1..65535", url));
            return;
        }
    }
    if (host.empty()) sink.error(node, path, fmt::format("'{}' has no host", url));
}

// A file name that must exist; returns it resolved.
std::optional<std::string> existing_file(LoadContext& context, const MapReader& map,
                                         std::string_view key) {
    const auto name = map.string(key);
    if (!name) return std::nullopt;
    const std::string resolved = context.resolve_file(*name);
    std::error_code error;
    if (!std::filesystem::is_regular_file(resolved, error)) {
        context.sink.error(*map.get(key), map.path(key),
                           fmt::format("file '{}' not found", resolved));
        return std::nullopt;
    }
    return resolved;
}

// Target-wide headers are sent unchanged by the target: ${env:NAME} is resolved here, request
// variables are refused.
std::string resolve_target_header(DiagnosticSink& sink, const YAML::Node& node,
                                  const std::string& path, const std::string& value) {
    std::string out;
    try {
        for (const auto& token : tokenize_template(value)) {
            if (token.kind == TemplateToken::Kind::text) {
                out += token.text;
            } else if (token.kind == TemplateToken::Kind::env) {
                if (auto resolved = resolve_env(token)) {
                    out += *resolved;
                } else {
                    sink.error(node, path,
                               fmt::format("environment variable {} is not set (give a "
                                           "default with ${{env:{}:-value}})",
                                           token.text, token.text));
                }
            } else {
                sink.error(node, path,
                           fmt::format("target headers cannot use variables ('${{{}}}'); "
                                       "put the header on the requests",
                                       token.text));
            }
        }
    } catch (const std::invalid_argument& error) {
        sink.error(node, path, error.what());
    }
    return out;
}

void read_tls(LoadContext& context, const YAML::Node& node, const std::string& path,
              HttpTargetSpec& http) {
    const MapReader tls(context.sink, node, path,
                        {"verify", "ca_file", "client_cert", "client_key", "sni", "insecure"});
    const auto verify = tls.boolean("verify");
    const auto insecure = tls.boolean("insecure");
    if (verify && insecure && *verify && *insecure) {
        context.sink.error(*tls.get("insecure"), tls.path("insecure"),
                           "insecure: true contradicts verify: true (remove one)");
    }
    if (insecure) http.insecure = *insecure;
    if (verify) http.verify = *verify;
    if (http.insecure) http.verify = false;
    if (auto file = existing_file(context, tls, "ca_file")) http.ca_file = *file;
    if (auto file = existing_file(context, tls, "client_cert")) http.client_cert = *file;
    if (auto file = existing_file(context, tls, "client_key")) http.client_key = *file;
    if (tls.has("client_cert") != tls.has("client_key")) {
        const std::string_view missing = tls.has("client_cert") ? "client_key" : "client_cert";
        tls.require(missing, "client_cert and client_key go together");
    }
    if (auto sni = tls.string("sni")) http.sni = *sni;
}

void read_cache(LoadContext& context, const YAML::Node& node, const std::string& path,
                HttpTargetSpec& http) {
    const MapReader cache(context.sink, node, path, {"header", "hit"});
    CacheHeaderSpec spec;
    if (cache.require("header", "the response header that marks cache hits")) {
        if (auto header = cache.string("header")) {
            if (header->empty() || !std::all_of(header->begin(), header->end(), is_token_char)) {
                context.sink.error(*cache.get("header"), cache.path("header"),
                                   fmt::format("'{}' is not a valid header name", *header));
            }
            spec.header = *header;
        }
    }
    if (auto hit = cache.string_list("hit")) {
        if (hit->empty()) {
            context.sink.error(*cache.get("hit"), cache.path("hit"),
                               "list at least one value that marks a hit (or leave hit out)");
        }
        spec.hit = *hit;
    }
    http.cache = spec;
}

DemoServiceSpec read_demo(DiagnosticSink& sink, const YAML::Node& node, const std::string& path) {
    DemoServiceSpec demo;
    if (node.IsNull()) return demo;
    const MapReader map(
        sink, node, path,
        {"latency", "latency_jitter", "error_rate", "threads", "page_size", "items"});
    if (!map.is_map()) return demo;
    demo.latency = map.duration("latency", {.allow_zero = true}).value_or(Nanos{0});
    demo.latency_jitter = map.duration("latency_jitter", {.allow_zero = true}).value_or(Nanos{0});
    if (auto rate = map.string("error_rate")) {
        try {
            demo.error_rate = parse_percent_ratio(*rate);
            if (demo.error_rate > 1) throw std::invalid_argument("more than 100%");
        } catch (const std::invalid_argument& error) {
            sink.error(*map.get("error_rate"), map.path("error_rate"), error.what());
        }
    }
    demo.threads = static_cast<int>(map.integer("threads", 1, 64).value_or(1));
    demo.page_size = static_cast<int>(map.integer("page_size", 1, 1000).value_or(10));
    demo.items = static_cast<int>(map.integer("items", 0, 1000000).value_or(50));
    return demo;
}

// ping_interval_ms (0: off, else 10..3600000) and ping_timeout_ms (10..3600000, default: the
// interval): HTTP/2 only, so an error when the protocol is HTTP/1.1 (h1, or auto with http://).
void read_ping(DiagnosticSink& sink, const MapReader& map, HttpTargetSpec& http) {
    constexpr std::int64_t kMinMs = 10;
    constexpr std::int64_t kMaxMs = 3'600'000;
    const bool http1 =
        http.protocol == HttpProtocolSpec::h1 ||
        (http.protocol == HttpProtocolSpec::automatic && http.base_url.rfind("https://", 0) != 0);
    if (http1) {
        for (const std::string_view key : {"ping_interval_ms", "ping_timeout_ms"}) {
            if (auto node = map.get(key)) {
                sink.error(*node, map.path(key),
                           "PING health is HTTP/2 only: set protocol: h2 or h2c (or auto with "
                           "an https:// base_url)");
            }
        }
        return;
    }
    if (auto interval = map.integer("ping_interval_ms", 0, kMaxMs)) {
        if (*interval != 0 && *interval < kMinMs) {
            sink.error(
                *map.get("ping_interval_ms"), map.path("ping_interval_ms"),
                fmt::format("{} ms is too short: 0 (off) or {}..{}", *interval, kMinMs, kMaxMs));
        } else {
            http.ping_interval = std::chrono::milliseconds(*interval);
        }
    }
    if (auto timeout = map.integer("ping_timeout_ms", kMinMs, kMaxMs)) {
        if (http.ping_interval.count() == 0) {
            sink.error(*map.get("ping_timeout_ms"), map.path("ping_timeout_ms"),
                       "ping_timeout_ms needs ping_interval_ms (PING health is off without it)");
        }
        http.ping_timeout = std::chrono::milliseconds(*timeout);
    } else {
        http.ping_timeout = http.ping_interval;
    }
}

// protocol (h1 | h2 | h2c | auto), max_streams, window_bytes, pipeline. h2 needs https://, h2c
// http://; pipeline above 1 needs HTTP/1.1 (h1, or auto: the target refuses h2 selected by ALPN).
void read_protocol(DiagnosticSink& sink, const MapReader& map, HttpTargetSpec& http) {
    if (auto protocol = map.string("protocol")) {
        if (*protocol == "h1") {
            http.protocol = HttpProtocolSpec::h1;
        } else if (*protocol == "h2") {
            http.protocol = HttpProtocolSpec::h2;
        } else if (*protocol == "h2c") {
            http.protocol = HttpProtocolSpec::h2c;
        } else if (*protocol == "auto") {
            http.protocol = HttpProtocolSpec::automatic;
        } else {
            sink.error(*map.get("protocol"), map.path("protocol"),
                       fmt::format("unknown protocol '{}' (h1, h2, h2c or auto)", *protocol));
        }
        const bool https = http.base_url.rfind("https://", 0) == 0;
        if (http.protocol == HttpProtocolSpec::h2 && !https && !http.base_url.empty()) {
            sink.error(*map.get("protocol"), map.path("protocol"),
                       "h2 is HTTP/2 over TLS and needs an https:// base_url (h2c: HTTP/2 "
                       "over cleartext)");
        }
        if (http.protocol == HttpProtocolSpec::h2c && https) {
            sink.error(*map.get("protocol"), map.path("protocol"),
                       "h2c is HTTP/2 over cleartext TCP and needs an http:// base_url (h2: "
                       "HTTP/2 over TLS)");
        }
    }
    if (auto streams = map.integer("max_streams", 1, 10000))
        http.max_streams = static_cast<std::uint32_t>(*streams);
    // RFC 9113 §6.9.1: a window is at most 2^31-1 bytes; below the default 65535 would slow
    // every response down.
    if (auto window = map.integer("window_bytes", 65535, 2147483647))
        http.window_bytes = static_cast<std::uint32_t>(*window);
    read_ping(sink, map, http);
    if (auto depth = map.integer("pipeline", 1, kMaxPipelineDepth)) {
        http.pipeline = static_cast<std::uint32_t>(*depth);
        const bool http2 =
            http.protocol == HttpProtocolSpec::h2 || http.protocol == HttpProtocolSpec::h2c;
        if (http.pipeline > 1 && http2) {
            sink.error(
                *map.get("pipeline"), map.path("pipeline"),
                fmt::format("pipeline: {} is HTTP/1.1 pipelining and protocol is {} "
                            "(HTTP/2 carries requests at once on streams: max_streams)",
                            http.pipeline, http.protocol == HttpProtocolSpec::h2 ? "h2" : "h2c"));
        }
    }
}

TargetFacts read_http(LoadContext& context, const YAML::Node& node, const std::string& path,
                      Plan& plan) {
    const MapReader map(context.sink, node, path,
                        {"base_url", "demo", "connections", "timeout", "connect_timeout", "headers",
                         "tls", "cache", "protocol", "max_streams", "window_bytes", "pipeline",
                         "ping_interval_ms", "ping_timeout_ms"});
    HttpTargetSpec http;
    TargetFacts facts;
    if (auto demo = map.get("demo")) {
        http.demo = read_demo(context.sink, *demo, map.path("demo"));
        http.base_url = "http://127.0.0.1";  // the port is known once the service listens
        if (auto url = map.get("base_url")) {
            context.sink.error(*url, map.path("base_url"),
                               "give base_url or demo, not both (demo starts its own service)");
        }
    } else if (map.require("base_url", "e.g. http://127.0.0.1:8080, or demo: {}")) {
        if (auto url = map.string("base_url")) {
            check_base_url(context.sink, *map.get("base_url"), map.path("base_url"), *url);
            http.base_url = *url;
        }
    }
    if (auto connections = map.integer("connections", 1, kMaxConnections)) {
        facts.connections = static_cast<std::size_t>(*connections);
    }
    if (auto timeout = map.duration("timeout")) {
        http.request_timeout = *timeout;
        http.connect_timeout = std::min(http.connect_timeout, *timeout);
    }
    if (auto connect_timeout = map.duration("connect_timeout"))
        http.connect_timeout = *connect_timeout;
    if (auto headers_node = map.get("headers")) {
        if (auto headers = read_string_map(context.sink, *headers_node, map.path("headers"))) {
            check_headers(context.sink, *headers_node, map.path("headers"), *headers);
            for (auto& [name, value] : *headers) {
                value = resolve_target_header(context.sink, (*headers_node)[name],
                                              child_path(map.path("headers"), name), value);
            }
            http.headers = *headers;
        }
    }
    if (auto tls = map.get("tls")) read_tls(context, *tls, map.path("tls"), http);
    if (auto cache = map.get("cache")) read_cache(context, *cache, map.path("cache"), http);
    read_protocol(context.sink, map, http);
    facts.request_timeout = http.request_timeout;
    facts.has_cache_signal = http.cache.has_value();
    facts.has_tiers = http.cache.has_value() && http.cache->hit.empty();
    plan.target = std::move(http);
    return facts;
}

TargetFacts read_resolver(LoadContext& context, const YAML::Node& node, const std::string& path,
                          Plan& plan) {
    const MapReader map(context.sink, node, path,
                        {"backend", "postgres", "redis", "instances", "l1_capacity", "pg_pool_size",
                         "connections", "dataset"});
    ResolverTargetSpec resolver;
    TargetFacts facts;
    facts.has_tiers = true;
    facts.has_cache_signal = true;
    if (auto backend = map.string("backend")) {
        if (*backend == "postgres")
            resolver.backend = ResolverBackend::postgres;
        else if (*backend != "embedded") {
            context.sink.error(
                *map.get("backend"), map.path("backend"),
                fmt::format("unknown backend '{}' (embedded or postgres)", *backend));
        }
    }
    if (auto url = map.string("postgres")) resolver.postgres_url = *url;
    if (auto url = map.string("redis")) resolver.redis_url = *url;
    if (resolver.backend == ResolverBackend::postgres) {
        map.require("postgres", "the connection string, e.g. postgresql://volley@localhost/volley");
    }
    if (auto instances = map.integer("instances", 1, 1024)) {
        resolver.instances = static_cast<std::size_t>(*instances);
    }
    if (auto capacity = map.integer("l1_capacity", 0, 1'000'000'000)) {
        resolver.l1_capacity = static_cast<std::size_t>(*capacity);
    }
    if (auto pool = map.integer("pg_pool_size", 1, 1024)) {
        resolver.pg_pool_size = static_cast<std::size_t>(*pool);
    }
    if (auto pool = map.integer("pg_pool_size", 1, 1024)) {
        resolver.pg_pool_size = static_cast<std::size_t>(*pool);
    }
    if (auto connections = map.integer("connections", 1, kMaxConnections)) {
        facts.connections = static_cast<std::size_t>(*connections);
    }
    if (auto dataset_node = map.get("dataset"); dataset_node && dataset_node->IsScalar()) {
        // A named dataset instead of a generated tree.
        const std::string kind = dataset_node->Scalar();
        if (kind == "geo_seed")
            resolver.dataset = ResolverDataset::geo_seed;
        else if (kind == "none")
            resolver.dataset = ResolverDataset::none;
        else if (kind != "generated") {
            context.sink.error(*dataset_node, map.path("dataset"),
                               fmt::format("unknown dataset '{}' (generated, geo_seed, none, or a "
                                           "map {{entities, fanout, depth}})",
                                           kind));
        }
    } else if (dataset_node) {
        const MapReader dataset(context.sink, *dataset_node, map.path("dataset"),
                                {"entities", "fanout", "depth"});
        if (auto entities = dataset.integer("entities", 1, 100'000'000)) {
            resolver.entities = static_cast<std::size_t>(*entities);
        }
        if (auto fanout = dataset.integer("fanout", 1, 1'000'000)) {
            resolver.fanout = static_cast<std::size_t>(*fanout);
        }
        if (auto depth = dataset.integer("depth", 1, 64))
            resolver.depth = static_cast<std::size_t>(*depth);
        // depth counts levels, the root being level 1: the tree holds 1 + F + … + F^(D-1).
        double capacity = 0;
        double level = 1;
        for (std::size_t d = 0; d < resolver.depth && capacity < 1e12; ++d) {
            capacity += level;
            level *= static_cast<double>(resolver.fanout);
        }
        if (capacity < static_cast<double>(resolver.entities)) {
            context.sink.error(
                *dataset_node, map.path("dataset"),
                fmt::format("a tree with fanout {} and depth {} holds at most {:.0f} "
                            "entities, not {}",
                            resolver.fanout, resolver.depth, capacity, resolver.entities));
        }
    }
    plan.target = std::move(resolver);
    return facts;
}

}  // namespace

TargetFacts read_target(LoadContext& context, const YAML::Node& node, Plan& plan) {
    const MapReader target(context.sink, node, "target", {"http", "resolver"});
    if (!target.is_map()) return {};
    const bool http = target.has("http");
    const bool resolver = target.has("resolver");
    if (http && resolver) {
        context.sink.error(*target.get("resolver"), "target.resolver",
                           "target has both http and resolver; keep one");
        return {};
    }
    if (!http && !resolver) {
        context.sink.error(node, "target", "expected http: {base_url: …} or resolver: {…}");
        return {};
    }
    if (http) return read_http(context, *target.get("http"), "target.http", plan);
    return read_resolver(context, *target.get("resolver"), "target.resolver", plan);
}

}  // namespace volley::scenarios::detail
