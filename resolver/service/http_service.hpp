// The resolver over HTTP/1.1 (Beast), docs/architecture.md "Resolver":
//   GET  /entities/{id}/ancestors           200 {"entity_id","ancestors":[...],"served_by","tier"}
//   GET  /entities/{id}/ancestors/naive     the same body, walked parent by parent on L4 with no
//                                           cache: max(depth, 1) queries (resolver/naive_walk.hpp)
//   GET  /entities/{id}/descendants/count   200 {"entity_id","descendant_count","served_by","tier"}
//   POST /entities  {"entity_id","name","parent_id"|null}   201 inserted, 200 moved/updated
//   POST /admin/refresh                     200 {"duration_ms","generation"}
//   GET  /healthz                           200 ok|degraded (L2 down), 503 when L4 is down
//   GET  /metrics                           Prometheus text; /metrics/cache: the seed's JSON shape
// Lookups carry X-Cache-Tier: L1..L4 (also on 404). Errors: 400 malformed id or body,
// 404 unknown entity/parent or route, 405 wrong method, 409 move below itself, 503 a required
// backend is down, 504 timeout. Error bodies are {"error": code, "message": text}.
// A request the HTTP parser refuses is answered, then the connection is closed (the requests
// before it on the connection were answered in order): 414 uri_too_long when the request line
// alone is over 8 KiB, 431 header_fields_too_large when the request line and header fields are,
// 413 content_too_large for a body over 1 MiB, 400 bad_request for any other malformed request.
#pragma once

#include "resolver/group.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace volley::resolver {

struct ServiceResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// Routes one request (no I/O besides the resolver's). `target` is the request target
// (path and optional query). `instance` picks the resolver instance (modulo group size).
ServiceResponse handle_request(ResolverGroup& group, std::size_t instance, std::string_view method,
                               std::string_view target, std::string_view body);

struct ServiceOptions {
    std::string address = "127.0.0.1";
    unsigned short port = 8080;  // 0 = an ephemeral port (see HttpService::port())
    int threads = 0;             // I/O threads; 0 = hardware concurrency (at least 2)
    // Threads for requests that may block (lookups that L1 and L2 do not answer, writes,
    // refreshes); L1 hits (and L2 hits, async_l2) are answered on the I/O threads. 0: everything
    // runs on the I/O threads, which then block on the backends. 2: on a 2-core machine, the
    // volley slo http phase (32 VUs) measured 39.3k and 40.2k req/s with 2, 34.7k-37.2k with 4,
    // 29.2k-31.6k with 12 and 29.2k-30.5k with 1.
    int lookup_threads = 2;
    // When L2 is Redis: read it on the I/O loop (resolver/redis/redis_async.hpp) instead of on
    // a lookup thread, so an L2 hit costs no thread hop; misses and errors go on to the lookup
    // threads as before. Needs lookup_threads > 0.
    bool async_l2 = true;
};

// The response to a request that needs no backend: a lookup answered by L1 or refused for a
// malformed id (Resolver::ancestors_in_memory), the same as handle_request would give;
// nullopt for any other request. Never blocks.
std::optional<ServiceResponse> answer_in_memory(ResolverGroup& group, std::size_t instance,
                                                std::string_view method, std::string_view target);

class HttpService {
public:
    HttpService(ResolverGroup& group, ServiceOptions options);
    ~HttpService();  // stops and joins
    HttpService(const HttpService&) = delete;
    HttpService& operator=(const HttpService&) = delete;

    // Binds and starts the threads. Throws std::runtime_error when the address cannot be bound.
    void start();
    [[nodiscard]] unsigned short port() const;
    // The I/O loop's L2 reads and fills so far; nullopt when it does not
    // read L2 itself (ServiceOptions::async_l2 off, no lookup threads, or L2 not Redis).
    struct AsyncL2Stats {
        std::uint64_t replies = 0, failed = 0, connects = 0, timeouts = 0, fills = 0,
                      fill_failures = 0;
    };
    [[nodiscard]] std::optional<AsyncL2Stats> async_l2_stats() const;
    // Stops accepting, closes connections, joins the threads. Idempotent.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace volley::resolver
