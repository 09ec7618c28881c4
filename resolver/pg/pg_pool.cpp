#include "resolver/pg/pg_pool.hpp"

#include <pqxx/except>

#include <fmt/format.h>

#include <sys/socket.h>

namespace volley::resolver {
namespace {

std::string percent_encode(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out += fmt::format("%{:02X}", static_cast<unsigned>(c));
        }
    }
    return out;
}

bool connection_class(const std::string& sqlstate) {
    return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
           sqlstate == "57P03";
}

constexpr auto watchdog_grace = std::chrono::milliseconds(100);

}  // namespace

std::string pg_conninfo(const PgOptions& o) {
    // jit=off: JIT compilation costs hundreds of ms on the first execution of a costly plan,
    // which is pure latency for a point-lookup workload.
    std::string server_options =
        fmt::format("-c statement_timeout={} -c jit=off", o.query_timeout.count());
    if (!o.schema.empty()) server_options += fmt::format(" -c search_path={},public", o.schema);
    const bool uri = o.url.find("://") != std::string::npos;
    if (uri) {
        std::string out = o.url;
        out += out.find('?') == std::string::npos ? '?' : '&';
        out += fmt::format(
            "keepalives=1&keepalives_idle={}&keepalives_interval={}&keepalives_count={}"
            "&connect_timeout={}&application_name=volley&options={}",
            o.keepalives_idle_s, o.keepalives_interval_s, o.keepalives_count, o.connect_timeout_s,
            percent_encode(server_options));
        return out;
    }
    return fmt::format(
        "{} keepalives=1 keepalives_idle={} keepalives_interval={} keepalives_count={} "
        "connect_timeout={} application_name=volley options='{}'",
        o.url, o.keepalives_idle_s, o.keepalives_interval_s, o.keepalives_count,
        o.connect_timeout_s, server_options);
}

PgPool::PgPool(PgOptions options, OnConnect on_connect)
    : options_(std::move(options)),
      conninfo_(pg_conninfo(options_)),
      on_connect_(std::move(on_connect)),
      breaker_(options_.backoff_base, options_.backoff_max) {}

PgPool::~PgPool() = default;

std::unique_ptr<pqxx::connection> PgPool::acquire(Deadline deadline, bool& fresh,
                                                  Clock::time_point& leased_at) {
    std::unique_lock lock(mu_);
    while (idle_.empty() && open_ >= options_.pool_size) {
        if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
            open_ >= options_.pool_size) {
            ++acquire_timeouts_;
            throw BackendError(BackendError::Kind::timeout, "postgres: no free pool connection");
        }
    }
    ++in_use_;
    max_in_use_ = std::max(max_in_use_, in_use_);
    leased_at = Clock::now();
    if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        fresh = false;
        return c;
    }
    ++open_;
    lock.unlock();
    fresh = true;
    try {
        auto conn = std::make_unique<pqxx::connection>(conninfo_);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        conn->inhibit_reactivation(true);  // a broken connection stays broken; we discard it
#pragma GCC diagnostic pop
        if (on_connect_) on_connect_(*conn);
        return conn;
    } catch (const std::exception& e) {
        discard(leased_at);
        throw BackendError(BackendError::Kind::unavailable,
                           std::string("postgres connect: ") + e.what());
    }
}

void PgPool::release(std::unique_ptr<pqxx::connection> conn, Clock::time_point leased_at) {
    {
        std::lock_guard lock(mu_);
        end_lease(leased_at);
        idle_.push_back(std::move(conn));
    }
    cv_.notify_one();
}

void PgPool::discard(Clock::time_point leased_at) {
    {
        std::lock_guard lock(mu_);
        end_lease(leased_at);
        --open_;
    }
    cv_.notify_one();
}

void PgPool::end_lease(Clock::time_point leased_at) {
    --in_use_;
    ++leases_;
    leased_ns_ += static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - leased_at).count());
}

void PgPool::run(Deadline deadline, const std::function<void(pqxx::connection&)>& fn,
                 bool idempotent) {
    for (int attempt = 0;; ++attempt) {
        if (!breaker_.allow())
            throw BackendError(BackendError::Kind::unavailable, "postgres: circuit open", true);
        if (Clock::now() >= deadline)
            throw BackendError(BackendError::Kind::timeout, "postgres: deadline passed");
        bool fresh = false;
        std::unique_ptr<pqxx::connection> conn;
        Clock::time_point leased_at;
        try {
            conn = acquire(deadline, fresh, leased_at);
        } catch (const BackendError& e) {
            if (e.kind() == BackendError::Kind::unavailable) breaker_.on_failure();
            throw;
        }
        const int fd = conn->sock();
        auto guard = watchdog_.arm(deadline + watchdog_grace, [fd] {
            if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
        });
        bool lost = false;  // connection-class failure
        std::string why;
        try {
            fn(*conn);
            const bool fired = guard.disarm();
            if (fired) {
                conn.reset();
                discard(leased_at);
            } else {
                release(std::move(conn), leased_at);
            }
            breaker_.on_success();
            return;
        } catch (const pqxx::broken_connection& e) {
            lost = true;
            why = e.what();
        } catch (const pqxx::in_doubt_error& e) {
            const bool fired = guard.disarm();
            conn.reset();
            discard(leased_at);
            throw BackendError(
                fired ? BackendError::Kind::timeout : BackendError::Kind::unavailable,
                std::string("postgres: outcome unknown: ") + e.what());
        } catch (const pqxx::sql_error& e) {
            if (e.sqlstate() == "57014") {  // query_canceled: statement_timeout
                guard.disarm();
                release(std::move(conn), leased_at);
                throw BackendError(BackendError::Kind::timeout,
                                   std::string("postgres: statement timeout: ") + e.what());
            }
            if (!connection_class(e.sqlstate())) {
                const bool fired = guard.disarm();
                if (fired) {
                    conn.reset();
                    discard(leased_at);
                } else {
                    release(std::move(conn), leased_at);
                }
                throw;
            }
            lost = true;
            why = e.what();
        } catch (const std::exception& e) {
            // Not a pqxx error class we know; the connection decides whether it survived.
            if (conn->is_open()) {
                if (guard.disarm()) {
                    conn.reset();
                    discard(leased_at);
                    throw BackendError(BackendError::Kind::timeout,
                                       std::string("postgres: deadline passed: ") + e.what());
                }
                release(std::move(conn), leased_at);
                throw;
            }
            lost = true;
            why = e.what();
        }
        // Connection-class failure or watchdog expiry: the connection is unusable.
        const bool fired = guard.disarm();
        conn.reset();
        discard(leased_at);
        if (fired)
            throw BackendError(BackendError::Kind::timeout,
                               "postgres: deadline passed (" + why + ")");
        if (lost && attempt == 0 && !fresh && idempotent) continue;
        breaker_.on_failure();
        throw BackendError(BackendError::Kind::unavailable, "postgres: " + why);
    }
}

PoolStats PgPool::stats() const {
    std::lock_guard lock(mu_);
    return PoolStats{options_.pool_size, open_,   in_use_,   max_in_use_,
                     acquire_timeouts_,  leases_, leased_ns_};
}

}  // namespace volley::resolver
