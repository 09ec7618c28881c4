// The Redis source of `observe:` (docs/observe-sources.md "redis"): INFO's counters and gauges
// (redis.hit_rate, redis.ops, redis.evicted_keys, redis.expired_keys, redis.used_memory,
// redis.connected_clients) and, per key pattern, a bounded SCAN count and the TTL distribution
// of a sample of its keys. One synchronous hiredis connection, opened lazily by sample() and
// opened again after a failure; every command carries the spec's timeout.
#pragma once

#include "observe/observe_spec.hpp"
#include "observe/source.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace volley::observe {

// Where the source connects: redis://[:password@]host[:port][/db] (port 6379, db 0 by default).
struct RedisAddress {
    std::string host;
    int port = 6379;
    std::string password;  // empty: no AUTH
    int db = 0;            // 0: no SELECT

    [[nodiscard]] std::string host_port() const;  // "127.0.0.1:6379", for messages
};

// Throws SourceError naming the URL and what is wrong with it.
[[nodiscard]] RedisAddress parse_redis_address(std::string_view url);

// Never connects and never throws: a bad URL or a down server fails sample() instead.
[[nodiscard]] std::unique_ptr<ObserveSource> make_redis_source(const RedisSourceSpec& spec,
                                                               std::chrono::milliseconds timeout);

}  // namespace volley::observe
