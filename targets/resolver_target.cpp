#include "targets/resolver_target.hpp"

#include "resolver/group.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <fmt/format.h>

#include <atomic>
#include <optional>
#include <vector>

namespace volley::targets {
namespace asio = boost::asio;
using engine::Outcome;

struct ResolverTarget::Pool {
    explicit Pool(std::size_t threads) : pool(threads) {}
    ~Pool() { pool.join(); }
    asio::thread_pool pool;
};

namespace {

enum class Call { ancestors, descendant_count, unknown };

// "/entities/{id}/ancestors" or "/entities/{id}/descendants/count" (query string ignored).
Call route(std::string_view path, std::string_view& id) {
    if (const auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
    constexpr std::string_view prefix = "/entities/";
    if (path.substr(0, prefix.size()) != prefix) return Call::unknown;
    path.remove_prefix(prefix.size());
    const auto slash = path.find('/');
    if (slash == std::string_view::npos) return Call::unknown;
    id = path.substr(0, slash);
    const auto rest = path.substr(slash);
    if (rest == "/ancestors") return Call::ancestors;
    if (rest == "/descendants/count") return Call::descendant_count;
    return Call::unknown;
}

Outcome outcome_of(resolver::Status status) {
    switch (status) {
        case resolver::Status::ok: return Outcome::ok;
        case resolver::Status::not_found: return Outcome::not_found;
        case resolver::Status::invalid_id: return Outcome::http_4xx;
        case resolver::Status::unavailable: return Outcome::http_5xx;
        case resolver::Status::timeout: return Outcome::timeout;
    }
    return Outcome::protocol_error;
}

constexpr std::string_view kUnknownCall =
    "no resolver call at this path (GET /entities/{id}/ancestors or "
    "/entities/{id}/descendants/count)";

// Why a lookup did not succeed, into `out` (reused): the resolver's own cause when it gives one.
void describe(std::string& out, resolver::Status status, const std::string& cause) {
    out.clear();
    switch (status) {
        case resolver::Status::ok: return;
        case resolver::Status::not_found: out = "entity not found"; break;
        case resolver::Status::invalid_id: out = "invalid entity id"; break;
        case resolver::Status::unavailable: out = "resolver unavailable"; break;
        case resolver::Status::timeout: out = "resolver lookup timed out"; break;
    }
    if (!cause.empty()) out.append(": ").append(cause);
}

class Session final : public engine::TargetSession {
public:
    Session(resolver::ResolverGroup& group, asio::thread_pool* pool,
            const engine::SessionContext& context)
        : group_(group),
          pool_(pool),
          io_(context.io),
          sink_(context.sink),
          slots_(context.slots),
          ids_(context.slots),
          details_(context.slots),
          busy_(context.slots, false),
          next_instance_(context.worker_index) {}

    [[nodiscard]] std::size_t slot_count() const override { return slots_; }

    void send(std::size_t slot, const engine::PreparedRequest& request) override {
        std::string_view id;
        const Call call = route(request.target, id);
        // Instances take turns, as a load balancer in front of N resolver processes would.
        resolver::Resolver& instance = group_.instance(next_instance_++ % group_.size());
        if (call == Call::unknown) {
            details_[slot].assign(kUnknownCall);
            complete_later(slot, engine::Completion{Outcome::http_4xx, 0});
            return;
        }
        // L1 hits and malformed ids are answered here, on the worker's thread: only lookups
        // that need a backend pay the hand-over to the pool and back.
        if (auto answered = answer_in_memory(slot, instance, call, id)) {
            complete_later(slot, *answered);
            return;
        }
        ids_[slot].assign(id);  // the request's bytes are only valid during this call
        busy_[slot] = true;
        auto lookup = [this, slot, call, &instance] {
            const auto& key = ids_[slot];
            return call == Call::ancestors ? completion_of(slot, instance.ancestors(key))
                                           : completion_of(slot, instance.descendant_count(key));
        };
        if (pool_) {
            ++in_pool_;
            asio::post(*pool_, [this, slot, lookup] {
                const auto completion = lookup();
                asio::post(io_, [this, slot, completion] {
                    --in_pool_;
                    finish(slot, completion);
                });
            });
        } else {
            // Complete through the io_context, never inside send(): the engine may send again
            // from the completion, and recursion would grow the stack without bound.
            asio::post(io_, [this, slot, lookup] {
                if (!aborted_) finish(slot, lookup());
            });
        }
    }

    // Lookups cannot be cancelled: pending ones complete now as `cancelled` and their late
    // answers are ignored.
    void abort_all() override {
        aborted_ = true;
        for (std::size_t slot = 0; slot < slots_; ++slot) {
            if (!busy_[slot]) continue;
            busy_[slot] = false;
            sink_.on_complete(slot, engine::Completion{Outcome::cancelled, 0});
        }
    }

    ~Session() override {
        // Pool lookups hold `this`: wait until they have handed their completion back. The
        // worker (our sink) is being destroyed, so nothing is delivered any more.
        aborted_ = true;
        io_.restart();
        while (in_pool_ > 0) io_.poll();
    }

private:
    void finish(std::size_t slot, engine::Completion completion) {
        if (aborted_ || !busy_[slot]) return;
        busy_[slot] = false;
        if (completion.outcome != Outcome::ok) completion.error_detail = details_[slot];
        sink_.on_complete(slot, completion);
    }

    // The completion of a lookup that needs no backend (Resolver::ancestors_in_memory), or
    // nullopt: then a backend is needed.
    std::optional<engine::Completion> answer_in_memory(std::size_t slot,
                                                       resolver::Resolver& instance, Call call,
                                                       std::string_view id) {
        if (call == Call::ancestors) {
            if (auto r = instance.ancestors_in_memory(id)) return completion_of(slot, *r);
        } else if (auto r = instance.descendant_count_in_memory(id)) {
            return completion_of(slot, *r);
        }
        return std::nullopt;
    }

    // A lookup's result as the completion of `slot`; why it failed goes to details_[slot],
    // which belongs to this lookup until its completion is delivered.
    template <typename Result>
    engine::Completion completion_of(std::size_t slot, const Result& result) {
        if (!result.ok()) describe(details_[slot], result.status, result.error);
        return engine::Completion{outcome_of(result.status),
                                  static_cast<engine::TierIndex>(result.served_by)};
    }

    void complete_later(std::size_t slot, engine::Completion completion) {
        busy_[slot] = true;
        asio::post(io_, [this, slot, completion] { finish(slot, completion); });
    }

    resolver::ResolverGroup& group_;
    asio::thread_pool* pool_;
    asio::io_context& io_;
    engine::CompletionSink& sink_;
    std::size_t slots_;
    std::vector<std::string> ids_;      // one per slot, reused
    std::vector<std::string> details_;  // per slot: why its last lookup failed, reused
    std::vector<bool> busy_;
    std::size_t next_instance_;
    std::atomic<std::size_t> in_pool_{0};
    bool aborted_ = false;
};

}  // namespace

ResolverTarget::ResolverTarget(std::shared_ptr<resolver::ResolverGroup> group,
                               std::size_t blocking_threads)
    : group_(std::move(group)),
      pool_(blocking_threads > 0 ? std::make_unique<Pool>(blocking_threads) : nullptr) {}

ResolverTarget::~ResolverTarget() = default;

std::unique_ptr<engine::TargetSession> ResolverTarget::open_session(
    const engine::SessionContext& context) {
    return std::make_unique<Session>(*group_, pool_ ? &pool_->pool : nullptr, context);
}

std::vector<std::string> ResolverTarget::notices() const { return {group_->describe()}; }

}  // namespace volley::targets
