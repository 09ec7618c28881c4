// Pure unit tests of the resolver's building blocks (no servers): id validation, L1 LRU,
// L2 codec, circuit breaker, data generator, metrics formats.
#include "resolver/breaker.hpp"
#include "resolver/datagen.hpp"
#include "resolver/id.hpp"
#include "resolver/l1_cache.hpp"
#include "resolver/l2_codec.hpp"
#include "resolver/metrics.hpp"
#include "resolver/pg/pg_pool.hpp"
#include "resolver/redis/redis_l2.hpp"

#include "fakes/manual_clock.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <set>

using namespace volley::resolver;

TEST_CASE("ids are validated as [A-Za-z0-9_]{1,64}", "[unit]") {
    CHECK(valid_id("entity_000001"));
    CHECK(valid_id("A"));
    CHECK(valid_id(std::string(64, 'x')));
    CHECK_FALSE(valid_id(""));
    CHECK_FALSE(valid_id(std::string(65, 'x')));
    for (const char* bad : {"a.b", "a-b", "a b", "a/b", "é", "a;DROP", "a\n", "%41", "a*"})
        CHECK_FALSE(valid_id(bad));
}

TEST_CASE("L1 is an LRU with generations and expiry", "[unit]") {
    L1Cache l1(2, 1);
    auto a = CachedAnswer{false, make_ancestors({"r"}), 0};
    l1.put(LookupKind::ancestors, "x", 1, a, 0);
    l1.put(LookupKind::ancestors, "y", 1, a, 0);
    REQUIRE(l1.get(LookupKind::ancestors, "x", 1, 0));  // x is now most recent
    l1.put(LookupKind::ancestors, "z", 1, a, 0);        // evicts y
    CHECK_FALSE(l1.get(LookupKind::ancestors, "y", 1, 0));
    CHECK(l1.get(LookupKind::ancestors, "x", 1, 0));
    CHECK(l1.size() == 2);

    SECTION("another generation is a miss and drops the entry") {
        CHECK_FALSE(l1.get(LookupKind::ancestors, "x", 2, 0));
        CHECK(l1.size() == 1);
    }
    SECTION("kinds do not collide") { CHECK_FALSE(l1.get(LookupKind::count, "x", 1, 0)); }
    SECTION("expired entries are misses") {
        l1.put(LookupKind::count, "n", 1, CachedAnswer{true, nullptr, 0}, 100);
        CHECK(l1.get(LookupKind::count, "n", 1, 99));
        CHECK_FALSE(l1.get(LookupKind::count, "n", 1, 100));
    }
    SECTION("an older fetch never replaces a newer entry") {
        l1.put(LookupKind::ancestors, "x", 3, a, 0);
        l1.put(LookupKind::ancestors, "x", 2, CachedAnswer{true, nullptr, 0}, 0);
        auto hit = l1.get(LookupKind::ancestors, "x", 3, 0);
        REQUIRE(hit);
        CHECK_FALSE(hit->not_found);
    }
}

TEST_CASE("L1 capacity is the total over shards; 0 disables it", "[unit]") {
    L1Cache l1(1000, 8);
    for (int i = 0; i < 5000; ++i)
        l1.put(LookupKind::count, "e" + std::to_string(i), 1, CachedAnswer{false, nullptr, i}, 0);
    CHECK(l1.size() <= 1000);
    CHECK(l1.size() >= 990);
    L1Cache off(0);
    off.put(LookupKind::count, "e", 1, CachedAnswer{}, 0);
    CHECK_FALSE(off.get(LookupKind::count, "e", 1, 0));
}

TEST_CASE("L2 values round-trip and malformed values are misses", "[unit]") {
    auto anc = CachedAnswer{false, make_ancestors({"a", "b_1"}), 0};
    auto enc = encode_l2_value(LookupKind::ancestors, anc);
    CHECK(enc == "Aa,b_1");
    auto dec = decode_l2_value(LookupKind::ancestors, enc);
    REQUIRE(dec);
    CHECK(dec->ancestors->ids == std::vector<std::string>{"a", "b_1"});
    auto root = decode_l2_value(LookupKind::ancestors, "A");
    REQUIRE(root);
    CHECK(root->ancestors->ids.empty());
    CHECK(decode_l2_value(LookupKind::count, "C42")->count == 42);
    CHECK(decode_l2_value(LookupKind::count, "N")->not_found);
    for (const char* bad : {"", "X", "C", "C-1", "C4x", "Aa,,b", "Aa,", "Aa.b"})
        CHECK_FALSE(
            decode_l2_value(bad[0] == 'A' ? LookupKind::ancestors : LookupKind::count, bad));
    CHECK(l2_key("p:", LookupKind::count, 7, "e1") == "p:c:7:e1");
}

TEST_CASE("circuit breaker backs off exponentially and lets one probe through", "[unit]") {
    // Failure n opens the breaker for min(20 ms x 2^(n-1), 50 ms) plus a jitter in [0, 25%):
    // refused until the backoff has passed, allowed once backoff x 1.25 has.
    using namespace std::chrono_literals;
    volley::testing::ManualClock clock;
    CircuitBreaker b(20ms, 50ms, clock);
    CHECK(b.allow());
    CHECK_FALSE(b.is_open());
    const auto open_for = [&](std::chrono::nanoseconds backoff) {
        clock.advance(backoff - 1ns);
        CHECK_FALSE(b.allow());
        CHECK(b.is_open());
        clock.advance(backoff / 4);  // backoff x 1.25 - 1 ns: past the largest jitter
        CHECK(b.allow());            // the probe
        CHECK_FALSE(b.allow());      // others still refused while probing
        CHECK(b.is_open());
    };
    b.on_failure();
    CHECK(b.consecutive_failures() == 1);
    open_for(20ms);
    b.on_failure();  // the probe failed: twice as long
    open_for(40ms);
    b.on_failure();  // 80 ms, capped at the maximum
    open_for(50ms);
    b.on_failure();
    CHECK(b.consecutive_failures() == 4);
    open_for(50ms);
    b.on_success();  // the probe succeeded: closed
    CHECK(b.allow());
    CHECK(b.allow());
    CHECK_FALSE(b.is_open());
    CHECK(b.consecutive_failures() == 0);
}

TEST_CASE("generator builds a real breadth-first tree", "[unit]") {
    auto rows = generate_tree({1000, 4, 6});
    REQUIRE(rows.size() == 1000);
    CHECK(rows[0].entity_id == "entity_000000");
    CHECK(rows[0].parent_id.empty());
    CHECK(rows[0].path == "entity_000000");
    CHECK(rows[5].entity_id == "entity_000005");
    CHECK(rows[5].parent_id == "entity_000001");
    CHECK(rows[5].path == "entity_000000.entity_000001.entity_000005");
    std::set<std::string> ids;
    std::size_t max_depth = 0;
    for (const auto& r : rows) {
        CHECK(valid_id(r.entity_id));
        ids.insert(r.entity_id);
        const auto depth =
            1 + static_cast<std::size_t>(std::count(r.path.begin(), r.path.end(), '.'));
        max_depth = std::max(max_depth, depth);
        CHECK(r.path.ends_with(r.entity_id));
    }
    CHECK(ids.size() == rows.size());
    CHECK(max_depth <= 6);
    CHECK(tree_capacity(10, 6) == 111111);
    CHECK_THROWS_AS(generate_tree({2000, 2, 3}), std::invalid_argument);
    CHECK_THROWS_AS(generate_tree({0, 2, 3}), std::invalid_argument);
}

TEST_CASE("geo seed has intermediate levels without rows", "[unit]") {
    auto rows = geo_seed();
    CHECK(rows.size() == 10);
    std::set<std::string> ids;
    for (const auto& r : rows) ids.insert(r.entity_id);
    bool gap = false;
    for (const auto& r : rows) {
        std::string_view p = r.path;
        std::size_t labels = 1 + static_cast<std::size_t>(std::count(p.begin(), p.end(), '.'));
        std::size_t chain = 1;
        for (auto q = r.parent_id; !q.empty();) {
            ++chain;
            q = std::find_if(rows.begin(), rows.end(), [&](auto& x) {
                    return x.entity_id == q;
                })->parent_id;
        }
        gap = gap || labels > chain;
    }
    CHECK(gap);
}

TEST_CASE("metrics: served-by adds up and both formats render", "[unit]") {
    ResolverCounters c;
    c.outcome(0, Status::ok, Tier::l1_memory);
    c.outcome(0, Status::not_found, Tier::l4_live);
    c.outcome(1, Status::ok, Tier::l3_view);
    c.outcome(1, Status::invalid_id, Tier::none);
    c.outcome(0, Status::unavailable, Tier::none);
    c.probe(Tier::l2_redis, ResolverCounters::skipped);
    MetricsSnapshot m;
    c.read_into(m);
    CHECK(m.requests() == 5);
    CHECK(m.served(Tier::l1_memory) + m.served(Tier::l2_redis) + m.served(Tier::l3_view) +
              m.served(Tier::l4_live) + m.status_total(Status::invalid_id) +
              m.status_total(Status::unavailable) + m.status_total(Status::timeout) ==
          m.requests());
    CHECK(m.hits() == 2);
    CHECK(m.hit_rate() == Approx(0.4));
    const auto prom = to_prometheus(m);
    CHECK(prom.find("volley_resolver_served_total{kind=\"ancestors\",tier=\"L1\",tier_name="
                    "\"memory\"} 1") != std::string::npos);
    CHECK(prom.find("# TYPE volley_resolver_requests_total counter") != std::string::npos);
    auto j = boost::json::parse(to_cache_performance_json(m)).as_object();
    for (const char* k : {"l1_cache", "l2_cache", "l3_cache", "l4_cache", "overall"})
        CHECK(j.contains(k));
    CHECK(j["overall"].as_object()["total_requests"].to_number<std::uint64_t>() == 5);
    CHECK(j["overall"].as_object()["cache_efficiency"].as_string() == "POOR");
    CHECK(j["l1_cache"].as_object().contains("utilization"));
    CHECK(j["l4_cache"].as_object().contains("last_refresh"));
}

TEST_CASE("connection strings carry keepalives and timeouts", "[unit]") {
    PgOptions o;
    o.url = "postgresql://postgres@127.0.0.1:5432/volley";
    o.schema = "s1";
    const auto uri = pg_conninfo(o);
    CHECK(uri.find("keepalives=1&keepalives_idle=30&keepalives_interval=10&keepalives_count=5") !=
          std::string::npos);
    CHECK(uri.find("statement_timeout%3D500") != std::string::npos);
    CHECK(uri.find("search_path%3Ds1%2Cpublic") != std::string::npos);
    o.url = "host=127.0.0.1 dbname=volley";
    CHECK(pg_conninfo(o).find(" keepalives_idle=30 ") != std::string::npos);

    auto r = parse_redis_url("redis://:pw@10.0.0.1:6380/2");
    CHECK(r.host == "10.0.0.1");
    CHECK(r.port == 6380);
    CHECK(r.db == 2);
    CHECK(r.password == "pw");
    CHECK(parse_redis_url("redis://127.0.0.1").port == 6379);
    CHECK_THROWS_AS(parse_redis_url("http://x"), std::invalid_argument);
}
