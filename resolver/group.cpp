#include "resolver/group.hpp"

#include "resolver/embedded/embedded_l2.hpp"
#include "resolver/embedded/embedded_store.hpp"
#include "resolver/pg/migrations.hpp"
#include "resolver/pg/pg_store.hpp"
#include "resolver/redis/redis_l2.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace volley::resolver {

std::string_view backend_name(ResolverConfig::Backend b) {
    return b == ResolverConfig::Backend::postgres ? "postgres" : "embedded";
}

// Background refresh of the generation clock from the live store (writes by other processes).
struct ResolverGroup::Poller {
    std::mutex mu;
    std::condition_variable cv;
    bool stop = false;
    std::thread thread;
};

namespace {

std::vector<EntityRow> dataset_rows(const ResolverConfig& cfg) {
    switch (cfg.dataset) {
        case ResolverConfig::Dataset::generated: return generate_tree(cfg.tree);
        case ResolverConfig::Dataset::geo_seed: return geo_seed();
        case ResolverConfig::Dataset::none: break;
    }
    return {};
}

}  // namespace

ResolverGroup::ResolverGroup(const ResolverConfig& cfg) : options_(cfg.resolver) {
    if (cfg.instances < 1) throw std::invalid_argument("resolver: instances must be >= 1");
    backends_.clock = std::make_shared<GenerationClock>();
    const bool postgres = cfg.backend == ResolverConfig::Backend::postgres;
    if (postgres && cfg.postgres_url.empty())
        throw std::invalid_argument("resolver: the postgres backend needs a postgres URL");

    auto l2_mode = cfg.l2;
    if (l2_mode == ResolverConfig::L2Mode::automatic)
        l2_mode = cfg.redis_url.empty() ? ResolverConfig::L2Mode::embedded
                                        : ResolverConfig::L2Mode::redis;
    if (l2_mode == ResolverConfig::L2Mode::redis && cfg.redis_url.empty())
        throw std::invalid_argument("resolver: l2 = redis needs a redis URL");
    std::optional<RedisOptions> redis;
    if (l2_mode == ResolverConfig::L2Mode::redis) {
        redis = parse_redis_url(cfg.redis_url);  // throws std::invalid_argument
        redis->timeout = cfg.redis_timeout;
        redis->connect_timeout = cfg.redis_connect_timeout;
        redis->pool_size = cfg.redis_pool_size;
        redis->backoff_base = cfg.backoff_base;
        redis->backoff_max = cfg.backoff_max;
    }

    std::vector<EntityRow> rows;
    if (!postgres || cfg.pg_load) rows = dataset_rows(cfg);  // throws std::invalid_argument

    if (!postgres) {
        embedded_ = std::make_shared<EmbeddedStore>();
        embedded_->load(rows);
        if (cfg.refresh_on_start) embedded_->refresh_views(Clock::now());
        backends_.live = embedded_;
        if (cfg.l3) backends_.view = embedded_;
        backends_.clock->advance_to(embedded_->data_generation(Clock::now()));
    } else {
        PgOptions po;
        po.url = cfg.postgres_url;
        po.schema = cfg.postgres_schema;
        po.pool_size = cfg.pg_pool_size;
        po.query_timeout = cfg.pg_query_timeout;
        po.backoff_base = cfg.backoff_base;
        po.backoff_max = cfg.backoff_max;
        try {
            if (cfg.pg_migrate) pg_migrate(po);
            if (cfg.pg_load) {
                pg_load_rows(po, rows);
                if (cfg.refresh_on_start) pg_refresh_views(po);
            }
        } catch (const std::exception& e) {
            throw std::runtime_error(std::string("resolver: postgres setup failed: ") + e.what());
        }
        auto store = std::make_shared<PgStore>(po);
        backends_.live = store;
        if (cfg.l3) backends_.view = store;
        try {
            backends_.clock->advance_to(
                store->data_generation(Clock::now() + std::chrono::seconds(5)));
        } catch (const BackendError&) {
            // Down at start: requests answer 503 until it is back; the poller catches up.
        }
        if (cfg.generation_poll.count() > 0) start_poller(cfg.generation_poll);
    }

    if (redis)
        backends_.l2 = std::make_shared<RedisL2>(*redis);
    else if (l2_mode == ResolverConfig::L2Mode::embedded)
        backends_.l2 = std::make_shared<EmbeddedL2>(cfg.embedded_l2_capacity);

    for (int i = 0; i < cfg.instances; ++i)
        instances_.push_back(std::make_unique<Resolver>(options_, backends_));

    description_ = fmt::format(
        "backend={} instances={} L1={} entries/instance L2={} L3={} L4={}",
        backend_name(cfg.backend), cfg.instances, options_.l1_capacity,
        backends_.l2 ? backends_.l2->kind() : "off",
        backends_.view ? (postgres ? "materialized views" : "embedded snapshot") : "off",
        postgres ? "postgres ltree" : "embedded paths");
}

ResolverGroup::ResolverGroup(const ResolverOptions& options, Backends backends, int instances)
    : options_(options), backends_(std::move(backends)) {
    if (instances < 1) throw std::invalid_argument("resolver: instances must be >= 1");
    for (int i = 0; i < instances; ++i)
        instances_.push_back(std::make_unique<Resolver>(options_, backends_));
    description_ = fmt::format("custom backends, instances={}", instances);
}

ResolverGroup::~ResolverGroup() {
    if (poller_) {
        {
            std::lock_guard lock(poller_->mu);
            poller_->stop = true;
        }
        poller_->cv.notify_all();
        poller_->thread.join();
    }
}

void ResolverGroup::start_poller(std::chrono::milliseconds interval) {
    poller_ = std::make_unique<Poller>();
    poller_->thread = std::thread([this, interval] {
        std::unique_lock lock(poller_->mu);
        while (!poller_->cv.wait_for(lock, interval, [this] { return poller_->stop; })) {
            lock.unlock();
            try {
                backends_.clock->advance_to(
                    backends_.live->data_generation(Clock::now() + options_.request_timeout));
            } catch (const std::exception&) {
                // Counted nowhere on purpose: requests see and count the outage themselves.
            }
            lock.lock();
        }
    });
}

MetricsSnapshot ResolverGroup::metrics() const {
    MetricsSnapshot m = instances_.front()->metrics();
    for (std::size_t i = 1; i < instances_.size(); ++i) m.merge(instances_[i]->metrics());
    return m;
}

HealthReport ResolverGroup::health() {
    HealthReport h;
    const Deadline deadline = Clock::now() + options_.request_timeout;
    if (backends_.l2) {
        h.l2_configured = true;
        try {
            backends_.l2->get(options_.l2_key_prefix + "healthz");
            h.l2_up = true;
        } catch (const std::exception& e) {
            h.detail = std::string("L2: ") + e.what();
        }
    }
    try {
        backends_.clock->advance_to(backends_.live->data_generation(deadline));
        h.l4_up = true;
    } catch (const std::exception& e) {
        if (h.detail.empty()) h.detail = std::string("L4: ") + e.what();
    }
    if (backends_.view) {
        h.l3_configured = true;
        h.l3_up = h.l4_up && backends_.view->view_available();
    }
    h.ok = h.l4_up;
    return h;
}

std::string ResolverGroup::describe() const { return description_; }

}  // namespace volley::resolver
