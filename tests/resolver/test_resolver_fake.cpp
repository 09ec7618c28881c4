// Resolver logic against counting fake backends (tests/fakes/resolver_fakes.hpp): lookup order
// and fills, id validation before any backend call, negative caching, generations, L3
// staleness, coalescing, exact accounting under 2 threads, outages and timeouts.
#include "fakes/resolver_fakes.hpp"
#include "resolver/group.hpp"
#include "resolver/resolver.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <barrier>
#include <random>
#include <thread>

using namespace volley::resolver;
using namespace std::chrono_literals;
using fakes::CountingL2;
using fakes::CountingStore;
using fakes::FailMode;

static_assert(std::is_same_v<AncestorsPtr, std::shared_ptr<const Ancestors>>,
              "cached values are immutable");

namespace {

struct Rig {
    explicit Rig(const std::vector<EntityRow>& rows, bool with_l2 = true, bool with_view = true) {
        store->load(rows);
        store->refresh_views(Clock::now());
        backend = std::make_shared<CountingStore>(store);
        clock->advance_to(store->data_generation(Clock::now()));
        backends.live = backend;
        backends.view = with_view ? backend : nullptr;
        backends.l2 = with_l2 ? l2 : nullptr;
        backends.clock = clock;
    }
    std::shared_ptr<EmbeddedStore> store = std::make_shared<EmbeddedStore>();
    std::shared_ptr<CountingStore> backend;
    std::shared_ptr<CountingL2> l2 = std::make_shared<CountingL2>();
    std::shared_ptr<GenerationClock> clock = std::make_shared<GenerationClock>();
    Backends backends;
};

std::uint64_t accounted(const MetricsSnapshot& m) {
    return m.served(Tier::l1_memory) + m.served(Tier::l2_redis) + m.served(Tier::l3_view) +
           m.served(Tier::l4_live) + m.status_total(Status::invalid_id) +
           m.status_total(Status::unavailable) + m.status_total(Status::timeout);
}

}  // namespace

TEST_CASE("malformed ids never reach a backend", "[unit][fake]") {
    Rig rig(geo_seed());
    Resolver r({}, rig.backends);
    const std::vector<std::string> bad = {"",    "a.b",     "world;drop",         "../etc",
                                          "a b", "%77orld", std::string(65, 'a'), "wörld",
                                          "a-b", "*"};
    for (const auto& id : bad) {
        auto a = r.ancestors(id);
        CHECK(a.status == Status::invalid_id);
        CHECK(a.served_by == Tier::none);
        CHECK(r.descendant_count(id).status == Status::invalid_id);
    }
    auto w = r.upsert_entity({"bad.id", "x", "world"});
    CHECK(w.status == WriteStatus::invalid_id);
    CHECK(rig.backend->calls() == 0);
    CHECK(rig.l2->calls() == 0);
    const auto m = r.metrics();
    CHECK(m.status_total(Status::invalid_id) == 2 * bad.size());
    CHECK(m.probes[0].hits + m.probes[0].misses == 0);  // not even an L1 probe
    CHECK(accounted(m) == m.requests());
}

TEST_CASE("lookup order: L3, then L1; another instance gets L2; no view means L4", "[unit][fake]") {
    Rig rig(geo_seed());
    ResolverGroup group(ResolverOptions{}, rig.backends, 2);
    auto first = group[0].ancestors("france");
    REQUIRE(first.ok());
    CHECK(first.served_by == Tier::l3_view);
    CHECK(first.value->ids == std::vector<std::string>{"world", "europe"});
    CHECK(rig.backend->view_reads == 1);
    CHECK(rig.l2->sets == 1);

    auto second = group[0].ancestors("france");
    CHECK(second.served_by == Tier::l1_memory);
    CHECK(second.value == first.value);  // the same immutable object
    CHECK(rig.backend->view_reads == 1);

    auto other = group[1].ancestors("france");
    CHECK(other.served_by == Tier::l2_redis);
    CHECK(other.value->ids == first.value->ids);
    CHECK(rig.backend->calls() == 1);

    Rig nov(geo_seed(), /*with_l2=*/false, /*with_view=*/false);
    Resolver live({}, nov.backends);
    auto c = live.descendant_count("europe");
    CHECK(c.served_by == Tier::l4_live);
    CHECK(c.value == 2);
    CHECK(live.descendant_count("europe").served_by == Tier::l1_memory);
    CHECK(nov.backend->live_reads == 1);
}

TEST_CASE("in-memory answers: L1 hits and malformed ids only, counted like lookups",
          "[unit][fake]") {
    Rig rig(geo_seed());
    Resolver r({}, rig.backends);
    // A miss needs a backend: nothing is answered, nothing counted, no backend touched.
    CHECK_FALSE(r.ancestors_in_memory("france").has_value());
    CHECK_FALSE(r.descendant_count_in_memory("europe").has_value());
    CHECK(r.metrics().requests() == 0);
    CHECK(rig.backend->calls() == 0);
    CHECK(rig.l2->calls() == 0);

    REQUIRE(r.ancestors("france").served_by == Tier::l3_view);
    REQUIRE(r.descendant_count("europe").served_by == Tier::l3_view);
    const auto hit = r.ancestors_in_memory("france");
    REQUIRE(hit.has_value());
    CHECK(hit->served_by == Tier::l1_memory);
    CHECK(hit->value->ids == std::vector<std::string>{"world", "europe"});
    const auto count = r.descendant_count_in_memory("europe");
    REQUIRE(count.has_value());
    CHECK(count->served_by == Tier::l1_memory);
    CHECK(count->value == 2);
    const auto bad = r.ancestors_in_memory("a.b");
    REQUIRE(bad.has_value());
    CHECK(bad->status == Status::invalid_id);

    const auto m = r.metrics();
    CHECK(m.requests() == 5);
    CHECK(m.served(Tier::l1_memory) == 2);
    CHECK(m.status_total(Status::invalid_id) == 1);
    CHECK(accounted(m) == m.requests());
    CHECK(rig.backend->calls() == 2);  // the two view reads of the filling lookups

    // A new generation makes the L1 entries unusable: a backend is needed again.
    rig.clock->advance_to(rig.clock->current() + 1);
    CHECK_FALSE(r.ancestors_in_memory("france").has_value());
}

TEST_CASE("unknown ids are negatively cached for negative_ttl", "[unit][fake]") {
    Rig rig(geo_seed());
    ResolverOptions o;
    o.negative_ttl = 100ms;
    Resolver r(o, rig.backends);
    auto a = r.ancestors("atlantis");
    CHECK(a.status == Status::not_found);
    CHECK(a.served_by == Tier::l4_live);
    CHECK(rig.l2->last_ttl_ms == 100);
    auto b = r.ancestors("atlantis");
    CHECK(b.status == Status::not_found);
    CHECK(b.served_by == Tier::l1_memory);
    CHECK(rig.backend->live_reads == 1);
    std::this_thread::sleep_for(120ms);
    rig.l2->clear();
    CHECK(r.ancestors("atlantis").served_by == Tier::l4_live);
    CHECK(rig.backend->live_reads == 2);
}

TEST_CASE("a write or refresh is visible on the next request from every tier", "[unit][fake]") {
    Rig rig(geo_seed());
    ResolverGroup group(ResolverOptions{}, rig.backends, 2);
    for (int i = 0; i < 2; ++i) {  // warm L1 of both instances, and L2
        REQUIRE(group[i].ancestors("france").ok());
        REQUIRE(group[i].descendant_count("asia").ok());
    }
    REQUIRE(group[1].ancestors("france").served_by == Tier::l1_memory);

    // Move france under asia: france's ancestors and both continents' counts change.
    auto w = group.upsert_entity({"france", "France", "asia"});
    REQUIRE(w.status == WriteStatus::moved);
    CHECK(w.path == "world.asia.france");
    for (int i = 0; i < 2; ++i) {
        auto a = group[i].ancestors("france");
        REQUIRE(a.ok());
        CHECK(a.value->ids == std::vector<std::string>{"world", "asia"});
        CHECK(a.served_by != Tier::l1_memory);
        CHECK(a.served_by != Tier::l3_view);  // changed since the refresh: L3 must not answer
        CHECK(group[i].descendant_count("asia").value == 3);
        CHECK(group[i].descendant_count("europe").value == 1);
    }
    // Unchanged entities may still come from the view.
    group[0].clear_l1();
    rig.l2->clear();
    CHECK(group[0].ancestors("japan").served_by == Tier::l3_view);
    CHECK(group[0].ancestors("france").served_by == Tier::l4_live);
    CHECK(group[0].descendant_count("asia").served_by == Tier::l4_live);  // subtree changed
    CHECK(group[0].descendant_count("north_america").served_by == Tier::l3_view);

    // Insert below france, then refresh: the view answers again, with the new data.
    REQUIRE(group.upsert_entity({"paris", "Paris", "france"}).status == WriteStatus::inserted);
    CHECK(group[1].ancestors("paris").value->ids ==
          std::vector<std::string>{"world", "asia", "france"});
    auto refreshed = group.refresh_views();
    REQUIRE(refreshed.ok());
    CHECK(refreshed.duration_ms >= 0);
    group[0].clear_l1();
    auto p = group[0].ancestors("paris");
    CHECK(p.served_by == Tier::l3_view);
    CHECK(p.value->ids == std::vector<std::string>{"world", "asia", "france"});
    CHECK(group[0].descendant_count("world").value == 10);
}

TEST_CASE("write validation: unknown parent and cycles", "[unit][fake]") {
    Rig rig(geo_seed());
    Resolver r({}, rig.backends);
    CHECK(r.upsert_entity({"x", "X", "nowhere"}).status == WriteStatus::parent_not_found);
    CHECK(r.upsert_entity({"europe", "Europe", "france"}).status == WriteStatus::cycle);
    CHECK(r.upsert_entity({"europe", "Europe", "europe"}).status == WriteStatus::cycle);
    CHECK(r.upsert_entity({"europe", "Old Europe", "world"}).status == WriteStatus::updated);
    CHECK(r.metrics().write_errors == 3);
}

TEST_CASE("concurrent misses for one id are coalesced into one fetch", "[unit][fake]") {
    Rig rig(geo_seed(), /*with_l2=*/false, /*with_view=*/false);
    rig.backend->delay_ms = 100;
    Resolver r({}, rig.backends);
    constexpr int n = 8;
    std::vector<AncestorsResult> results(n);
    std::barrier sync(n);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i)
        threads.emplace_back([&, i] {
            sync.arrive_and_wait();
            results[i] = r.ancestors("india");
        });
    for (auto& t : threads) t.join();
    CHECK(rig.backend->live_reads == 1);
    int coalesced = 0;
    for (const auto& res : results) {
        REQUIRE(res.ok());
        CHECK(res.served_by == Tier::l4_live);
        CHECK(res.value->ids == std::vector<std::string>{"world", "asia"});
        coalesced += res.coalesced ? 1 : 0;
    }
    CHECK(coalesced == n - 1);
    CHECK(r.metrics().coalesced == n - 1);
    CHECK(r.metrics().served(Tier::l4_live) == n);
}

TEST_CASE("waiting for a slow coalesced fetch ends at the request deadline", "[unit][fake]") {
    Rig rig(geo_seed(), false, false);
    rig.backend->delay_ms = 300;
    ResolverOptions o;
    o.request_timeout = 50ms;
    Resolver r(o, rig.backends);
    std::thread leader([&] { (void)r.ancestors("japan"); });
    std::this_thread::sleep_for(20ms);
    const auto t0 = Clock::now();
    auto follower = r.ancestors("japan");
    CHECK(Clock::now() - t0 < 250ms);
    CHECK(follower.status == Status::timeout);
    leader.join();
    const auto m = r.metrics();
    CHECK(m.status_total(Status::timeout) == 1);
    CHECK(accounted(m) == m.requests());
}

TEST_CASE("served-by counts add up to requests under 2 threads", "[unit][fake]") {
    auto rows = generate_tree({2000, 5, 6});
    Rig rig(rows);
    ResolverOptions o;
    o.l1_capacity = 200;  // force traffic to every tier
    ResolverGroup group(o, rig.backends, 2);
    constexpr int per_thread = 20'000;
    std::atomic<std::uint64_t> issued{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t)
        threads.emplace_back([&, t] {
            std::mt19937 rng(t);
            Resolver& r = group[static_cast<std::size_t>(t)];
            for (int i = 0; i < per_thread; ++i) {
                const int pick = static_cast<int>(rng() % 1000);
                std::string id = pick < 5    ? "bad.id"
                                 : pick < 10 ? "entity_999999"
                                             : rows[rng() % rows.size()].entity_id;
                if (i % 2 == 0)
                    (void)r.ancestors(id);
                else
                    (void)r.descendant_count(id);
                issued.fetch_add(1);
                if (t == 0 && i == per_thread / 2) {
                    rig.l2->fail = FailMode::unavailable;  // an L2 outage mid-run
                }
                if (t == 0 && i == per_thread * 3 / 4) rig.l2->fail = FailMode::none;
            }
        });
    for (auto& t : threads) t.join();
    const auto m = group.metrics();
    CHECK(m.requests() == issued.load());
    CHECK(accounted(m) == m.requests());
    CHECK(m.status_total(Status::unavailable) == 0);
    for (int t = 1; t <= 4; ++t) CHECK(m.served(tier_from_number(t)) > 0);
    CHECK(m.probes[1].errors > 0);
}

TEST_CASE("outages: L2 down falls through, L4 down is unavailable, timeouts are timeouts",
          "[unit][fake]") {
    Rig rig(geo_seed());
    Resolver r({}, rig.backends);
    rig.l2->fail = FailMode::unavailable;
    auto a = r.ancestors("germany");
    CHECK(a.ok());
    CHECK(a.served_by == Tier::l3_view);
    rig.backend->view_fail = FailMode::unavailable;
    auto b = r.ancestors("mexico");
    CHECK(b.ok());
    CHECK(b.served_by == Tier::l4_live);
    rig.backend->live_fail = FailMode::unavailable;
    auto c = r.ancestors("united_states");
    CHECK(c.status == Status::unavailable);
    CHECK(c.served_by == Tier::none);
    CHECK_FALSE(c.error.empty());
    CHECK(r.ancestors("germany").served_by == Tier::l1_memory);  // cached answers still served
    rig.backend->live_fail = FailMode::timeout;
    CHECK(r.descendant_count("asia").status == Status::timeout);
    rig.backend->live_fail = FailMode::none;
    rig.backend->view_fail = FailMode::none;
    rig.l2->fail = FailMode::none;
    CHECK(r.descendant_count("asia").ok());
    const auto m = r.metrics();
    CHECK(accounted(m) == m.requests());
    CHECK(m.status_total(Status::unavailable) == 1);
    CHECK(m.status_total(Status::timeout) == 1);
    CHECK(m.probes[1].errors >= 2);
}
