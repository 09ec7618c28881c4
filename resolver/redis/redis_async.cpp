#include "resolver/redis/redis_async.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <deque>

namespace volley::resolver {
namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

// Everything below runs on `strand`, hiredis included. hiredis tells the adapter hooks which
// readiness it wants (addRead/delRead/addWrite/delWrite); a wait is armed on the socket while
// it is wanted, and its handler calls redisAsyncHandleRead/Write. `epoch` counts connections:
// the handler of a wait on an older connection's socket returns without a look.
struct AsyncRedis::State : std::enable_shared_from_this<State> {
    State(asio::io_context& io_context, RedisOptions redis_options)
        : io(io_context),
          strand(asio::make_strand(io_context)),
          options(std::move(redis_options)),
          watchdog(strand) {}

    ~State() {
        if (ac != nullptr) redisAsyncFree(ac);  // waiting GETs fail (their callbacks run here)
    }

    struct Pending {
        std::shared_ptr<State> state;
        Done done;
    };

    void start_get(std::string key, Done done) {
        if (ac == nullptr) connect();
        if (ac == nullptr) return fail(done);
        auto pending = std::make_unique<Pending>(Pending{shared_from_this(), std::move(done)});
        if (redisAsyncCommand(ac, &State::on_reply, pending.get(), "GET %b", key.data(),
                              key.size()) != REDIS_OK)
            return fail(pending->done);
        (void)pending.release();  // owned by hiredis until on_reply
        waiting.push_back(SteadyClock::now());
        arm_watchdog();
    }

    void start_set(const std::string& key, const std::string& value,
                   std::chrono::milliseconds ttl) {
        if (ac == nullptr) connect();
        const auto ttl_ms = static_cast<long long>(ttl.count());
        if (ac == nullptr ||
            redisAsyncCommand(ac, &State::on_set_reply, this, "SET %b %b PX %lld", key.data(),
                              key.size(), value.data(), value.size(), ttl_ms) != REDIS_OK)
            fill_failures.fetch_add(1, std::memory_order_relaxed);
    }

    // `privdata` is the state: hiredis runs every callback before the context (which the state
    // outlives) is freed.
    static void on_set_reply(redisAsyncContext* /*context*/, void* raw_reply, void* privdata) {
        auto& self = *static_cast<State*>(privdata);
        const auto* reply = static_cast<const redisReply*>(raw_reply);
        const bool ok = reply != nullptr && reply->type == REDIS_REPLY_STATUS;
        (ok ? self.fills : self.fill_failures).fetch_add(1, std::memory_order_relaxed);
    }

    void fail(const Done& done) {
        failed.fetch_add(1, std::memory_order_relaxed);
        done(Result{});
    }

    void connect() {
        const auto now = SteadyClock::now();
        if (now < next_attempt) return;
        next_attempt = now + options.backoff_base;
        redisAsyncContext* context = redisAsyncConnect(options.host.c_str(), options.port);
        if (context == nullptr) return;
        if (context->err != 0) {
            redisAsyncFree(context);
            return;
        }
        ++epoch;
        want_read = want_write = read_armed = write_armed = false;
        ac = context;
        socket = std::make_unique<asio::posix::stream_descriptor>(strand, context->c.fd);
        context->ev.data = this;
        context->ev.addRead = [](void* self) { static_cast<State*>(self)->add_read(); };
        context->ev.delRead = [](void* self) { static_cast<State*>(self)->want_read = false; };
        context->ev.addWrite = [](void* self) { static_cast<State*>(self)->add_write(); };
        context->ev.delWrite = [](void* self) { static_cast<State*>(self)->want_write = false; };
        context->ev.cleanup = [](void* self) { static_cast<State*>(self)->detach(); };
        connects.fetch_add(1, std::memory_order_relaxed);
        // Sent first, in order, before any GET; their replies need no callback.
        if (!options.password.empty())
            redisAsyncCommand(context, nullptr, nullptr, "AUTH %b", options.password.data(),
                              options.password.size());
        if (options.db != 0) redisAsyncCommand(context, nullptr, nullptr, "SELECT %d", options.db);
    }

    // hiredis frees the context (a lost connection, a refused connect, redisAsyncFree): the
    // socket is hiredis's to close, so the descriptor lets it go.
    void detach() {
        ac = nullptr;
        if (!socket) return;
        boost::system::error_code ignored;
        socket->cancel(ignored);
        (void)socket->release();
        socket.reset();
    }

    void add_read() {
        want_read = true;
        if (read_armed || !socket) return;
        read_armed = true;
        socket->async_wait(asio::posix::stream_descriptor::wait_read,
                           [self = shared_from_this(), e = epoch](const auto& ec) {
                               if (e != self->epoch) return;
                               self->read_armed = false;
                               if (ec || self->ac == nullptr) return;
                               if (self->want_read) redisAsyncHandleRead(self->ac);
                               if (e == self->epoch && self->ac != nullptr && self->want_read)
                                   self->add_read();
                           });
    }

    void add_write() {
        want_write = true;
        if (write_armed || !socket) return;
        write_armed = true;
        socket->async_wait(asio::posix::stream_descriptor::wait_write,
                           [self = shared_from_this(), e = epoch](const auto& ec) {
                               if (e != self->epoch) return;
                               self->write_armed = false;
                               if (ec || self->ac == nullptr) return;
                               if (self->want_write) redisAsyncHandleWrite(self->ac);
                               if (e == self->epoch && self->ac != nullptr && self->want_write)
                                   self->add_write();
                           });
    }

    static void on_reply(redisAsyncContext* /*context*/, void* raw_reply, void* privdata) {
        std::unique_ptr<Pending> pending(static_cast<Pending*>(privdata));
        State& self = *pending->state;
        if (!self.waiting.empty()) self.waiting.pop_front();
        const auto* reply = static_cast<const redisReply*>(raw_reply);
        Result result;
        if (reply != nullptr && reply->type == REDIS_REPLY_STRING) {
            result.ok = true;
            result.value.emplace(reply->str, reply->len);
        } else if (reply != nullptr && reply->type == REDIS_REPLY_NIL) {
            result.ok = true;
        }
        (result.ok ? self.replies : self.failed).fetch_add(1, std::memory_order_relaxed);
        pending->done(std::move(result));
    }

    // Fires when the oldest waiting GET is `timeout` old; a connection that late is dropped.
    void arm_watchdog() {
        if (watchdog_armed || waiting.empty()) return;
        watchdog_armed = true;
        watchdog.expires_at(waiting.front() + options.timeout);
        watchdog.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            self->watchdog_armed = false;
            if (ec) return;
            if (!self->waiting.empty() && self->ac != nullptr &&
                SteadyClock::now() - self->waiting.front() >= self->options.timeout) {
                self->timeouts.fetch_add(1, std::memory_order_relaxed);
                redisAsyncFree(self->ac);  // waiting GETs fail; detach() clears ac
            }
            self->arm_watchdog();
        });
    }

    asio::io_context& io;
    asio::strand<asio::io_context::executor_type> strand;
    RedisOptions options;
    redisAsyncContext* ac = nullptr;  // null: no connection
    std::unique_ptr<asio::posix::stream_descriptor> socket;
    std::uint64_t epoch = 0;
    bool want_read = false, want_write = false, read_armed = false, write_armed = false;
    std::deque<SteadyClock::time_point> waiting;  // when each waiting GET was sent, oldest first
    asio::steady_timer watchdog;
    bool watchdog_armed = false;
    SteadyClock::time_point next_attempt{};
    std::atomic<std::uint64_t> replies{0}, failed{0}, connects{0}, timeouts{0}, fills{0},
        fill_failures{0};
};

AsyncRedis::AsyncRedis(asio::io_context& io, RedisOptions options)
    : state_(std::make_shared<State>(io, std::move(options))) {}

AsyncRedis::~AsyncRedis() {
    // Handlers still queued on the stopped io_context hold the state; the connection goes now.
    if (state_->ac != nullptr) redisAsyncFree(state_->ac);
}

void AsyncRedis::get(std::string key, Done done) {
    asio::dispatch(state_->strand,
                   [state = state_, key = std::move(key), done = std::move(done)]() mutable {
                       state->start_get(std::move(key), std::move(done));
                   });
}

void AsyncRedis::set(std::string key, std::string value, std::chrono::milliseconds ttl) {
    asio::dispatch(state_->strand, [state = state_, key = std::move(key), value = std::move(value),
                                    ttl] { state->start_set(key, value, ttl); });
}

AsyncRedis::Stats AsyncRedis::stats() const {
    Stats s;
    s.replies = state_->replies.load(std::memory_order_relaxed);
    s.failed = state_->failed.load(std::memory_order_relaxed);
    s.connects = state_->connects.load(std::memory_order_relaxed);
    s.timeouts = state_->timeouts.load(std::memory_order_relaxed);
    s.fills = state_->fills.load(std::memory_order_relaxed);
    s.fill_failures = state_->fill_failures.load(std::memory_order_relaxed);
    return s;
}

}  // namespace volley::resolver
