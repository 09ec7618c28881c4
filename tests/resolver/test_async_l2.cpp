// The resolver service reads L2 on its I/O loop (resolver/redis/redis_async.hpp): against a
// throwaway redis-server (killed and restarted) or a Redis that never answers, with PostgreSQL
// from VOLLEY_PG_URL (FAILS when unset). Every lookup is answered and counted exactly once.
#include "resolver/group.hpp"
#include "resolver/pg/migrations.hpp"
#include "resolver/service/http_service.hpp"
#include "service_client.hpp"
#include "support.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <chrono>
#include <string>
#include <thread>

using namespace volley::resolver;
using namespace volley::resolver::test;
using namespace std::chrono_literals;

namespace {

// Redis timeouts and backoff short enough for a test to see a failure and a comeback.
ResolverConfig config(const PgSchema& schema, const std::string& redis_url) {
    ResolverConfig cfg = pg_test_config(schema, redis_url);
    cfg.redis_timeout = 200ms;
    cfg.backoff_base = 20ms;
    cfg.backoff_max = 200ms;
    return cfg;
}

// generate_tree's ids.
std::string entity(int n) { return fmt::format("entity_{:06d}", n); }

std::string ancestors_path(int n) { return "/entities/" + entity(n) + "/ancestors"; }

}  // namespace

TEST_CASE("service: L2 hits are read on the I/O loop, counted once; Redis killed and back",
          "[faults][postgres][service][async_l2]") {
    RedisProcess redis;
    PgSchema schema(require_env("VOLLEY_PG_URL"));
    const auto rows = generate_tree({500, 5, 6});
    pg_load_rows(schema.options, rows);
    pg_refresh_views(schema.options);
    const auto expected = expected_from_parents(rows);
    ResolverGroup group(config(schema, redis.url()));
    HttpService service(group, ServiceOptions{"127.0.0.1", 0, 1, 2});
    service.start();
    Client client(service.port());

    // First lookups come from L3 and fill L2 (sent by the I/O loop); with L1 cleared, the same
    // lookups are L2 hits, each read once by the I/O loop.
    for (int n = 0; n < 20; ++n)
        REQUIRE(client.call(http::verb::get, ancestors_path(n)).status == 200);
    group[0].clear_l1();
    const auto before = group.metrics();
    const auto replies_before = service.async_l2_stats().value().replies;
    for (int n = 0; n < 20; ++n) {
        const auto reply = client.call(http::verb::get, ancestors_path(n));
        REQUIRE(reply.status == 200);
        CHECK(reply.tier == "L2");
        const auto body = boost::json::parse(reply.body).as_object();
        std::vector<std::string> ids;
        for (const auto& id : body.at("ancestors").as_array()) ids.emplace_back(id.as_string());
        CHECK(ids == expected.ancestors.at(entity(n)));
    }
    const auto after = group.metrics();
    CHECK(service.async_l2_stats()->replies - replies_before == 20);
    // The first lookups' L2 fills went on the same connection, before these reads.
    CHECK(service.async_l2_stats()->fills == 20);
    CHECK(service.async_l2_stats()->fill_failures == 0);
    CHECK(after.served(Tier::l2_redis) - before.served(Tier::l2_redis) == 20);
    CHECK(after.requests() - before.requests() == 20);

    // Redis gone: lookups are answered from L3/L4, never lost or counted twice.
    redis.kill();
    group[0].clear_l1();
    const auto down_before = group.metrics();
    for (int n = 0; n < 20; ++n) {
        const auto reply = client.call(http::verb::get, ancestors_path(n));
        REQUIRE(reply.status == 200);
        CHECK((reply.tier == "L3" || reply.tier == "L4"));
    }
    CHECK(group.metrics().requests() - down_before.requests() == 20);
    CHECK(service.async_l2_stats()->failed > 0);

    // Back (empty): after the backoff the loop reconnects; fills, then hits, go through it.
    redis.start();
    const auto connects = service.async_l2_stats()->connects;
    bool hit = false;
    for (int attempt = 0; attempt < 50 && !hit; ++attempt) {
        std::this_thread::sleep_for(50ms);
        group[0].clear_l1();
        (void)client.call(http::verb::get, ancestors_path(7));
        group[0].clear_l1();
        hit = client.call(http::verb::get, ancestors_path(7)).tier == "L2";
    }
    CHECK(hit);
    CHECK(service.async_l2_stats()->connects > connects);
}

TEST_CASE("service: a Redis that never answers costs a lookup its timeout, not the answer",
          "[postgres][service][async_l2]") {
    // A listening socket nobody accepts from: connections complete (the kernel's backlog) and
    // commands are taken in, but no reply ever comes.
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor silent(
        io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    const auto port = silent.local_endpoint().port();
    PgSchema schema(require_env("VOLLEY_PG_URL"));
    const auto rows = generate_tree({200, 5, 6});
    pg_load_rows(schema.options, rows);
    pg_refresh_views(schema.options);
    auto cfg = config(schema, "redis://127.0.0.1:" + std::to_string(port));
    cfg.redis_timeout = 100ms;
    ResolverGroup group(cfg);
    HttpService service(group, ServiceOptions{"127.0.0.1", 0, 1, 2});
    service.start();
    Client client(service.port());
    for (int n = 0; n < 5; ++n) {  // a hang here fails the test at ctest's timeout
        const auto reply = client.call(http::verb::get, ancestors_path(n));
        CHECK(reply.status == 200);
        CHECK((reply.tier == "L3" || reply.tier == "L4"));
    }
    const auto stats = service.async_l2_stats().value();
    CHECK(stats.replies == 0);
    CHECK(stats.timeouts >= 1);
    CHECK(group.metrics().requests() == 5);
}
