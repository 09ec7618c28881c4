#include "resolver/service/http_service.hpp"

#include "resolver/id.hpp"
#include "resolver/naive_walk.hpp"
#include "resolver/redis/redis_async.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <fmt/format.h>

#include <array>
#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <thread>

namespace volley::resolver {
namespace {

namespace json = boost::json;
namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

ServiceResponse json_response(int status, const json::value& v) {
    ServiceResponse r;
    r.status = status;
    r.body = json::serialize(v);
    return r;
}

ServiceResponse error_response(int status, std::string_view code, std::string_view message) {
    return json_response(status, json::object{{"error", code}, {"message", message}});
}

int http_status_of(Status s) {
    switch (s) {
        case Status::ok: return 200;
        case Status::not_found: return 404;
        case Status::invalid_id: return 400;
        case Status::unavailable: return 503;
        case Status::timeout: return 504;
    }
    return 500;
}

template <typename T>
ServiceResponse lookup_response(std::string_view id, const Result<T>& r, std::string_view key,
                                const json::value& value) {
    ServiceResponse out;
    if (r.status == Status::ok) {
        out = json_response(200, json::object{{"entity_id", id},
                                              {key, value},
                                              {"served_by", tier_label(r.served_by)},
                                              {"tier", tier_name(r.served_by)}});
    } else if (r.status == Status::not_found) {
        out = json_response(404, json::object{{"error", "not_found"},
                                              {"entity_id", id},
                                              {"served_by", tier_label(r.served_by)},
                                              {"tier", tier_name(r.served_by)}});
    } else {
        out = error_response(http_status_of(r.status), status_name(r.status), r.error);
    }
    if (r.served_by != Tier::none)
        out.headers.emplace_back("X-Cache-Tier", tier_label(r.served_by));
    return out;
}

ServiceResponse post_entity(ResolverGroup& group, std::size_t instance, std::string_view body) {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec || !v.is_object())
        return error_response(400, "bad_request", "body must be a JSON object");
    const auto& o = v.as_object();
    auto str = [&](const char* key) -> std::optional<std::string> {
        auto it = o.find(key);
        if (it == o.end() || it->value().is_null()) return std::string();
        if (!it->value().is_string()) return std::nullopt;
        return std::string(it->value().as_string());
    };
    auto id = str("entity_id");
    auto name = str("name");
    auto parent = str("parent_id");
    if (!id || !name || !parent)
        return error_response(400, "bad_request", "entity_id, name and parent_id must be strings");
    if (!valid_id(*id) || (!parent->empty() && !valid_id(*parent)))
        return error_response(400, "invalid_id", "ids must match [A-Za-z0-9_]{1,64}");
    const WriteResult w =
        group.instance(instance % group.size()).upsert_entity(EntityWrite{*id, *name, *parent});
    switch (w.status) {
        case WriteStatus::inserted:
        case WriteStatus::moved:
        case WriteStatus::updated:
            return json_response(w.status == WriteStatus::inserted ? 201 : 200,
                                 json::object{{"entity_id", *id},
                                              {"status", write_status_name(w.status)},
                                              {"path", w.path},
                                              {"generation", w.generation}});
        case WriteStatus::invalid_id: return error_response(400, "invalid_id", w.error);
        case WriteStatus::parent_not_found: return error_response(404, "parent_not_found", w.error);
        case WriteStatus::cycle: return error_response(409, "cycle", w.error);
        case WriteStatus::timeout: return error_response(504, "timeout", w.error);
        case WriteStatus::unavailable: break;
    }
    return error_response(503, "unavailable", w.error);
}

ServiceResponse healthz(ResolverGroup& group) {
    const HealthReport h = group.health();
    auto state = [](bool configured, bool up) { return !configured ? "off" : up ? "up" : "down"; };
    const char* status = !h.ok ? "unavailable" : (h.l2_configured && !h.l2_up) ? "degraded" : "ok";
    return json_response(h.ok ? 200 : 503, json::object{{"status", status},
                                                        {"l2", state(h.l2_configured, h.l2_up)},
                                                        {"l3", state(h.l3_configured, h.l3_up)},
                                                        {"l4", state(true, h.l4_up)},
                                                        {"detail", h.detail},
                                                        {"backend", group.describe()}});
}

// GET /entities/{id}/ancestors[/naive] and /entities/{id}/descendants/count.
struct LookupRoute {
    enum class Kind : std::uint8_t { ancestors, naive_ancestors, descendant_count, none };
    Kind kind = Kind::none;
    std::string_view id;
};

// The lookup route of `path`; nullopt when `path` is not under /entities/{id}/ (Kind::none:
// under it, but no such route).
std::optional<LookupRoute> lookup_route(std::string_view path) {
    constexpr std::string_view entities = "/entities/";
    if (!path.starts_with(entities)) return std::nullopt;
    std::string_view rest = path.substr(entities.size());
    const auto slash = rest.find('/');
    LookupRoute route;
    route.id = rest.substr(0, slash);
    const std::string_view tail = slash == std::string_view::npos ? "" : rest.substr(slash);
    if (tail == "/ancestors") route.kind = LookupRoute::Kind::ancestors;
    if (tail == "/ancestors/naive") route.kind = LookupRoute::Kind::naive_ancestors;
    if (tail == "/descendants/count") route.kind = LookupRoute::Kind::descendant_count;
    return route;
}

ServiceResponse ancestors_response(std::string_view id, const AncestorsResult& r) {
    json::array ids;
    if (r.ok())
        for (const auto& a : r.value->ids) ids.emplace_back(a);
    return lookup_response(id, r, "ancestors", ids);
}

ServiceResponse count_response(std::string_view id, const CountResult& r) {
    return lookup_response(id, r, "descendant_count", r.value);
}

}  // namespace

namespace {

// A GET of a tiered lookup (ancestors or descendant count) of `target`: what the service may
// answer from L1 or L2 without blocking; nullopt for any other request.
struct TieredLookup {
    LookupKind kind;
    std::string_view id;  // a view into the request's target
};
std::optional<TieredLookup> tiered_lookup(std::string_view method, std::string_view target) {
    if (method != "GET") return std::nullopt;
    const auto route = lookup_route(target.substr(0, target.find('?')));
    if (!route) return std::nullopt;
    if (route->kind == LookupRoute::Kind::ancestors)
        return TieredLookup{LookupKind::ancestors, route->id};
    if (route->kind == LookupRoute::Kind::descendant_count)
        return TieredLookup{LookupKind::count, route->id};
    return std::nullopt;
}

// The response when L1 answers `lookup` (or its id is malformed), else nullopt. Never blocks.
std::optional<ServiceResponse> answer_in_memory(Resolver& resolver, const TieredLookup& lookup) {
    if (lookup.kind == LookupKind::ancestors) {
        if (auto r = resolver.ancestors_in_memory(lookup.id))
            return ancestors_response(lookup.id, *r);
    } else if (auto r = resolver.descendant_count_in_memory(lookup.id)) {
        return count_response(lookup.id, *r);
    }
    return std::nullopt;
}

}  // namespace

std::optional<ServiceResponse> answer_in_memory(ResolverGroup& group, std::size_t instance,
                                                std::string_view method, std::string_view target) {
    const auto lookup = tiered_lookup(method, target);
    if (!lookup) return std::nullopt;
    return answer_in_memory(group.instance(instance % group.size()), *lookup);
}

namespace {

// The response from L2's value for `probe`, or nullopt (finish with answer_below_l2).
std::optional<ServiceResponse> answer_from_l2(Resolver& resolver, const TieredLookup& lookup,
                                              const Resolver::L2Probe& probe,
                                              const std::optional<std::string>& value) {
    if (lookup.kind == LookupKind::ancestors) {
        if (auto r = resolver.ancestors_from_l2(lookup.id, probe, value))
            return ancestors_response(lookup.id, *r);
    } else if (auto r = resolver.descendant_count_from_l2(lookup.id, probe, value)) {
        return count_response(lookup.id, *r);
    }
    return std::nullopt;
}

// The response once L2 had nothing: L3, then L4 (may block); the L2 fill goes to `fills`.
ServiceResponse answer_below_l2(Resolver& resolver, const TieredLookup& lookup,
                                const Resolver::L2Probe& probe, Resolver::L2FillSink& fills) {
    if (lookup.kind == LookupKind::ancestors)
        return ancestors_response(lookup.id, resolver.ancestors_below_l2(lookup.id, probe, &fills));
    return count_response(lookup.id, resolver.descendant_count_below_l2(lookup.id, probe, &fills));
}

// L2 fills sent on the I/O loop's Redis connection, not waited for.
class AsyncFills final : public Resolver::L2FillSink {
public:
    explicit AsyncFills(AsyncRedis& redis) : redis_(redis) {}
    void fill(std::string key, std::string value, std::chrono::milliseconds ttl) override {
        redis_.set(std::move(key), std::move(value), ttl);
    }

private:
    AsyncRedis& redis_;
};

}  // namespace

ServiceResponse handle_request(ResolverGroup& group, std::size_t instance, std::string_view method,
                               std::string_view target, std::string_view body) {
    std::string_view path = target.substr(0, target.find('?'));
    std::string_view query = target.size() > path.size() ? target.substr(path.size() + 1) : "";
    Resolver& resolver = group.instance(instance % group.size());
    const bool get = method == "GET";
    const bool post = method == "POST";

    if (const auto route = lookup_route(path)) {
        if (route->kind == LookupRoute::Kind::none)
            return error_response(404, "no_route", "no such route");
        if (!get) return error_response(405, "method_not_allowed", "use GET");
        // Malformed ids are answered 400 by the resolver before any backend call.
        switch (route->kind) {
            case LookupRoute::Kind::ancestors:
                return ancestors_response(route->id, resolver.ancestors(route->id));
            case LookupRoute::Kind::naive_ancestors:
                // The naive walk bypasses the tiers: one live-store call per level, same body.
                return ancestors_response(
                    route->id,
                    walk_ancestors_naively(*group.backends().live, route->id,
                                           Clock::now() + resolver.options().request_timeout));
            case LookupRoute::Kind::descendant_count:
            case LookupRoute::Kind::none: break;
        }
        return count_response(route->id, resolver.descendant_count(route->id));
    }
    if (path == "/entities") {
        if (!post) return error_response(405, "method_not_allowed", "use POST");
        return post_entity(group, instance, body);
    }
    if (path == "/admin/refresh") {
        if (!post) return error_response(405, "method_not_allowed", "use POST");
        const RefreshResult r = group.refresh_views();
        if (!r.ok())
            return error_response(http_status_of(r.status), status_name(r.status), r.error);
        return json_response(
            200, json::object{{"duration_ms", r.duration_ms}, {"generation", r.generation}});
    }
    if (path == "/healthz") {
        if (!get) return error_response(405, "method_not_allowed", "use GET");
        return healthz(group);
    }
    if (path == "/metrics" || path == "/metrics/cache") {
        if (!get) return error_response(405, "method_not_allowed", "use GET");
        const MetricsSnapshot m = group.metrics();
        if (path == "/metrics/cache" || query == "format=json") {
            ServiceResponse r;
            r.body = to_cache_performance_json(m);
            return r;
        }
        ServiceResponse r;
        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
        r.body = to_prometheus(m);
        return r;
    }
    return error_response(404, "no_route", "no such route");
}

// --- HTTP server -------------------------------------------------------------------------

namespace {

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, ResolverGroup& group, std::size_t instance,
            asio::thread_pool* lookups, AsyncRedis* l2)
        : stream_(std::move(socket)),
          group_(group),
          instance_(instance),
          lookups_(lookups),
          l2_(l2) {}

    void start() { read(); }

private:
    void read() {
        parser_.emplace();
        parser_->header_limit(kHeaderLimitBytes);
        parser_->body_limit(kBodyLimitBytes);
        stream_.expires_after(std::chrono::seconds(60));
        http::async_read(
            stream_, buffer_, *parser_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec) {
            if (const auto refusal = refusal_for(ec)) {
                refuse(*refusal);
                return;
            }
            close();
            return;
        }
        req_ = parser_->release();
        // L1 hits are answered on this thread; whatever may block (a backend, a refresh) runs
        // on the service's lookup pool, and its answer is written from this session's
        // executor. One request at a time per connection, as before: no strand is needed.
        if (const auto lookup = tiered_lookup(req_.method_string(), req_.target())) {
            std::optional<ServiceResponse> answered;
            try {
                answered = answer_in_memory(group_.instance(instance_ % group_.size()), *lookup);
            } catch (const std::exception& e) {
                answered = error_response(500, "internal", e.what());
            }
            if (answered) {
                respond(std::move(*answered));
                return;
            }
            if (read_l2(*lookup)) return;
        }
        answer_blocking([self = shared_from_this()] { return self->answer(); });
    }

    // An L1 miss of a tiered lookup when L2 is read on this loop: GET it, answer a hit here;
    // a miss goes on to L3/L4, an error to the whole lookup, on the lookup threads. False when
    // L2 is not read here (off, known down, or read on the lookup threads): nothing started.
    bool read_l2(const TieredLookup& lookup) {
        if (l2_ == nullptr) return false;
        Resolver& resolver = group_.instance(instance_ % group_.size());
        auto probe = resolver.l2_probe(lookup.kind, lookup.id);
        if (!probe) return false;
        std::string key = probe->key;
        l2_->get(std::move(key), [self = shared_from_this(), lookup,
                                  probe = std::move(*probe)](AsyncRedis::Result result) mutable {
            asio::dispatch(self->stream_.get_executor(), [self, lookup, probe = std::move(probe),
                                                          result = std::move(result)]() mutable {
                self->on_l2(lookup, std::move(probe), result);
            });
        });
        return true;
    }

    void on_l2(const TieredLookup& lookup, Resolver::L2Probe probe,
               const AsyncRedis::Result& result) {
        Resolver& resolver = group_.instance(instance_ % group_.size());
        if (!result.ok) {  // not connected, lost, too slow: the lookup as if never tried
            answer_blocking([self = shared_from_this()] { return self->answer(); });
            return;
        }
        std::optional<ServiceResponse> answered;
        try {
            answered = answer_from_l2(resolver, lookup, probe, result.value);
        } catch (const std::exception& e) {
            answered = error_response(500, "internal", e.what());
        }
        if (answered) {
            respond(std::move(*answered));
            return;
        }
        answer_blocking([self = shared_from_this(), &resolver, lookup, probe = std::move(probe)] {
            try {
                AsyncFills fills(*self->l2_);
                return answer_below_l2(resolver, lookup, probe, fills);
            } catch (const std::exception& e) {
                return error_response(500, "internal", e.what());
            }
        });
    }

    // Runs `work` (which may block on a backend) on the lookup threads and answers with its
    // response from this session's executor; on this thread when there are no lookup threads.
    template <class Work>
    void answer_blocking(Work work) {
        if (lookups_ == nullptr) {  // lookup_threads 0: the I/O thread blocks on the backend
            respond(work());
            return;
        }
        asio::post(*lookups_, [self = shared_from_this(), work = std::move(work)]() mutable {
            ServiceResponse r = work();
            asio::post(self->stream_.get_executor(),
                       [self, r = std::move(r)]() mutable { self->respond(std::move(r)); });
        });
    }

    // The answer to req_ (it may block on a backend); an exception is a 500.
    ServiceResponse answer() {
        try {
            return handle_request(group_, instance_, req_.method_string(), req_.target(),
                                  req_.body());
        } catch (const std::exception& e) {
            return error_response(500, "internal", e.what());
        }
    }

    void respond(ServiceResponse r) {
        res_ = {};
        res_.version(req_.version());
        res_.result(static_cast<http::status>(r.status));
        res_.set(http::field::server, "volley-resolver");
        res_.set(http::field::content_type, r.content_type);
        for (const auto& [k, v] : r.headers) res_.set(k, v);
        res_.keep_alive(req_.keep_alive());
        res_.body() = std::move(r.body);
        res_.prepare_payload();
        stream_.expires_after(std::chrono::seconds(60));
        http::async_write(stream_, res_,
                          [self = shared_from_this()](beast::error_code wec, std::size_t) {
                              if (wec || !self->res_.keep_alive()) {
                                  self->close();
                                  return;
                              }
                              self->read();
                          });
    }

    // A request the parser gave up on gets its answer instead of a silent close: a request
    // line over the header limit 414, other header fields over it 431, a body over the body
    // limit 413, any other malformed request 400. nullopt: the peer went away or timed out.
    std::optional<ServiceResponse> refusal_for(beast::error_code ec) const {
        if (ec.category() != beast::http::make_error_code(http::error::bad_target).category())
            return std::nullopt;
        if (ec == http::error::end_of_stream || ec == http::error::partial_message)
            return std::nullopt;
        if (ec == http::error::header_limit) {
            // The parser gives the message its target as soon as the request line is complete
            // (and consumes the line and each whole field): none yet means the request line
            // alone is over the limit.
            if (parser_->get().target().empty())
                return error_response(
                    414, "uri_too_long",
                    fmt::format("the request line is longer than {} bytes", kHeaderLimitBytes));
            return error_response(
                431, "header_fields_too_large",
                fmt::format("the request header is longer than {} bytes", kHeaderLimitBytes));
        }
        if (ec == http::error::body_limit)
            return error_response(
                413, "content_too_large",
                fmt::format("the request body is longer than {} bytes", kBodyLimitBytes));
        return error_response(400, "bad_request", "malformed HTTP request: " + ec.message());
    }

    // Answers `r` and closes: the rest of the refused request cannot be told from the next one.
    void refuse(const ServiceResponse& r) {
        res_ = {};
        res_.version(11);
        res_.result(static_cast<http::status>(r.status));
        res_.set(http::field::server, "volley-resolver");
        res_.set(http::field::content_type, r.content_type);
        res_.keep_alive(false);
        res_.body() = r.body;
        res_.prepare_payload();
        stream_.expires_after(kLingerTime);
        http::async_write(stream_, res_,
                          [self = shared_from_this()](beast::error_code wec, std::size_t) {
                              if (wec) {
                                  self->close();
                                  return;
                              }
                              self->linger();
                          });
    }

    // Stops sending, then reads and drops what the client is still sending (up to
    // kLingerTime / kLingerBytes) before closing: closing with unread data would reset the
    // connection and could destroy the answer before the client reads it.
    void linger() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        drain(0);
    }

    void drain(std::size_t drained_bytes) {
        stream_.async_read_some(
            asio::buffer(drain_buffer_),
            [self = shared_from_this(), drained_bytes](beast::error_code ec, std::size_t n) {
                if (ec || drained_bytes + n > kLingerBytes) {
                    self->close();
                    return;
                }
                self->drain(drained_bytes + n);
            });
    }

    void close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.socket().close(ignored);
    }

    static constexpr std::size_t kHeaderLimitBytes =
        std::size_t{8} * 1024;  // request line + fields
    static constexpr std::size_t kBodyLimitBytes = 1 << 20;
    static constexpr auto kLingerTime = std::chrono::seconds(5);
    static constexpr std::size_t kLingerBytes = 4 << 20;
    std::array<char, std::size_t{16} * 1024> drain_buffer_{};

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::request<http::string_body> req_;
    http::response<http::string_body> res_;
    ResolverGroup& group_;
    std::size_t instance_;
    asio::thread_pool* lookups_;  // nullptr: requests that may block run on the I/O thread
    AsyncRedis* l2_;              // nullptr: L2 is read on the lookup threads
};

}  // namespace

struct HttpService::Impl {
    Impl(ResolverGroup& g, ServiceOptions o)
        : group(g),
          options(std::move(o)),
          acceptor(ioc),
          lookups(options.lookup_threads > 0 ? std::make_unique<asio::thread_pool>(
                                                   static_cast<std::size_t>(options.lookup_threads))
                                             : nullptr) {
        auto* redis = dynamic_cast<RedisL2*>(group.backends().l2.get());
        if (options.async_l2 && lookups && redis != nullptr)
            async_l2 = std::make_unique<AsyncRedis>(ioc, redis->options());
    }

    void accept() {
        acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
            if (ec) {
                if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
            } else {
                std::make_shared<Session>(std::move(socket), group, next_instance++, lookups.get(),
                                          async_l2.get())
                    ->start();
            }
            accept();
        });
    }

    ResolverGroup& group;
    ServiceOptions options;
    asio::io_context ioc;
    tcp::acceptor acceptor;
    std::unique_ptr<asio::thread_pool> lookups;
    std::unique_ptr<AsyncRedis> async_l2;  // after ioc: destroyed before it
    std::vector<std::thread> threads;
    std::atomic<std::size_t> next_instance{0};
    unsigned short bound_port = 0;
    bool running = false;
};

HttpService::HttpService(ResolverGroup& group, ServiceOptions options)
    : impl_(std::make_unique<Impl>(group, std::move(options))) {}

HttpService::~HttpService() { stop(); }

void HttpService::start() {
    if (impl_->running) return;
    beast::error_code ec;
    const auto address = asio::ip::make_address(impl_->options.address, ec);
    if (ec) throw std::runtime_error("resolver service: bad address " + impl_->options.address);
    const tcp::endpoint endpoint(address, impl_->options.port);
    auto& acc = impl_->acceptor;
    acc.open(endpoint.protocol(), ec);
    if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acc.bind(endpoint, ec);
    if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        throw std::runtime_error("resolver service: cannot listen on " + impl_->options.address +
                                 ":" + std::to_string(impl_->options.port) + ": " + ec.message());
    impl_->bound_port = acc.local_endpoint().port();
    impl_->accept();
    int n = impl_->options.threads;
    if (n <= 0) n = std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
    for (int i = 0; i < n; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
    impl_->running = true;
}

unsigned short HttpService::port() const { return impl_->bound_port; }

std::optional<HttpService::AsyncL2Stats> HttpService::async_l2_stats() const {
    if (!impl_->async_l2) return std::nullopt;
    const auto s = impl_->async_l2->stats();
    return AsyncL2Stats{s.replies, s.failed, s.connects, s.timeouts, s.fills, s.fill_failures};
}

void HttpService::stop() {
    if (!impl_->running) return;
    asio::post(impl_->ioc, [this] {
        beast::error_code ignored;
        impl_->acceptor.close(ignored);
    });
    impl_->ioc.stop();
    for (auto& t : impl_->threads) t.join();
    // Lookups still running finish; the answers they post to the stopped io_context are dropped
    // with it.
    if (impl_->lookups) impl_->lookups->join();
    impl_->threads.clear();
    impl_->running = false;
}

}  // namespace volley::resolver
