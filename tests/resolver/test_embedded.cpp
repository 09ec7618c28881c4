// The embedded backend through ResolverGroup: answers equal an independent computation (parent
// links) on a generated tree and on the geographic seed, from every tier.
#include "resolver/embedded/embedded_store.hpp"
#include "resolver/group.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace volley::resolver;
using namespace volley::resolver::test;

TEST_CASE("embedded: generated tree answers equal the independent computation on every tier",
          "[unit][embedded]") {
    ResolverConfig cfg;
    cfg.dataset = ResolverConfig::Dataset::generated;
    cfg.tree = {5000, 7, 6};
    cfg.instances = 2;
    ResolverGroup g(cfg);
    const auto rows = generate_tree(cfg.tree);
    const auto e = expected_from_parents(rows);
    const auto ids = sample_ids(rows, 300);
    check_sample(g[0], e, ids, Tier::l3_view);
    check_sample(g[0], e, ids, Tier::l1_memory);
    check_sample(g[1], e, ids, Tier::l2_redis);

    ResolverConfig live = cfg;
    live.l3 = false;
    live.l2 = ResolverConfig::L2Mode::off;
    ResolverGroup g4(live);
    check_sample(g4[0], e, ids, Tier::l4_live);
    CHECK(g4[0].ancestors("entity_999999").status == Status::not_found);
}

TEST_CASE("embedded: geographic seed with path levels that have no rows", "[unit][embedded]") {
    ResolverConfig cfg;
    cfg.dataset = ResolverConfig::Dataset::geo_seed;
    for (bool l3 : {true, false}) {
        cfg.l3 = l3;
        ResolverGroup g(cfg);
        const auto rows = geo_seed();
        const auto e = expected_from_parents(rows);
        std::vector<std::string> ids;
        for (const auto& r : rows) ids.push_back(r.entity_id);
        check_sample(g[0], e, ids, l3 ? Tier::l3_view : Tier::l4_live);
        // Spelled out, so the fixture itself is checked too.
        CHECK(g[0].ancestors("france").value->ids == std::vector<std::string>{"world", "europe"});
        CHECK(g[0].ancestors("world").value->ids.empty());
        CHECK(g[0].descendant_count("world").value == 9);
        CHECK(g[0].descendant_count("europe").value == 2);
        CHECK(g[0].descendant_count("mexico").value == 0);
    }
}

TEST_CASE("embedded: inserting an intermediate level changes ancestors below it",
          "[unit][embedded]") {
    ResolverConfig cfg;
    cfg.dataset = ResolverConfig::Dataset::geo_seed;
    ResolverGroup g(cfg);
    REQUIRE(g[0].ancestors("france").value->ids.size() == 2);
    // western_europe was a path label without a row; a row at exactly that path appears.
    auto store = g.embedded_store();
    REQUIRE(store);
    auto rows = geo_seed();
    rows.insert(rows.begin() + 4, EntityRow{"western_europe", "Western Europe", "europe",
                                            "world.europe.western_europe"});
    store->load(rows);
    g.backends().clock->advance_to(store->data_generation(Clock::now()));
    auto a = g[0].ancestors("france");
    CHECK(a.served_by == Tier::l4_live);  // load emptied the view until the next refresh
    CHECK(a.value->ids == std::vector<std::string>{"world", "europe", "western_europe"});
    REQUIRE(g.refresh_views().ok());
    CHECK(g[0].ancestors("france").served_by == Tier::l3_view);
}

TEST_CASE("embedded: instances share one L2 and one generation", "[unit][embedded]") {
    ResolverConfig cfg;
    cfg.dataset = ResolverConfig::Dataset::generated;
    cfg.tree = {100, 3, 5};
    cfg.instances = 3;
    ResolverGroup g(cfg);
    CHECK(g[0].ancestors("entity_000050").served_by == Tier::l3_view);
    CHECK(g[1].ancestors("entity_000050").served_by == Tier::l2_redis);
    CHECK(g[2].ancestors("entity_000050").served_by == Tier::l2_redis);
    REQUIRE(g[1].upsert_entity({"entity_000050", "", "entity_000000"}).ok());
    for (std::size_t i = 0; i < 3; ++i) {
        auto a = g[i].ancestors("entity_000050");
        CHECK(a.value->ids == std::vector<std::string>{"entity_000000"});
        CHECK(a.served_by != Tier::l1_memory);
    }
    const auto m = g.metrics();
    CHECK(m.instances == 3);
    CHECK(m.l1_capacity == 3000);
    CHECK(m.writes == 1);
}
