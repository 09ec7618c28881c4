// PostgreSQL connection pool on libpqxx 6 with the resolver's failure contract:
//  - the connection string carries TCP keepalives (idle 30 s, interval 10 s, count 5),
//    connect_timeout and a session statement_timeout (= query_timeout);
//  - every call has a deadline enforced client-side by a watchdog that shuts the socket down
//    (the server-side statement_timeout alone cannot end a wait on a dead server);
//  - connection-class errors (broken connection, SQLSTATE 08xxx, 57P0x) discard the
//    connection and, for idempotent calls on a pooled (possibly stale) connection, retry once at
//    once on a fresh one; further failures open the circuit breaker (exponential backoff),
//    during which calls fail fast. Other SQL errors are rethrown unchanged and never retried.
#pragma once

#include "resolver/breaker.hpp"
#include "resolver/pg/watchdog.hpp"
#include "resolver/seams.hpp"

#include <pqxx/connection>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace volley::resolver {

struct PgOptions {
    std::string url;     // postgresql:// URI or key=value conninfo
    std::string schema;  // non-empty: search_path = schema, public
    std::size_t pool_size = 8;
    std::chrono::milliseconds query_timeout{500};  // statement_timeout and read deadline cap
    std::chrono::milliseconds backoff_base{50};
    std::chrono::milliseconds backoff_max{2000};
    int connect_timeout_s = 2;  // libpq treats values below 2 as 2
    int keepalives_idle_s = 30;
    int keepalives_interval_s = 10;
    int keepalives_count = 5;
};

// The connection string actually used: the URL plus keepalive, timeout and options params.
std::string pg_conninfo(const PgOptions& options);

class PgPool {
public:
    using OnConnect = std::function<void(pqxx::connection&)>;
    explicit PgPool(PgOptions options, OnConnect on_connect = {});
    ~PgPool();
    PgPool(const PgPool&) = delete;
    PgPool& operator=(const PgPool&) = delete;

    // Runs fn on a pooled connection before `deadline` (see file comment). Throws BackendError
    // for unavailability and timeouts; rethrows other pqxx::sql_error unchanged.
    void run(Deadline deadline, const std::function<void(pqxx::connection&)>& fn,
             bool idempotent = true);

    [[nodiscard]] PoolStats stats() const;
    [[nodiscard]] bool available() const { return !breaker_.is_open(); }
    [[nodiscard]] const PgOptions& options() const { return options_; }

private:
    // A connection and the time its lease began (`leased_at`, for the busy-time figures).
    std::unique_ptr<pqxx::connection> acquire(Deadline deadline, bool& fresh,
                                              Clock::time_point& leased_at);
    void release(std::unique_ptr<pqxx::connection> conn, Clock::time_point leased_at);
    void discard(Clock::time_point leased_at);
    void end_lease(Clock::time_point leased_at);  // with mu_ held

    PgOptions options_;
    std::string conninfo_;
    OnConnect on_connect_;
    CircuitBreaker breaker_;
    Watchdog watchdog_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::unique_ptr<pqxx::connection>> idle_;
    std::size_t open_ = 0;
    std::size_t in_use_ = 0;
    std::size_t max_in_use_ = 0;
    std::uint64_t acquire_timeouts_ = 0;
    std::uint64_t leases_ = 0;
    std::uint64_t leased_ns_ = 0;
};

}  // namespace volley::resolver
