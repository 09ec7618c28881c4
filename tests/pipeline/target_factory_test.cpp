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

TEST_CASE("HTTP/2: the engine's slots are connections x max_streams, threads at most connections",
          "[http2]") {
    const auto load = [](const std::string& http, const std::string& model) {
        return scenarios::load_plan_from_string(
            "target: {http: " + http + "}\nload: " + model + "\n", "factory.yaml", {});
    };
    auto plan = load(
        "{base_url: 'http://127.0.0.1:9', protocol: h2c, connections: 3, "
        "max_streams: 10}",
        "{rate: 1/s, duration: 1s, threads: 8}");
    const auto built = pipeline::make_target(plan);  // h2c: no connection is made here
    CHECK(built.slots_per_connection == 10);
    pipeline::apply_streams_per_connection(built, plan.run);
    CHECK(plan.run.connections == 30);
    CHECK(plan.run.threads == 3);

    SECTION("the closed model keeps one slot per virtual user") {
        auto closed = load("{base_url: 'http://127.0.0.1:9', protocol: h2c, max_streams: 10}",
                           "{vus: 5, duration: 1s, threads: 2}");
        pipeline::apply_streams_per_connection(pipeline::make_target(closed), closed.run);
        CHECK(closed.run.connections == 5);
        CHECK(closed.run.threads == 2);
    }
    SECTION("HTTP/1.1 keeps one slot per connection") {
        auto h1 = load("{base_url: 'http://127.0.0.1:9', connections: 3}",
                       "{rate: 1/s, duration: 1s, threads: 8}");
        const auto h1_target = pipeline::make_target(h1);
        CHECK(h1_target.slots_per_connection == 1);
        pipeline::apply_streams_per_connection(h1_target, h1.run);
        CHECK(h1.run.connections == 3);
        CHECK(h1.run.threads == 8);
    }
}

TEST_CASE("HTTP/2 PING health: the keys reach the target, the timeout defaults to the interval",
          "[http2]") {
    const auto report_of = [](const std::string& http) {
        const auto plan = scenarios::load_plan_from_string(
            "target: {http: " + http + "}\nload: {rate: 1/s, duration: 1s}\n", "factory.yaml", {});
        const auto built = pipeline::make_target(plan);  // h2c: no connection is made here
        const auto report = built.target->protocol_report();
        REQUIRE(report.has_value());
        return *report;
    };
    const auto both = report_of(
        "{base_url: 'http://127.0.0.1:9', protocol: h2c, ping_interval_ms: 250, "
        "ping_timeout_ms: 75}");
    CHECK(both.ping_interval_ms == 250);
    CHECK(both.ping_timeout_ms == 75);
    const auto interval_only =
        report_of("{base_url: 'http://127.0.0.1:9', protocol: h2c, ping_interval_ms: 250}");
    CHECK(interval_only.ping_timeout_ms == 250);
    const auto off = report_of("{base_url: 'http://127.0.0.1:9', protocol: h2c}");
    CHECK(off.ping_interval_ms == 0);
    CHECK(off.ping_timeout_ms == 0);
}
