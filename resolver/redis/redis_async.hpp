// L2 reads and fills on an Asio event loop: hiredis's async API driven by the loop's reactor
// (docs/architecture.md "Where lookups run"). For a caller on an event loop that must not block
// (resolver/service/http_service.cpp): a GET costs no thread hop, a fill (SET) is sent without
// waiting for it, and the commands of concurrent requests share one connection, pipelined,
// their replies matched in order by hiredis. It is an optimisation only: the circuit breaker
// and every error's handling stay with RedisL2, which the caller falls back to.
//
// Contract:
// - get(key, done): `done` runs exactly once, on the strand of this object, with the value,
//   "no such key", or an error: not connected (yet, or since a failure), the connection lost,
//   or no reply within options.timeout (the connection is then dropped, failing every GET
//   still waiting on it).
// - Connects on the first get() and, after a failure, at most once per
//   options.backoff_base; a get() while not connected fails at once (it is not queued).
// - AUTH and SELECT go first on a connection when the URL has a password or a database.
// - Destroy it after its io_context stopped running: waiting GETs then fail, unrun.
#pragma once

#include "resolver/redis/redis_l2.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace volley::resolver {

class AsyncRedis {
public:
    struct Result {
        bool ok = false;                   // false: an error (see the contract)
        std::optional<std::string> value;  // when ok: nullopt is "no such key"
    };
    using Done = std::function<void(Result)>;

    AsyncRedis(boost::asio::io_context& io, RedisOptions options);
    ~AsyncRedis();
    AsyncRedis(const AsyncRedis&) = delete;
    AsyncRedis& operator=(const AsyncRedis&) = delete;

    void get(std::string key, Done done);
    // SET key value PX ttl, not waited for (from any thread): a failure costs a later miss and
    // is counted in Stats::fill_failures. Sent after every GET and SET already asked for.
    void set(std::string key, std::string value, std::chrono::milliseconds ttl);

    // Counters since construction (read on any thread).
    struct Stats {
        std::uint64_t replies = 0;        // GETs answered (a value or no such key)
        std::uint64_t failed = 0;         // GETs that ended in an error
        std::uint64_t connects = 0;       // connections opened
        std::uint64_t timeouts = 0;       // connections dropped for a reply later than the timeout
        std::uint64_t fills = 0;          // SETs acknowledged
        std::uint64_t fill_failures = 0;  // SETs not sent, or answered with an error or not at all
    };
    [[nodiscard]] Stats stats() const;

private:
    struct State;
    std::shared_ptr<State> state_;
};

}  // namespace volley::resolver
