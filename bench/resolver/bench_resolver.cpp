// Resolver benchmarks (Google Benchmark), each beside a peer measured in the same run; the
// ratios are printed at the end. Times are wall clock; thread counts are stated in the names.
//   L1 hit, 1 and 2 threads          peer: a mutex-guarded std::unordered_map lookup
//   warm embedded throughput, 2 thr. peer: the same workload with every cache off (L4 only)
//   per-tier p50/p99, 100,000 entities in PostgreSQL + Redis (VOLLEY_PG_URL, VOLLEY_REDIS_URL)
//                                    peers, interleaved call by call: raw hiredis GET (L2), raw
//                                    prepared `SELECT 1` on libpqxx (L3, L4)
//   view refresh after 100 writes,   peer: every row recomputed (rebuild)
//   100,000 entities
// Server benchmarks report an error (not a number) when the URLs are unset; bench/resolver/run.sh
// starts the servers.
#include "resolver/group.hpp"
#include "resolver/pg/migrations.hpp"

#include <benchmark/benchmark.h>
#include <hiredis/hiredis.h>
#include <pqxx/pqxx>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <unordered_map>

#include <unistd.h>

using namespace volley::resolver;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t big_tree = 100'000;

// --- L1 hit -------------------------------------------------------------------------------

ResolverGroup& small_group() {
    static ResolverGroup g([] {
        ResolverConfig c;
        c.dataset = ResolverConfig::Dataset::generated;
        c.tree = {1000, 10, 4};
        return c;
    }());
    return g;
}

void BM_L1Hit(benchmark::State& state) {
    Resolver& r = small_group()[0];
    const std::string id = "entity_000" + std::to_string(100 + state.thread_index());
    if (r.ancestors(id).status != Status::ok) state.SkipWithError("warm-up failed");
    for (auto _ : state) benchmark::DoNotOptimize(r.ancestors(id));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_L1Hit)->Threads(1)->Threads(2)->UseRealTime();

// Peer: the naive cache, one mutex around an unordered_map of shared pointers, returning a
// copy of the value (as any cache of shared immutable values must).
void BM_PeerMutexMapHit(benchmark::State& state) {
    static std::mutex mu;
    static std::unordered_map<std::string, AncestorsPtr> map = [] {
        std::unordered_map<std::string, AncestorsPtr> m;
        for (int i = 0; i < 1000; ++i)
            m.emplace(fmt::format("entity_{:06d}", i), make_ancestors({"entity_000000"}));
        return m;
    }();
    const std::string id = "entity_000" + std::to_string(100 + state.thread_index());
    for (auto _ : state) {
        AncestorsPtr value;
        {
            std::lock_guard lock(mu);
            value = map.find(id)->second;
        }
        benchmark::DoNotOptimize(value);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PeerMutexMapHit)->Threads(1)->Threads(2)->UseRealTime();

// --- warm embedded throughput ----------------------------------------------------------------

ResolverGroup& big_embedded(bool caches) {
    auto make = [](bool with_caches) {
        ResolverConfig c;
        c.dataset = ResolverConfig::Dataset::generated;
        c.tree = {big_tree, 10, 6};
        c.instances = 2;
        if (!with_caches) {
            c.resolver.l1_capacity = 0;
            c.l2 = ResolverConfig::L2Mode::off;
            c.l3 = false;
        }
        return std::make_unique<ResolverGroup>(c);
    };
    static auto with = make(true);
    static auto without = make(false);
    return caches ? *with : *without;
}

// 99 % of requests from 400 hot ids (ancestors and counts: 800 L1 entries), 1 % uniform over
// 100,000 ids (cold: L2 or L3); one resolver instance per thread, sharing L2 and L3.
void warm_workload(benchmark::State& state, bool caches) {
    ResolverGroup& g = big_embedded(caches);
    Resolver& r = g[static_cast<std::size_t>(state.thread_index()) % g.size()];
    std::mt19937 rng(static_cast<unsigned>(state.thread_index()) + 1);
    std::vector<std::string> ids;
    for (int i = 0; i < 4096; ++i) {
        const bool cold = rng() % 100 == 0;
        const auto n = cold ? rng() % big_tree : 1000 + rng() % 400;
        ids.push_back(fmt::format("entity_{:06d}", n));
    }
    std::size_t i = 0;
    std::int64_t errors = 0;
    for (auto _ : state) {
        const auto& id = ids[i++ & 4095];
        if (i & 1)
            errors += r.ancestors(id).ok() ? 0 : 1;
        else
            errors += r.descendant_count(id).ok() ? 0 : 1;
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["errors"] = static_cast<double>(errors);
    if (state.thread_index() == 0 && caches) {
        state.counters["hit_rate_pct"] = 100.0 * g.metrics().hit_rate();
    }
}
void BM_EmbeddedWarm(benchmark::State& state) { warm_workload(state, true); }
void BM_PeerEmbeddedNoCache(benchmark::State& state) { warm_workload(state, false); }
BENCHMARK(BM_EmbeddedWarm)->Threads(2)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_PeerEmbeddedNoCache)->Threads(2)->UseRealTime()->MinTime(2.0);

// --- real servers: per-tier latency and view refresh ---------------------------------------

const char* env(const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? v : nullptr;
}

PgOptions bench_pg() {
    PgOptions o;
    o.url = env("VOLLEY_PG_URL");
    o.schema = "volley_bench";
    o.query_timeout = 60s;
    return o;
}

// Loads 100,000 entities into schema volley_bench once per process.
bool ensure_pg_data(benchmark::State& state) {
    if (env("VOLLEY_PG_URL") == nullptr || env("VOLLEY_REDIS_URL") == nullptr) {
        state.SkipWithError("VOLLEY_PG_URL / VOLLEY_REDIS_URL unset: run bench/resolver/run.sh");
        return false;
    }
    static std::once_flag once;
    static std::string failure;
    std::call_once(once, [] {
        try {
            pg_drop_schema(bench_pg());
            pg_migrate(bench_pg());
            pg_load_rows(bench_pg(), generate_tree({big_tree, 10, 6}));
            pg_refresh_views(bench_pg());
        } catch (const std::exception& e) {
            failure = e.what();
        }
    });
    if (!failure.empty()) state.SkipWithError(failure.c_str());
    return failure.empty();
}

std::unique_ptr<ResolverGroup> pg_group(Tier tier) {
    ResolverConfig c;
    c.backend = ResolverConfig::Backend::postgres;
    c.postgres_url = bench_pg().url;
    c.postgres_schema = bench_pg().schema;
    c.pg_migrate = false;
    c.redis_url = env("VOLLEY_REDIS_URL");
    c.resolver.l2_key_prefix = "volley_bench:";
    c.pg_query_timeout = 5000ms;
    c.redis_timeout = 1000ms;
    c.resolver.request_timeout = 10'000ms;
    if (tier != Tier::l1_memory) c.resolver.l1_capacity = 0;
    if (tier == Tier::l3_view || tier == Tier::l4_live) c.l2 = ResolverConfig::L2Mode::off;
    if (tier == Tier::l4_live) c.l3 = false;
    return std::make_unique<ResolverGroup>(c);
}

double percentile(std::vector<double>& us, double p) {
    std::sort(us.begin(), us.end());
    return us[std::min(us.size() - 1,
                       static_cast<std::size_t>(p * static_cast<double>(us.size())))];
}

// Raw round trips with no resolver in between: hiredis GET on one connection (peer of L2) and a
// prepared `SELECT 1` on one libpqxx connection (peer of L3 and L4).
class RawPeer {
public:
    explicit RawPeer(Tier tier) : tier_(tier) {
        if (tier == Tier::l2_redis) {
            const std::string url = env("VOLLEY_REDIS_URL");
            const auto colon = url.rfind(':');
            redis_ =
                redisConnect(url.substr(8, colon - 8).c_str(), std::stoi(url.substr(colon + 1)));
        } else if (tier != Tier::l1_memory) {
            pg_ = std::make_unique<pqxx::connection>(pg_conninfo(bench_pg()));
            pg_->prepare("one", "SELECT 1");
        }
    }
    ~RawPeer() {
        if (redis_ != nullptr) redisFree(redis_);
    }
    [[nodiscard]] bool present() const { return redis_ != nullptr || pg_ != nullptr; }
    void call() {
        if (redis_ != nullptr) {
            freeReplyObject(redisCommand(redis_, "GET volley_bench:peer"));
        } else if (pg_) {
            pqxx::nontransaction tx(*pg_);
            benchmark::DoNotOptimize(tx.exec_prepared("one"));
        }
    }

private:
    Tier tier_;
    redisContext* redis_ = nullptr;
    std::unique_ptr<pqxx::connection> pg_;
};

// Args: tier number (1..4), kind (0 ancestors, 1 descendant count). Each iteration makes one
// resolver call served by that tier and, for L2..L4, one raw round trip to the same server
// right after it, so both see the same machine load; p50/p99 are reported for each.
void BM_Tier(benchmark::State& state) {
    if (!ensure_pg_data(state)) return;
    const Tier tier = tier_from_number(static_cast<int>(state.range(0)));
    const bool count = state.range(1) == 1;
    auto g = pg_group(tier);
    RawPeer peer(tier);
    std::mt19937 rng(7);
    // Leaves (depth 6) and inner nodes alike; L1 gets a small set it can hold.
    std::vector<std::string> ids;
    for (int i = 0; i < 2000; ++i)
        ids.push_back(fmt::format("entity_{:06d}", tier == Tier::l1_memory
                                                       ? 1000 + rng() % 300
                                                       : 1 + rng() % (big_tree - 1)));
    auto call = [&](const std::string& id) {
        return count ? g->instance(0).descendant_count(id).served_by
                     : g->instance(0).ancestors(id).served_by;
    };
    for (const auto& id : ids) call(id);  // warm L1/L2; L3/L4 see the same ids
    std::vector<double> us, peer_us;
    us.reserve(10'000);
    peer_us.reserve(10'000);
    std::size_t i = 0;
    std::int64_t wrong_tier = 0;
    using micro = std::chrono::duration<double, std::micro>;
    for (auto _ : state) {
        const auto& id = ids[i++ % ids.size()];
        const auto t0 = std::chrono::steady_clock::now();
        const Tier served = call(id);
        const auto t1 = std::chrono::steady_clock::now();
        us.push_back(micro(t1 - t0).count());
        wrong_tier += served == tier ? 0 : 1;
        if (peer.present()) {
            peer.call();
            peer_us.push_back(micro(std::chrono::steady_clock::now() - t1).count());
        }
    }
    state.counters["p50_us"] = percentile(us, 0.50);
    state.counters["p99_us"] = percentile(us, 0.99);
    if (!peer_us.empty()) {
        state.counters["peer_p50_us"] = percentile(peer_us, 0.50);
        state.counters["peer_p99_us"] = percentile(peer_us, 0.99);
    }
    state.counters["wrong_tier"] = static_cast<double>(wrong_tier);
}
BENCHMARK(BM_Tier)
    ->ArgNames({"tier", "count"})
    ->Args({1, 0})
    ->Args({2, 0})
    ->Args({3, 0})
    ->Args({4, 0})
    ->Args({1, 1})
    ->Args({2, 1})
    ->Args({3, 1})
    ->Args({4, 1})
    ->Iterations(3000)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// refresh_hierarchy_views() on 100,000 entities after 100 writes (inserts of new leaves under
// parents spread over the tree: 100 logged changes), through the resolver group as volley slo
// triggers it: only the rows the changes touched are recomputed. Wall clock of the refresh
// alone; the inserted leaves stay in the bench schema until the next process reloads it.
void BM_ViewRefresh(benchmark::State& state) {
    if (!ensure_pg_data(state)) return;
    auto g = pg_group(Tier::l3_view);
    // Unique ids across calls of this function in one process.
    std::int64_t written =
        (std::chrono::steady_clock::now().time_since_epoch().count() % 1'000'000) * 1000;
    for (auto _ : state) {
        state.PauseTiming();
        for (int i = 0; i < 100; ++i, ++written) {
            const std::string parent = fmt::format("entity_{:06d}", 1 + (written * 997) % 90000);
            const auto w = g->instance(0).upsert_entity(
                EntityWrite{fmt::format("bench_leaf_{}", written), "", parent});
            if (!w.ok()) state.SkipWithError(w.error.c_str());
        }
        state.ResumeTiming();
        auto r = g->refresh_views();
        if (!r.ok()) state.SkipWithError(r.error.c_str());
        state.SetIterationTime(r.duration_ms / 1000.0);
    }
}
BENCHMARK(BM_ViewRefresh)->Iterations(5)->UseManualTime()->Unit(benchmark::kMillisecond);

// Peer: every row recomputed (refresh_hierarchy_views(rebuild => true)), as after a bulk load.
void BM_PeerRebuild(benchmark::State& state) {
    if (!ensure_pg_data(state)) return;
    for (auto _ : state) {
        const auto t0 = std::chrono::steady_clock::now();
        pg_refresh_views(bench_pg(), ViewRefresh::rebuild);
        state.SetIterationTime(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
}
BENCHMARK(BM_PeerRebuild)->Iterations(5)->UseManualTime()->Unit(benchmark::kMillisecond);

// Embedded snapshot refresh of 100,000 entities, for scale.
void BM_EmbeddedRefresh(benchmark::State& state) {
    ResolverGroup& g = big_embedded(true);
    for (auto _ : state) {
        auto r = g.refresh_views();
        state.SetIterationTime(r.duration_ms / 1000.0);
    }
}
BENCHMARK(BM_EmbeddedRefresh)->Iterations(5)->UseManualTime()->Unit(benchmark::kMillisecond);

// --- ratio table -----------------------------------------------------------------------------

// Console output plus, at the end, each benchmark against its peer.
class RatioReporter : public benchmark::ConsoleReporter {
public:
    explicit RatioReporter(OutputOptions options) : ConsoleReporter(options) {}
    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const auto& r : runs) {
            if (r.error_occurred) continue;
            Row row;
            row.ns = r.GetAdjustedRealTime() * to_ns(r.time_unit);
            row.items = r.counters.count("items_per_second")
                            ? double(r.counters.at("items_per_second"))
                            : 0;
            if (r.counters.count("p50_us")) row.p50 = r.counters.at("p50_us");
            if (r.counters.count("p99_us")) row.p99 = r.counters.at("p99_us");
            if (r.counters.count("peer_p50_us")) row.peer_p50 = r.counters.at("peer_p50_us");
            if (r.counters.count("peer_p99_us")) row.peer_p99 = r.counters.at("peer_p99_us");
            rows_[r.benchmark_name()] = row;
        }
    }
    void Finalize() override {
        ConsoleReporter::Finalize();
        auto& out = GetOutputStream();
        out << "\nRatios against peers measured in this run (lower time / higher rate is "
               "better):\n";
        ratio_time(out, "BM_L1Hit/real_time/threads:1", "BM_PeerMutexMapHit/real_time/threads:1");
        ratio_time(out, "BM_L1Hit/real_time/threads:2", "BM_PeerMutexMapHit/real_time/threads:2");
        ratio_rate(out, "BM_EmbeddedWarm/min_time:2.000/real_time/threads:2",
                   "BM_PeerEmbeddedNoCache/min_time:2.000/real_time/threads:2");
        for (int kind = 0; kind < 2; ++kind)
            for (int t = 2; t <= 4; ++t)
                ratio_peer(
                    out, fmt::format("BM_Tier/tier:{}/count:{}/iterations:3000/real_time", t, kind),
                    t == 2 ? "raw hiredis GET" : "raw SELECT 1");
        ratio_time(out, "BM_ViewRefresh/iterations:5/manual_time",
                   "BM_PeerRebuild/iterations:5/manual_time");
    }

private:
    struct Row {
        double ns = 0, items = 0, p50 = 0, p99 = 0, peer_p50 = 0, peer_p99 = 0;
    };
    static double to_ns(benchmark::TimeUnit u) {
        switch (u) {
            case benchmark::kNanosecond: return 1;
            case benchmark::kMicrosecond: return 1e3;
            case benchmark::kMillisecond: return 1e6;
            case benchmark::kSecond: return 1e9;
        }
        return 1;
    }
    bool have(const std::string& a, const std::string& b) const {
        return rows_.count(a) && rows_.count(b);
    }
    static std::string human(double ns) {
        return ns >= 1e6 ? fmt::format("{:.1f} ms", ns / 1e6) : fmt::format("{:.1f} ns", ns);
    }
    void ratio_time(std::ostream& out, const std::string& a, const std::string& b) {
        if (!have(a, b)) return;
        out << fmt::format("  {:<58} {:>12}  vs {:<40} {:>12}  ratio {:.2f}\n", a,
                           human(rows_[a].ns), b, human(rows_[b].ns), rows_[a].ns / rows_[b].ns);
    }
    void ratio_rate(std::ostream& out, const std::string& a, const std::string& b) {
        if (!have(a, b)) return;
        out << fmt::format("  {:<58} {:>10.0f} /s  vs {:<40} {:>10.0f} /s  ratio {:.2f}\n", a,
                           rows_[a].items, b, rows_[b].items, rows_[a].items / rows_[b].items);
    }
    void ratio_peer(std::ostream& out, const std::string& a, const char* peer) {
        if (!rows_.count(a) || rows_[a].peer_p50 == 0) return;
        const Row& r = rows_[a];
        out << fmt::format(
            "  {:<58} p50 {:>8.1f} us p99 {:>8.1f} us  vs {:<16} p50 {:>7.1f} us p99 {:>8.1f} us  "
            "p50 ratio {:.2f}\n",
            a, r.p50, r.p99, peer, r.peer_p50, r.peer_p99, r.p50 / r.peer_p50);
    }
    std::map<std::string, Row> rows_;
};

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    // Tabular counters; colours only on a terminal.
    RatioReporter reporter(::isatty(STDOUT_FILENO) != 0
                               ? benchmark::ConsoleReporter::OO_ColorTabular
                               : benchmark::ConsoleReporter::OO_Tabular);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    return 0;
}
