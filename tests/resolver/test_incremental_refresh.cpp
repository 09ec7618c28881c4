// Issue 16: refresh_hierarchy_views() recomputes only the rows the logged changes touched
// (resolver/sql/004_incremental_views.sql). Against REAL PostgreSQL 15 and Redis 7
// (VOLLEY_PG_URL, VOLLEY_REDIS_URL; FAILS when unset), in a schema of its own.
//
// After each batch of random writes (inserts, subtree moves, leaf deletions), the views an
// incremental refresh leaves must equal, row for row, the views a rebuild computes from scratch
// right after; and lookups answered by L3 must equal the answers computed from parent links.
#include "resolver/group.hpp"
#include "resolver/pg/migrations.hpp"
#include "resolver/pg/pg_pool.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include <fmt/format.h>

#include <random>
#include <string>
#include <vector>

using namespace volley::resolver;
using namespace volley::resolver::test;
using namespace std::chrono_literals;

namespace {

// Both views as text rows, in a stable order.
std::vector<std::string> view_rows(const PgOptions& options) {
    PgOptions o = options;
    o.query_timeout = 0ms;
    pqxx::connection c(pg_conninfo(o));
    pqxx::nontransaction tx(c);
    std::vector<std::string> out;
    for (const auto& r :
         tx.exec("SELECT 'a ' || ppath::text || ' ' || ancestor_ids::text || ' ' || children "
                 "FROM view_entity_ancestors ORDER BY ppath::text"))
        out.push_back(r[0].as<std::string>());
    for (const auto& r : tx.exec("SELECT 'c ' || entity_id || ' ' || descendant_count "
                                 "FROM view_descendant_counts ORDER BY entity_id"))
        out.push_back(r[0].as<std::string>());
    return out;
}

std::size_t pending_changes(const PgOptions& options) {
    PgOptions o = options;
    o.query_timeout = 0ms;
    pqxx::connection c(pg_conninfo(o));
    pqxx::nontransaction tx(c);
    return tx.exec1("SELECT count(*) FROM hierarchy_changes")[0].as<std::size_t>();
}

// The current tree as rows (parents before children), for the independent computation.
std::vector<EntityRow> current_rows(const PgOptions& options) {
    PgOptions o = options;
    o.query_timeout = 0ms;
    pqxx::connection c(pg_conninfo(o));
    pqxx::nontransaction tx(c);
    std::vector<EntityRow> rows;
    for (const auto& r : tx.exec("SELECT entity_id, name, COALESCE(parent_id, ''), path::text "
                                 "FROM entities ORDER BY path_depth, entity_id"))
        rows.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                        r[3].as<std::string>()});
    return rows;
}

void delete_leaf(const PgOptions& options, const std::string& id) {
    PgOptions o = options;
    o.query_timeout = 0ms;
    pqxx::connection c(pg_conninfo(o));
    pqxx::work tx(c);
    tx.exec_params(
        "DELETE FROM entities WHERE entity_id = $1 AND NOT EXISTS "
        "(SELECT 1 FROM entities c WHERE c.parent_id = $1)",
        id);
    tx.commit();
}

// L3 and L4 only: every answer comes from the views or the source.
ResolverConfig view_only_config(const PgSchema& schema) {
    ResolverConfig cfg = pg_test_config(schema);
    cfg.resolver.l1_capacity = 0;
    return cfg;
}

}  // namespace

TEST_CASE("postgres: an incremental view refresh leaves the views a rebuild computes",
          "[postgres]") {
    (void)require_env("VOLLEY_REDIS_URL");
    PgSchema schema(require_env("VOLLEY_PG_URL"));
    const auto initial = generate_tree({2000, 5, 6});
    pg_load_rows(schema.options, initial);
    pg_refresh_views(schema.options);
    ResolverGroup g(view_only_config(schema));

    std::mt19937 rng(20261206);
    std::vector<std::string> ids;
    for (const auto& r : initial) ids.push_back(r.entity_id);
    auto pick = [&] {
        return ids[std::uniform_int_distribution<std::size_t>(0, ids.size() - 1)(rng)];
    };
    int inserted = 0;
    for (int batch = 0; batch < 6; ++batch) {
        INFO("batch " << batch);
        for (int w = 0; w < 12; ++w) {
            const int kind = std::uniform_int_distribution<int>(0, 3)(rng);
            if (kind == 0) {  // a new leaf under any entity
                const std::string id = fmt::format("new_{}", inserted++);
                REQUIRE(g.upsert_entity({id, "", pick()}).ok());
                ids.push_back(id);
            } else if (kind == 1) {  // a subtree moved (cycles are refused, and fine)
                const auto w_result = g.upsert_entity({pick(), "", pick()});
                CHECK(w_result.status != WriteStatus::unavailable);
            } else if (kind == 2) {  // a subtree made a root
                REQUIRE(g.upsert_entity({pick(), "", ""}).ok());
            } else {  // a leaf deleted (no-op for an entity with children)
                delete_leaf(schema.options, pick());
            }
        }
        const std::size_t pending = pending_changes(schema.options);
        REQUIRE(pending > 0);
        REQUIRE(pending <= 5000);  // the incremental path, not the rebuild a bulk load takes
        REQUIRE(g.refresh_views().ok());
        const auto incremental = view_rows(schema.options);
        pg_refresh_views(schema.options, ViewRefresh::rebuild);
        const auto rebuilt = view_rows(schema.options);
        REQUIRE(incremental.size() == rebuilt.size());
        for (std::size_t i = 0; i < rebuilt.size(); ++i) {
            INFO("row " << i);
            REQUIRE(incremental[i] == rebuilt[i]);
        }
    }

    // And L3 answers what the parent links say.
    const auto rows = current_rows(schema.options);
    const auto expected = expected_from_parents(rows);
    ResolverGroup cold(view_only_config(schema));
    int from_view = 0;
    for (const auto& r : rows) {
        auto a = cold[0].ancestors(r.entity_id);
        REQUIRE(a.ok());
        CHECK(a.value->ids == expected.ancestors.at(r.entity_id));
        auto n = cold[0].descendant_count(r.entity_id);
        REQUIRE(n.ok());
        CHECK(n.value == expected.counts.at(r.entity_id));
        from_view += a.served_by == Tier::l3_view ? 1 : 0;
    }
    CHECK(from_view == static_cast<int>(rows.size()));
}

TEST_CASE("postgres: incremental refresh with path levels that have no rows (geographic seed)",
          "[postgres]") {
    (void)require_env("VOLLEY_REDIS_URL");
    PgSchema schema(require_env("VOLLEY_PG_URL"));
    pg_load_rows(schema.options, geo_seed());
    pg_refresh_views(schema.options);
    ResolverGroup g(view_only_config(schema));
    // A row appears at a level that had none, then a country moves below it and back out.
    REQUIRE(g.upsert_entity({"east_asia", "East Asia", "asia"}).ok());
    REQUIRE(g.refresh_views().ok());
    const auto after_insert = view_rows(schema.options);
    pg_refresh_views(schema.options, ViewRefresh::rebuild);
    CHECK(after_insert == view_rows(schema.options));
    REQUIRE(g.upsert_entity({"india", "", "east_asia"}).ok());
    REQUIRE(g.upsert_entity({"east_asia", "", "europe"}).ok());
    REQUIRE(g.refresh_views().ok());
    const auto after_moves = view_rows(schema.options);
    pg_refresh_views(schema.options, ViewRefresh::rebuild);
    CHECK(after_moves == view_rows(schema.options));
    // L3 answers as L4 does for every entity (paths decide: japan moved with east_asia's path).
    ResolverGroup cold(view_only_config(schema));
    auto live_cfg = view_only_config(schema);
    live_cfg.l3 = false;
    ResolverGroup live(live_cfg);
    for (const auto& r : current_rows(schema.options)) {
        INFO(r.entity_id);
        auto a = cold[0].ancestors(r.entity_id);
        CHECK(a.served_by == Tier::l3_view);
        CHECK(a.value->ids == live[0].ancestors(r.entity_id).value->ids);
        auto n = cold[0].descendant_count(r.entity_id);
        CHECK(n.served_by == Tier::l3_view);
        CHECK(n.value == live[0].descendant_count(r.entity_id).value);
    }
    CHECK(cold[0].ancestors("india").value->ids ==
          std::vector<std::string>{"world", "europe", "east_asia"});
    CHECK(cold[0].descendant_count("europe").value == 5);
}
