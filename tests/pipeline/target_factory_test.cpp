// pipeline::resolver_config and make_target: the typed `target.resolver` spec the loader fills
// becomes the resolver configuration (backend, dataset, tree, URLs) without any text matching.
#include "pipeline/target_factory.hpp"

#include "scenarios/language/loader.hpp"

#include <catch2/catch.hpp>

using namespace volley;
using Config = resolver::ResolverConfig;

namespace {

scenarios::ResolverTargetSpec resolver_spec(const std::string& resolver_yaml) {
    const auto plan = scenarios::load_plan_from_string(
        "target: {resolver: " + resolver_yaml +
            "}\nload: {rate: 1/s, duration: 1s}\n"
            "requests: [{path: /entities/entity_000001/ancestors}]\n",
        "factory.yaml", {});
    return std::get<scenarios::ResolverTargetSpec>(plan.target);
}

}  // namespace

TEST_CASE("the resolver spec maps onto the resolver configuration") {
    SECTION("defaults: embedded backend, generated tree") {
        const auto config = pipeline::resolver_config(resolver_spec("{}"));
        CHECK(config.backend == Config::Backend::embedded);
        CHECK(config.dataset == Config::Dataset::generated);
        CHECK(config.tree.entities == 10000);
        CHECK(config.l2 == Config::L2Mode::automatic);
        CHECK_FALSE(config.pg_load);
    }
    SECTION("a generated tree's shape and the instances") {
        const auto config = pipeline::resolver_config(resolver_spec(
            "{instances: 3, l1_capacity: 50, dataset: {entities: 200, fanout: 4, depth: 5}}"));
        CHECK(config.instances == 3);
        CHECK(config.resolver.l1_capacity == 50);
        CHECK(config.tree.entities == 200);
        CHECK(config.tree.fanout == 4);
        CHECK(config.tree.depth == 5);
    }
    SECTION("named datasets") {
        CHECK(pipeline::resolver_config(resolver_spec("{dataset: geo_seed}")).dataset ==
              Config::Dataset::geo_seed);
        CHECK(pipeline::resolver_config(resolver_spec("{dataset: none}")).dataset ==
              Config::Dataset::none);
        CHECK(pipeline::resolver_config(resolver_spec("{dataset: generated}")).dataset ==
              Config::Dataset::generated);
    }
    SECTION("postgres loads its dataset unless told there is none; redis makes L2 Redis") {
        const auto loaded = pipeline::resolver_config(
            resolver_spec("{backend: postgres, postgres: 'postgresql://v@127.0.0.1/v', redis: "
                          "'redis://127.0.0.1:6379'}"));
        CHECK(loaded.backend == Config::Backend::postgres);
        CHECK(loaded.postgres_url == "postgresql://v@127.0.0.1/v");
        CHECK(loaded.l2 == Config::L2Mode::redis);
        CHECK(loaded.pg_load);
        const auto preloaded = pipeline::resolver_config(resolver_spec(
            "{backend: postgres, postgres: 'postgresql://v@127.0.0.1/v', dataset: none}"));
        CHECK_FALSE(preloaded.pg_load);
    }
}

TEST_CASE("an embedded resolver target is named by its backend and instances") {
    const auto plan = scenarios::load_plan_from_string(
        "target: {resolver: {instances: 2, dataset: {entities: 100, fanout: 10, depth: 3}}}\n"
        "load: {rate: 1/s, duration: 1s}\nrequests: [{path: /entities/entity_000001/ancestors}]\n",
        "factory.yaml", {});
    const auto built = pipeline::make_target(plan);
    REQUIRE(built.target != nullptr);
    CHECK(built.kind == "resolver");
    CHECK(built.url == "resolver:embedded (2 instances)");
}
