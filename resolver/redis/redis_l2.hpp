// L2 on Redis via hiredis (blocking API). Every command has a socket timeout (`timeout`) and
// every connect a connect timeout. Connection-class errors (refused, reset, EOF) drop the
// connection and retry once at once on a fresh one when the failed connection came from the
// pool (it may predate a server restart); further failures open the circuit breaker, whose
// exponential backoff spaces reconnect attempts while calls fail fast. Timeouts and server
// error replies are not retried. Constructing one sets SIGPIPE to SIG_IGN if it was SIG_DFL
// (hiredis writes with write(2); a reset connection must not kill the process).
#pragma once

#include "resolver/breaker.hpp"
#include "resolver/seams.hpp"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace volley::resolver {

struct RedisOptions {
    std::string host = "127.0.0.1";
    int port = 6379;
    int db = 0;
    std::string password;
    std::chrono::milliseconds timeout{50};  // per command (send and receive)
    std::chrono::milliseconds connect_timeout{200};
    std::size_t pool_size = 16;  // maximum open connections
    std::chrono::milliseconds backoff_base{50};
    std::chrono::milliseconds backoff_max{2000};
};

// redis://[[user]:password@]host[:port][/db]. Throws std::invalid_argument.
RedisOptions parse_redis_url(std::string_view url);

class RedisL2 final : public L2Cache {
public:
    explicit RedisL2(RedisOptions options);
    ~RedisL2() override;

    std::optional<std::string> get(std::string_view key) override;
    void set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) override;
    [[nodiscard]] bool available() const override { return !breaker_.is_open(); }
    [[nodiscard]] std::string_view kind() const override { return "redis"; }

    // PING through the pool; throws BackendError.
    void ping();
    [[nodiscard]] const RedisOptions& options() const { return options_; }

private:
    struct Conn;
    struct Reply;
    Reply command(const std::vector<std::string_view>& args);
    std::unique_ptr<Conn> acquire(bool& fresh);
    std::unique_ptr<Conn> connect();
    void release(std::unique_ptr<Conn> conn);
    void drop();

    RedisOptions options_;
    CircuitBreaker breaker_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::unique_ptr<Conn>> idle_;
    std::size_t open_ = 0;
};

}  // namespace volley::resolver
