#include "resolver/redis/redis_l2.hpp"

#include <hiredis/hiredis.h>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <stdexcept>

namespace volley::resolver {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
    return tv;
}

int parse_int(std::string_view s, const char* what) {
    int v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || v < 0)
        throw std::invalid_argument(std::string("redis url: bad ") + what + ": " + std::string(s));
    return v;
}

}  // namespace

RedisOptions parse_redis_url(std::string_view url) {
    RedisOptions o;
    constexpr std::string_view scheme = "redis://";
    if (!url.starts_with(scheme))
        throw std::invalid_argument("redis url must start with redis://: " + std::string(url));
    std::string_view rest = url.substr(scheme.size());
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
        std::string_view userinfo = rest.substr(0, at);
        if (auto colon = userinfo.find(':'); colon != std::string_view::npos)
            o.password = std::string(userinfo.substr(colon + 1));
        rest.remove_prefix(at + 1);
    }
    std::string_view hostport = rest.substr(0, rest.find('/'));
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
        std::string_view db = rest.substr(slash + 1);
        if (!db.empty()) o.db = parse_int(db, "database");
    }
    if (auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
        o.port = parse_int(hostport.substr(colon + 1), "port");
        hostport = hostport.substr(0, colon);
    }
    if (!hostport.empty()) o.host = std::string(hostport);
    return o;
}

struct RedisL2::Conn {
    redisContext* ctx = nullptr;
    ~Conn() {
        if (ctx != nullptr) redisFree(ctx);
    }
};

struct RedisL2::Reply {
    int type = REDIS_REPLY_NIL;
    std::string str;
};

RedisL2::RedisL2(RedisOptions options)
    : options_(std::move(options)), breaker_(options_.backoff_base, options_.backoff_max) {
    // hiredis writes with write(2): a write to a connection the server has reset would raise
    // SIGPIPE and kill the process. Ignore it unless the application installed a handler.
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL)
        ::signal(SIGPIPE, SIG_IGN);
}

RedisL2::~RedisL2() = default;

std::unique_ptr<RedisL2::Conn> RedisL2::connect() {
    auto conn = std::make_unique<Conn>();
    conn->ctx = redisConnectWithTimeout(options_.host.c_str(), options_.port,
                                        to_timeval(options_.connect_timeout));
    if (conn->ctx == nullptr || conn->ctx->err != 0) {
        const std::string why = conn->ctx != nullptr ? conn->ctx->errstr : "out of memory";
        throw BackendError(BackendError::Kind::unavailable, "redis connect: " + why);
    }
    redisSetTimeout(conn->ctx, to_timeval(options_.timeout));
    redisEnableKeepAlive(conn->ctx);
    auto run = [&](std::vector<std::string> args) {
        std::vector<const char*> argv;
        std::vector<size_t> lens;
        for (const auto& a : args) {
            argv.push_back(a.data());
            lens.push_back(a.size());
        }
        auto* r = static_cast<redisReply*>(
            redisCommandArgv(conn->ctx, static_cast<int>(argv.size()), argv.data(), lens.data()));
        const bool ok = r != nullptr && r->type != REDIS_REPLY_ERROR;
        const std::string why = r == nullptr ? conn->ctx->errstr : (r->str ? r->str : "error");
        if (r != nullptr) freeReplyObject(r);
        if (!ok) throw BackendError(BackendError::Kind::unavailable, "redis setup: " + why);
    };
    if (!options_.password.empty()) run({"AUTH", options_.password});
    if (options_.db != 0) run({"SELECT", std::to_string(options_.db)});
    return conn;
}

std::unique_ptr<RedisL2::Conn> RedisL2::acquire(bool& fresh) {
    std::unique_lock lock(mu_);
    const auto deadline = Clock::now() + options_.timeout;
    while (idle_.empty() && open_ >= options_.pool_size) {
        if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
            open_ >= options_.pool_size)
            throw BackendError(BackendError::Kind::timeout, "redis: no free connection");
    }
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
        return connect();
    } catch (...) {
        drop();
        throw;
    }
}

void RedisL2::release(std::unique_ptr<Conn> conn) {
    {
        std::lock_guard lock(mu_);
        idle_.push_back(std::move(conn));
    }
    cv_.notify_one();
}

void RedisL2::drop() {
    {
        std::lock_guard lock(mu_);
        --open_;
    }
    cv_.notify_one();
}

RedisL2::Reply RedisL2::command(const std::vector<std::string_view>& args) {
    if (!breaker_.allow())
        throw BackendError(BackendError::Kind::unavailable, "redis: circuit open", true);
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (auto a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
    }
    for (int attempt = 0;; ++attempt) {
        bool fresh = false;
        std::unique_ptr<Conn> conn;
        try {
            conn = acquire(fresh);
        } catch (const BackendError& e) {
            if (e.kind() == BackendError::Kind::unavailable) breaker_.on_failure();
            throw;
        }
        errno = 0;
        auto* r = static_cast<redisReply*>(
            redisCommandArgv(conn->ctx, static_cast<int>(argv.size()), argv.data(), lens.data()));
        if (r != nullptr) {
            Reply out;
            out.type = r->type;
            if (r->str != nullptr) out.str.assign(r->str, r->len);
            freeReplyObject(r);
            release(std::move(conn));
            breaker_.on_success();
            if (out.type == REDIS_REPLY_ERROR)
                throw BackendError(BackendError::Kind::unavailable, "redis: " + out.str);
            return out;
        }
        const int err = conn->ctx->err;
        const int saved_errno = errno;
        const std::string why = conn->ctx->errstr;
        conn.reset();
        drop();
        if (err == REDIS_ERR_IO && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK)) {
            breaker_.on_failure();
            throw BackendError(BackendError::Kind::timeout, "redis: timeout");
        }
        // Connection-class: a pooled connection may be stale; retry once on a fresh one.
        if (attempt == 0 && !fresh) continue;
        breaker_.on_failure();
        throw BackendError(BackendError::Kind::unavailable, "redis: " + why);
    }
}

std::optional<std::string> RedisL2::get(std::string_view key) {
    Reply r = command({"GET", key});
    if (r.type == REDIS_REPLY_NIL) return std::nullopt;
    return std::move(r.str);
}

void RedisL2::set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) {
    const std::string ms = std::to_string(std::max<std::int64_t>(1, ttl.count()));
    command({"SET", key, value, "PX", ms});
}

void RedisL2::ping() { command({"PING"}); }

}  // namespace volley::resolver
