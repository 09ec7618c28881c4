// Fault handling against real servers stopped mid-run. Redis: a throwaway redis-server (with
// PostgreSQL from VOLLEY_PG_URL); PostgreSQL: a throwaway cluster (initdb as user postgres).
// The throwaway servers keep the shared ones untouched, so other tests can run in parallel.
#include "resolver/group.hpp"
#include "resolver/pg/migrations.hpp"
#include "resolver/service/http_service.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <random>
#include <thread>

using namespace volley::resolver;
using namespace volley::resolver::test;
using namespace std::chrono_literals;

namespace {

std::uint64_t accounted(const MetricsSnapshot& m) {
    return m.served(Tier::l1_memory) + m.served(Tier::l2_redis) + m.served(Tier::l3_view) +
           m.served(Tier::l4_live) + m.status_total(Status::invalid_id) +
           m.status_total(Status::unavailable) + m.status_total(Status::timeout);
}

// Two threads issuing lookups over `ids` until stopped. Every answer given (status ok) is checked
// against `expected` (computed from parent links alone): a fault may turn answers into errors,
// never into wrong answers.
class Load {
public:
    Load(ResolverGroup& g, std::vector<std::string> ids, const Expected& expected)
        : ids_(std::move(ids)), expected_(expected) {
        for (int t = 0; t < 2; ++t)
            threads_.emplace_back([this, &g, t] {
                std::mt19937 rng(t);
                Resolver& r = g[static_cast<std::size_t>(t) % g.size()];
                while (!stop_.load()) {
                    const auto& id = ids_[rng() % ids_.size()];
                    if (rng() % 2 == 0) {
                        const auto answer = r.ancestors(id);
                        if (answer.ok() && answer.value->ids != expected_.ancestors.at(id))
                            wrong_.fetch_add(1);
                    } else {
                        const auto answer = r.descendant_count(id);
                        if (answer.ok() && answer.value != expected_.counts.at(id))
                            wrong_.fetch_add(1);
                    }
                    issued_.fetch_add(1);
                }
            });
    }
    std::uint64_t finish() {
        stop_ = true;
        for (auto& t : threads_) t.join();
        threads_.clear();
        return issued_.load();
    }
    // Answers given (ok) that differ from the expected ones.
    [[nodiscard]] std::uint64_t wrong_answers() const { return wrong_.load(); }
    ~Load() {
        if (!threads_.empty()) finish();
    }
    Load(const Load&) = delete;
    Load& operator=(const Load&) = delete;

private:
    std::vector<std::string> ids_;
    const Expected& expected_;
    std::atomic<bool> stop_{false};
    std::atomic<std::uint64_t> issued_{0};
    std::atomic<std::uint64_t> wrong_{0};
    std::vector<std::thread> threads_;
};

std::vector<std::string> all_ids(const std::vector<EntityRow>& rows) {
    std::vector<std::string> ids;
    ids.reserve(rows.size());
    for (const auto& r : rows) ids.push_back(r.entity_id);
    return ids;
}

}  // namespace

TEST_CASE("Redis killed mid-run: requests continue from L3/L4, counted, never wrong; L2 comes back",
          "[faults][postgres]") {
    const auto pg_url = require_env("VOLLEY_PG_URL");
    RedisProcess redis;
    PgSchema schema(pg_url);
    const auto rows = generate_tree({1000, 5, 6});
    pg_load_rows(schema.options, rows);
    pg_refresh_views(schema.options);

    ResolverConfig cfg;
    cfg.backend = ResolverConfig::Backend::postgres;
    cfg.postgres_url = pg_url;
    cfg.postgres_schema = schema.options.schema;
    cfg.pg_migrate = false;
    cfg.redis_url = redis.url();
    cfg.instances = 2;
    cfg.resolver.l1_capacity = 50;
    cfg.resolver.request_timeout = 5000ms;
    cfg.pg_query_timeout = 5000ms;
    cfg.redis_timeout = 200ms;
    cfg.backoff_base = 20ms;
    cfg.backoff_max = 200ms;
    ResolverGroup g(cfg);

    const auto expected = expected_from_parents(rows);
    Load load(g, all_ids(rows), expected);
    std::this_thread::sleep_for(300ms);
    const auto before = g.metrics();
    CHECK(before.served(Tier::l2_redis) > 0);
    redis.kill();  // SIGKILL: connections die mid-command, nothing is flushed
    std::this_thread::sleep_for(500ms);
    const auto during = g.metrics();
    CHECK_FALSE(during.l2_available);
    redis.start();  // same port, empty
    std::this_thread::sleep_for(800ms);
    const auto issued = load.finish();
    CHECK(load.wrong_answers() == 0);

    const auto m = g.metrics();
    CHECK(m.requests() == issued);
    CHECK(accounted(m) == m.requests());
    CHECK(m.status_total(Status::unavailable) == 0);
    CHECK(m.status_total(Status::timeout) == 0);
    CHECK(m.probes[1].errors + m.probes[1].skipped > 0);  // the outage was seen and counted
    CHECK(m.served(Tier::l3_view) + m.served(Tier::l4_live) >
          before.served(Tier::l3_view) + before.served(Tier::l4_live));
    CHECK(m.served(Tier::l2_redis) > during.served(Tier::l2_redis));  // L2 is back

    // And explicitly: one instance fills L2, the other reads it.
    g[0].clear_l1();
    g[1].clear_l1();
    (void)g[0].ancestors("entity_000123");
    CHECK(g[1].ancestors("entity_000123").served_by == Tier::l2_redis);
    CHECK(g.metrics().l2_available);
}

TEST_CASE("PostgreSQL crashed mid-run: errors counted, never a wrong answer, 503, then recovers",
          "[faults]") {
    PostgresProcess pg;
    PgSchema schema(pg.url());
    const auto rows = generate_tree({500, 5, 5});
    pg_load_rows(schema.options, rows);
    pg_refresh_views(schema.options);

    ResolverConfig cfg;
    cfg.backend = ResolverConfig::Backend::postgres;
    cfg.postgres_url = pg.url();
    cfg.postgres_schema = schema.options.schema;
    cfg.pg_migrate = false;
    cfg.l2 = ResolverConfig::L2Mode::off;
    cfg.instances = 2;
    cfg.resolver.l1_capacity = 20;
    cfg.resolver.request_timeout = 2000ms;
    cfg.pg_query_timeout = 2000ms;
    cfg.backoff_base = 20ms;
    cfg.backoff_max = 200ms;
    ResolverGroup g(cfg);
    REQUIRE(g[0].ancestors("entity_000001").ok());  // cached in L1 of instance 0

    const auto expected = expected_from_parents(rows);
    Load load(g, all_ids(rows), expected);
    std::this_thread::sleep_for(200ms);
    pg.crash();
    std::this_thread::sleep_for(400ms);

    auto cold = handle_request(g, 1, "GET", "/entities/entity_000499/descendants/count", "");
    CHECK(cold.status == 503);
    CHECK(handle_request(g, 0, "GET", "/healthz", "").status == 503);
    CHECK(handle_request(g, 0, "POST", "/admin/refresh", "").status == 503);
    CHECK(handle_request(g, 0, "POST", "/entities",
                         R"({"entity_id":"n1","name":"N","parent_id":"entity_000000"})")
              .status == 503);
    const auto mid = g.metrics();
    CHECK(mid.status_total(Status::unavailable) > 0);
    CHECK_FALSE(mid.l4_available);

    pg.start();
    bool recovered = false;
    for (int i = 0; i < 100 && !recovered; ++i) {
        recovered =
            handle_request(g, 1, "GET", "/entities/entity_000499/descendants/count", "").status ==
            200;
        if (!recovered) std::this_thread::sleep_for(50ms);
    }
    CHECK(recovered);
    std::this_thread::sleep_for(300ms);
    const auto issued = load.finish();
    CHECK(load.wrong_answers() == 0);
    CHECK(handle_request(g, 0, "GET", "/healthz", "").status == 200);

    const auto m = g.metrics();
    CHECK(accounted(m) == m.requests());
    CHECK(m.requests() >= issued);
    CHECK(m.status_total(Status::unavailable) >= mid.status_total(Status::unavailable));
    CHECK(m.served(Tier::l3_view) + m.served(Tier::l4_live) >
          mid.served(Tier::l3_view) + mid.served(Tier::l4_live));  // answered again after restart
    CHECK(g[0].ancestors("entity_000006").value->ids ==
          std::vector<std::string>{"entity_000000", "entity_000001"});
}
