// The deliberately naive ancestors walk (resolver/naive_walk.hpp) and its HTTP route
// GET /entities/{id}/ancestors/naive: the same answer as the LTREE lookup, exactly
// max(depth, 1) live-store calls, no cache tier touched; and against real PostgreSQL.
#include "fakes/resolver_fakes.hpp"
#include "resolver/group.hpp"
#include "resolver/naive_walk.hpp"
#include "resolver/pg/migrations.hpp"
#include "resolver/pg/pg_store.hpp"
#include "resolver/service/http_service.hpp"
#include "support.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

using namespace volley::resolver;
using namespace volley::resolver::test;
using namespace std::chrono_literals;

namespace {

Deadline soon() { return Clock::now() + 10s; }

// Number of ancestors = dots in the path (a row at every level in a generated tree).
std::size_t depth_of(const EntityRow& row) {
    return static_cast<std::size_t>(std::count(row.path.begin(), row.path.end(), '.'));
}

// Up to `per_depth` ids of every depth of rows, keyed by depth.
std::map<std::size_t, std::vector<std::string>> ids_by_depth(const std::vector<EntityRow>& rows,
                                                             std::size_t per_depth) {
    std::map<std::size_t, std::vector<std::string>> out;
    for (const auto& r : rows) {
        auto& ids = out[depth_of(r)];
        if (ids.size() < per_depth) ids.push_back(r.entity_id);
    }
    return out;
}

std::size_t expected_calls(std::size_t depth) { return std::max<std::size_t>(depth, 1); }

// A live store whose every entity has the parent "loop" that is never a root: a parent_id cycle.
class CyclicStore final : public LiveStore {
public:
    AncestorsPtr live_ancestors(std::string_view, Deadline) override { return nullptr; }
    std::optional<std::int64_t> live_descendant_count(std::string_view, Deadline) override {
        return std::nullopt;
    }
    std::optional<ParentLink> parent_link(std::string_view, Deadline) override {
        ++calls;
        return ParentLink{"loop", false};
    }
    WriteResult upsert(const EntityWrite&, Deadline) override { return {}; }
    std::uint64_t data_generation(Deadline) override { return 1; }
    [[nodiscard]] bool live_available() const override { return true; }
    std::size_t calls = 0;
};

boost::json::value ancestors_of(const ServiceResponse& r) {
    return boost::json::parse(r.body).as_object().at("ancestors");
}

}  // namespace

TEST_CASE("naive walk: equals the LTREE answer at every depth, in exactly max(depth, 1) calls",
          "[unit][naive]") {
    auto store = std::make_shared<EmbeddedStore>();
    const auto rows = generate_tree({5000, 4, 7});  // depths 0..6
    store->load(rows);
    fakes::CountingStore counting(store);
    const auto by_depth = ids_by_depth(rows, 5);
    REQUIRE(by_depth.size() == 7);
    for (const auto& [depth, ids] : by_depth) {
        for (const auto& id : ids) {
            INFO(id << " at depth " << depth);
            const auto before = counting.parent_links.load();
            const AncestorsResult r = walk_ancestors_naively(counting, id, soon());
            REQUIRE(r.status == Status::ok);
            CHECK(r.served_by == Tier::l4_live);
            CHECK(r.value->ids.size() == depth);
            CHECK(*r.value == *store->live_ancestors(id, soon()));
            CHECK(counting.parent_links.load() - before == expected_calls(depth));
        }
    }
    CHECK(counting.live_reads.load() == 0);  // never the LTREE query
    CHECK(counting.view_reads.load() == 0);
}

TEST_CASE("naive walk: the geographic seed (path levels without rows) agrees with LTREE",
          "[unit][naive]") {
    auto store = std::make_shared<EmbeddedStore>();
    store->load(geo_seed());
    fakes::CountingStore counting(store);
    const auto expected = expected_from_parents(geo_seed());
    for (const auto& row : geo_seed()) {
        INFO(row.entity_id);
        const auto before = counting.parent_links.load();
        const AncestorsResult r = walk_ancestors_naively(counting, row.entity_id, soon());
        REQUIRE(r.ok());
        CHECK(*r.value == *store->live_ancestors(row.entity_id, soon()));
        CHECK(r.value->ids == expected.ancestors.at(row.entity_id));
        CHECK(counting.parent_links.load() - before == expected_calls(r.value->ids.size()));
    }
    // france's path has 4 levels but only 2 ancestor rows: depth counts rows, not labels.
    const auto before = counting.parent_links.load();
    CHECK(walk_ancestors_naively(counting, "france", soon()).value->ids ==
          std::vector<std::string>{"world", "europe"});
    CHECK(counting.parent_links.load() - before == 2);
}

TEST_CASE("naive walk: unknown, malformed, failing, late and cyclic", "[unit][naive]") {
    auto store = std::make_shared<EmbeddedStore>();
    store->load(geo_seed());
    fakes::CountingStore counting(store);

    const AncestorsResult unknown = walk_ancestors_naively(counting, "atlantis", soon());
    CHECK(unknown.status == Status::not_found);
    CHECK(unknown.served_by == Tier::l4_live);
    CHECK(counting.parent_links.load() == 1);

    CHECK(walk_ancestors_naively(counting, "a.b", soon()).status == Status::invalid_id);
    CHECK(counting.parent_links.load() == 1);  // rejected before any call

    CHECK(walk_ancestors_naively(counting, "france", Clock::now() - 1ms).status == Status::timeout);
    CHECK(counting.parent_links.load() == 1);  // a passed deadline makes no call

    counting.live_fail = fakes::FailMode::timeout;
    CHECK(walk_ancestors_naively(counting, "france", soon()).status == Status::timeout);
    counting.live_fail = fakes::FailMode::unavailable;
    const AncestorsResult down = walk_ancestors_naively(counting, "france", soon());
    CHECK(down.status == Status::unavailable);
    CHECK(down.error.find("injected outage") != std::string::npos);

    CyclicStore cyclic;
    const AncestorsResult cycle = walk_ancestors_naively(cyclic, "start", soon());
    CHECK(cycle.status == Status::unavailable);
    CHECK(cycle.error.find("cycle") != std::string::npos);
    CHECK(cyclic.calls == max_walk_levels);
}

TEST_CASE("service: /ancestors/naive has the LTREE endpoint's body and skips every cache",
          "[unit][service][naive]") {
    auto store = std::make_shared<EmbeddedStore>();
    const auto rows = generate_tree({300, 3, 6});
    store->load(rows);
    store->refresh_views(soon());
    auto backend = std::make_shared<fakes::CountingStore>(store);
    auto l2 = std::make_shared<fakes::CountingL2>();
    ResolverGroup group(ResolverOptions{},
                        Backends{l2, backend, backend, std::make_shared<GenerationClock>()}, 1);
    for (const auto& [depth, ids] : ids_by_depth(rows, 3)) {
        for (const auto& id : ids) {
            INFO(id << " at depth " << depth);
            const ServiceResponse tiered =
                handle_request(group, 0, "GET", "/entities/" + id + "/ancestors", "");
            REQUIRE(tiered.status == 200);
            const auto l2_calls = l2->calls();
            const auto view_reads = backend->view_reads.load();
            const auto before = backend->parent_links.load();
            const ServiceResponse naive =
                handle_request(group, 0, "GET", "/entities/" + id + "/ancestors/naive", "");
            REQUIRE(naive.status == 200);
            CHECK(ancestors_of(naive) == ancestors_of(tiered));
            CHECK(boost::json::parse(naive.body).as_object().at("served_by") == "L4");
            CHECK(backend->parent_links.load() - before == expected_calls(depth));
            CHECK(l2->calls() == l2_calls);
            CHECK(backend->view_reads.load() == view_reads);
        }
    }
    CHECK(backend->live_reads.load() == 0);  // the tiered endpoint answered from L3 and L1
    CHECK(handle_request(group, 0, "GET", "/entities/entity_999999/ancestors/naive", "").status ==
          404);
    CHECK(handle_request(group, 0, "GET", "/entities/a.b/ancestors/naive", "").status == 400);
    CHECK(handle_request(group, 0, "POST", "/entities/entity_000001/ancestors/naive", "").status ==
          405);
    CHECK(handle_request(group, 0, "GET", "/entities/entity_000001/ancestors/naive/x", "").status ==
          404);
}

TEST_CASE("postgres: the naive walk equals the LTREE query, one query per level",
          "[postgres][naive]") {
    const auto pg_url = require_env("VOLLEY_PG_URL");
    PgSchema schema(pg_url);
    const auto rows = generate_tree({3000, 5, 6});
    pg_load_rows(schema.options, rows);
    pg_refresh_views(schema.options);
    auto pg = std::make_shared<PgStore>(schema.options);

    // A query counter that does not trust the store: the server's own count of executions of
    // the parent-link statement (pg_stat_statements when loaded) is checked by the observer's
    // integration test; here every parent_link is one exec_prepared by construction, so count
    // the calls through a forwarding store.
    struct Forwarding final : LiveStore {
        explicit Forwarding(std::shared_ptr<PgStore> s) : inner(std::move(s)) {}
        AncestorsPtr live_ancestors(std::string_view id, Deadline d) override {
            return inner->live_ancestors(id, d);
        }
        std::optional<std::int64_t> live_descendant_count(std::string_view id,
                                                          Deadline d) override {
            return inner->live_descendant_count(id, d);
        }
        std::optional<ParentLink> parent_link(std::string_view id, Deadline d) override {
            ++calls;
            return inner->parent_link(id, d);
        }
        WriteResult upsert(const EntityWrite& w, Deadline d) override {
            return inner->upsert(w, d);
        }
        std::uint64_t data_generation(Deadline d) override { return inner->data_generation(d); }
        [[nodiscard]] bool live_available() const override { return inner->live_available(); }
        std::shared_ptr<PgStore> inner;
        std::size_t calls = 0;
    } counting(pg);

    for (const auto& [depth, ids] : ids_by_depth(rows, 4)) {
        for (const auto& id : ids) {
            INFO(id << " at depth " << depth);
            const auto before = counting.calls;
            const AncestorsResult r = walk_ancestors_naively(counting, id, soon());
            REQUIRE(r.ok());
            CHECK(*r.value == *pg->live_ancestors(id, soon()));
            CHECK(r.value->ids.size() == depth);
            CHECK(counting.calls - before == expected_calls(depth));
        }
    }
    CHECK(walk_ancestors_naively(counting, "entity_999999", soon()).status == Status::not_found);

    // Over the HTTP routes of a PostgreSQL-backed group: the same bodies.
    ResolverConfig cfg;
    cfg.backend = ResolverConfig::Backend::postgres;
    cfg.postgres_url = schema.options.url;
    cfg.postgres_schema = schema.options.schema;
    cfg.pg_migrate = false;
    cfg.l2 = ResolverConfig::L2Mode::off;
    cfg.pg_query_timeout = 5000ms;
    cfg.resolver.request_timeout = 10'000ms;
    cfg.generation_poll = 0ms;
    ResolverGroup group(cfg);
    for (const auto& id : sample_ids(rows, 40)) {
        INFO(id);
        const ServiceResponse tiered =
            handle_request(group, 0, "GET", "/entities/" + id + "/ancestors", "");
        const ServiceResponse naive =
            handle_request(group, 0, "GET", "/entities/" + id + "/ancestors/naive", "");
        REQUIRE(tiered.status == 200);
        REQUIRE(naive.status == 200);
        CHECK(ancestors_of(naive) == ancestors_of(tiered));
    }
}

TEST_CASE("postgres: the geographic seed's naive walk skips path levels without rows",
          "[postgres][naive]") {
    const auto pg_url = require_env("VOLLEY_PG_URL");
    PgSchema schema(pg_url);
    pg_load_rows(schema.options, geo_seed());
    PgStore pg(schema.options);
    for (const auto& row : geo_seed()) {
        INFO(row.entity_id);
        const AncestorsResult r = walk_ancestors_naively(pg, row.entity_id, soon());
        REQUIRE(r.ok());
        CHECK(*r.value == *pg.live_ancestors(row.entity_id, soon()));
    }
    const auto link = pg.parent_link("france", soon());
    REQUIRE(link);
    CHECK(link->parent_id == "europe");
    CHECK_FALSE(link->parent_is_root);
    CHECK(pg.parent_link("europe", soon())->parent_is_root);
    CHECK(pg.parent_link("world", soon())->parent_id.empty());
    CHECK_FALSE(pg.parent_link("atlantis", soon()));
}
