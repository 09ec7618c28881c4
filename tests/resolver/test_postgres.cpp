// Against REAL PostgreSQL 15 and Redis 7 (VOLLEY_PG_URL, VOLLEY_REDIS_URL; the tests FAIL when
// unset). Each test works in its own PostgreSQL schema and Redis key prefix.
#include "resolver/group.hpp"
#include "resolver/pg/migrations.hpp"
#include "resolver/service/http_service.hpp"
#include "support.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include <random>
#include <thread>

using namespace volley::resolver;
using namespace volley::resolver::test;
using namespace std::chrono_literals;

namespace {

ResolverConfig pg_config(const PgSchema& schema, const std::string& redis_url, int instances = 1) {
    ResolverConfig cfg;
    cfg.backend = ResolverConfig::Backend::postgres;
    cfg.postgres_url = schema.options.url;
    cfg.postgres_schema = schema.options.schema;
    cfg.pg_migrate = false;  // PgSchema migrated it
    cfg.redis_url = redis_url;
    cfg.instances = instances;
    cfg.pg_query_timeout = 5000ms;  // generous: CI machines are slow and shared
    cfg.redis_timeout = 1000ms;
    cfg.resolver.request_timeout = 10'000ms;
    cfg.resolver.l2_key_prefix = unique_name("volley_test") + ":";
    cfg.generation_poll = 50ms;
    return cfg;
}

void load(const PgSchema& schema, const std::vector<EntityRow>& rows) {
    pg_load_rows(schema.options, rows);
    pg_refresh_views(schema.options);
}

std::uint64_t accounted(const MetricsSnapshot& m) {
    return m.served(Tier::l1_memory) + m.served(Tier::l2_redis) + m.served(Tier::l3_view) +
           m.served(Tier::l4_live) + m.status_total(Status::invalid_id) +
           m.status_total(Status::unavailable) + m.status_total(Status::timeout);
}

}  // namespace

TEST_CASE("postgres: generated tree answers equal the independent computation on every tier",
          "[postgres]") {
    const auto pg_url = require_env("VOLLEY_PG_URL");
    const auto redis_url = require_env("VOLLEY_REDIS_URL");
    PgSchema schema(pg_url);
    const auto rows = generate_tree({3000, 6, 6});
    load(schema, rows);
    const auto e = expected_from_parents(rows);
    const auto ids = sample_ids(rows, 150);

    ResolverGroup g(pg_config(schema, redis_url, 2));
    check_sample(g[0], e, ids, Tier::l3_view);
    check_sample(g[0], e, ids, Tier::l1_memory);
    check_sample(g[1], e, ids, Tier::l2_redis);

    auto live_cfg = pg_config(schema, redis_url);
    live_cfg.l3 = false;
    live_cfg.l2 = ResolverConfig::L2Mode::off;
    ResolverGroup g4(live_cfg);
    check_sample(g4[0], e, ids, Tier::l4_live);
    CHECK(g4[0].ancestors("entity_999999").status == Status::not_found);
    CHECK(g4[0].descendant_count("entity_999999").status == Status::not_found);
    const auto m = g.metrics();
    REQUIRE(m.pool);
    CHECK(m.pool->max_in_use <= m.pool->size);
    // Every view read leased a connection (the generation poll leases more).
    CHECK(m.pool->leases >= ids.size());
    CHECK(m.pool->leased_ns > 0);
    CHECK(m.l2_available);
}

TEST_CASE("postgres: geographic seed fixture, including levels without rows", "[postgres]") {
    const auto pg_url = require_env("VOLLEY_PG_URL");
    const auto redis_url = require_env("VOLLEY_REDIS_URL");
    PgSchema schema(pg_url);
    load(schema, geo_seed());
    const auto e = expected_from_parents(geo_seed());
    std::vector<std::string> ids;
    for (const auto& r : geo_seed()) ids.push_back(r.entity_id);
    ResolverGroup g(pg_config(schema, redis_url, 2));
    check_sample(g[0], e, ids, Tier::l3_view);
    check_sample(g[1], e, ids, Tier::l2_redis);
    auto live_cfg = pg_config(schema, redis_url);
    live_cfg.l3 = false;
    live_cfg.l2 = ResolverConfig::L2Mode::off;
    ResolverGroup g4(live_cfg);
    check_sample(g4[0], e, ids, Tier::l4_live);
    CHECK(g[0].ancestors("united_states").value->ids ==
          std::vector<std::string>{"world", "north_america"});
    CHECK(g[0].descendant_count("world").value == 9);
}

TEST_CASE("postgres: writes and refreshes are visible on the next request", "[postgres]") {
    const auto pg_url = require_env("VOLLEY_PG_URL");
    const auto redis_url = require_env("VOLLEY_REDIS_URL");
    PgSchema schema(pg_url);
    load(schema, geo_seed());
    ResolverGroup g(pg_config(schema, redis_url, 2));
    for (std::size_t i = 0; i < 2; ++i) {
        REQUIRE(g[i].ancestors("france").ok());
        REQUIRE(g[i].descendant_count("asia").ok());
        REQUIRE(g[i].descendant_count("europe").ok());
    }
    REQUIRE(g[1].ancestors("france").served_by == Tier::l1_memory);

    auto w = g.upsert_entity({"france", "France", "asia"});
    REQUIRE(w.status == WriteStatus::moved);
    CHECK(w.path == "world.asia.france");
    for (std::size_t i = 0; i < 2; ++i) {
        auto a = g[i].ancestors("france");
        REQUIRE(a.ok());
        CHECK(a.value->ids == std::vector<std::string>{"world", "asia"});
        CHECK(a.served_by != Tier::l1_memory);
        CHECK(a.served_by != Tier::l3_view);
        CHECK(g[i].descendant_count("asia").value == 3);
        CHECK(g[i].descendant_count("europe").value == 1);
    }
    // Per entity: unchanged entities still come from the view, changed ones from L4.
    auto fresh_cfg = pg_config(schema, redis_url);
    fresh_cfg.l2 = ResolverConfig::L2Mode::off;
    {
        ResolverGroup cold(fresh_cfg);
        CHECK(cold[0].ancestors("japan").served_by == Tier::l3_view);
        CHECK(cold[0].ancestors("france").served_by == Tier::l4_live);
        CHECK(cold[0].descendant_count("asia").served_by == Tier::l4_live);
        CHECK(cold[0].descendant_count("europe").served_by == Tier::l4_live);
        CHECK(cold[0].descendant_count("north_america").served_by == Tier::l3_view);
    }
    // An intermediate level gets a row: entities below it change without their path changing.
    REQUIRE(g.upsert_entity({"east_asia", "East Asia", "asia"}).status == WriteStatus::inserted);
    {
        ResolverGroup cold(fresh_cfg);
        auto japan = cold[0].ancestors("japan");
        CHECK(japan.served_by == Tier::l4_live);
        CHECK(japan.value->ids == std::vector<std::string>{"world", "asia", "east_asia"});
    }
    CHECK(g[0].ancestors("japan").value->ids ==
          std::vector<std::string>{"world", "asia", "east_asia"});

    auto r = g.refresh_views();
    REQUIRE(r.ok());
    CHECK(r.duration_ms > 0);
    {
        ResolverGroup cold(fresh_cfg);
        auto japan = cold[0].ancestors("japan");
        CHECK(japan.served_by == Tier::l3_view);
        CHECK(japan.value->ids == std::vector<std::string>{"world", "asia", "east_asia"});
        CHECK(cold[0].descendant_count("asia").served_by == Tier::l3_view);
        CHECK(cold[0].descendant_count("asia").value == 4);
    }
    CHECK(g[1].descendant_count("world").value == 10);
    CHECK(g.upsert_entity({"asia", "Asia", "japan"}).status == WriteStatus::cycle);
    CHECK(g.upsert_entity({"x1", "X", "nowhere"}).status == WriteStatus::parent_not_found);
}

TEST_CASE("postgres: a write by another process invalidates within the poll interval",
          "[postgres]") {
    const auto pg_url = require_env("VOLLEY_PG_URL");
    const auto redis_url = require_env("VOLLEY_REDIS_URL");
    PgSchema schema(pg_url);
    load(schema, geo_seed());
    ResolverGroup g(pg_config(schema, redis_url));
    REQUIRE(g[0].ancestors("mexico").value->ids.size() == 2);
    {
        // Another writer, straight SQL: move mexico below the united_states.
        pqxx::connection c(pg_conninfo(schema.options));
        pqxx::work tx(c);
        tx.exec(
            "UPDATE entities SET path = "
            "'world.north_america.northern_america.united_states.mexico', "
            "path_depth = 5, parent_id = 'united_states' WHERE entity_id = 'mexico'");
        tx.commit();
    }
    std::vector<std::string> now;
    for (int i = 0; i < 100; ++i) {
        now = g[0].ancestors("mexico").value->ids;
        if (now.size() == 3) break;
        std::this_thread::sleep_for(20ms);
    }
    CHECK(now == std::vector<std::string>{"world", "north_america", "united_states"});
}

TEST_CASE("postgres: served-by counts add up to requests under 2 threads", "[postgres]") {
    const auto pg_url = require_env("VOLLEY_PG_URL");
    const auto redis_url = require_env("VOLLEY_REDIS_URL");
    PgSchema schema(pg_url);
    const auto rows = generate_tree({2000, 5, 6});
    load(schema, rows);
    auto cfg = pg_config(schema, redis_url, 2);
    cfg.resolver.l1_capacity = 100;
    cfg.pg_pool_size = 4;
    ResolverGroup g(cfg);
    constexpr int per_thread = 3000;
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t)
        threads.emplace_back([&, t] {
            std::mt19937 rng(t + 7);
            for (int i = 0; i < per_thread; ++i) {
                const int pick = static_cast<int>(rng() % 100);
                std::string id = pick == 0   ? "bad-id"
                                 : pick == 1 ? "entity_777777"
                                             : rows[rng() % 400].entity_id;
                if (i % 2 == 0)
                    (void)g[static_cast<std::size_t>(t)].ancestors(id);
                else
                    (void)g[static_cast<std::size_t>(t)].descendant_count(id);
                if (t == 0 && i == per_thread / 2) {
                    REQUIRE(g.upsert_entity({"entity_000399", "", "entity_000001"}).ok());
                }
            }
        });
    for (auto& t : threads) t.join();
    const auto m = g.metrics();
    CHECK(m.requests() == 2 * per_thread);
    CHECK(accounted(m) == m.requests());
    CHECK(m.status_total(Status::unavailable) + m.status_total(Status::timeout) == 0);
    for (int t = 1; t <= 4; ++t) CHECK(m.served(tier_from_number(t)) > 0);
    REQUIRE(m.pool);
    CHECK(m.pool->max_in_use <= 4);
}

TEST_CASE("postgres: migrations are idempotent; service endpoints over real backends",
          "[postgres][service]") {
    const auto pg_url = require_env("VOLLEY_PG_URL");
    const auto redis_url = require_env("VOLLEY_REDIS_URL");
    PgSchema schema(pg_url);
    CHECK(pg_migrate(schema.options) == 0);
    load(schema, geo_seed());
    ResolverGroup g(pg_config(schema, redis_url));
    auto r = handle_request(g, 0, "GET", "/entities/india/ancestors", "");
    CHECK(r.status == 200);
    CHECK(boost::json::parse(r.body).as_object()["ancestors"] ==
          boost::json::parse(R"(["world","asia"])"));
    auto refresh = handle_request(g, 0, "POST", "/admin/refresh", "");
    CHECK(refresh.status == 200);
    CHECK(boost::json::parse(refresh.body).as_object()["duration_ms"].as_double() > 0);
    auto health = handle_request(g, 0, "GET", "/healthz", "");
    CHECK(health.status == 200);
    CHECK(boost::json::parse(health.body).as_object()["status"] == "ok");
    auto metrics = handle_request(g, 0, "GET", "/metrics", "");
    CHECK(metrics.body.find("volley_resolver_pg_pool_utilization") != std::string::npos);
}
