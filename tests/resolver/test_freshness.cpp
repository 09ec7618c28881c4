// Issue 16: no stale answer after a change is committed and the generation bumped. Against REAL
// PostgreSQL 15 and Redis 7 (VOLLEY_PG_URL, VOLLEY_REDIS_URL; FAILS when unset), in a schema and
// Redis key prefix of its own.
//
// Lookup threads on both instances of a two-instance group ask, in a loop, for the ancestors of
// a subtree's entities and the descendant counts of the entities above it, while the main thread
// moves the subtree's root under another parent (through instance 0), refreshes the views, and
// moves it back. Each lookup notes which of those steps had returned when it STARTED; its answer
// must be the data as of that step (computed from parent links alone), or of a later step that
// had begun before the lookup ended: a lookup that started before a step returned may give the
// data before or after it.
#include "resolver/group.hpp"
#include "resolver/pg/migrations.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace volley::resolver;
using namespace volley::resolver::test;
using namespace std::chrono_literals;

namespace {

// Steps of the main thread, in order; a lookup records the last one that had returned.
enum Step : int { kLoaded = 0, kMoved = 1, kRefreshed = 2, kMovedBack = 3, kSteps = 4 };

std::string join(const std::vector<std::string>& ids) {
    std::string out;
    for (const auto& id : ids) out += (out.empty() ? "" : ",") + id;
    return out;
}

bool has_prefix(const std::string& path, const std::string& prefix) {
    return path == prefix || path.rfind(prefix + ".", 0) == 0;
}

// The entity rows with `id` moved below `parent` (paths rewritten for its subtree).
std::vector<EntityRow> moved(std::vector<EntityRow> rows, const std::string& id,
                             const std::string& parent) {
    std::string old_path, parent_path;
    for (const auto& r : rows) {
        if (r.entity_id == id) old_path = r.path;
        if (r.entity_id == parent) parent_path = r.path;
    }
    const std::string new_path = parent_path + "." + id;
    for (auto& r : rows) {
        if (r.entity_id == id) r.parent_id = parent;
        if (has_prefix(r.path, old_path)) r.path = new_path + r.path.substr(old_path.size());
    }
    return rows;
}

// What the lookup threads saw after the first step: answers per tier, and every answer that did
// not match the data of the step it started after.
struct Observed {
    std::array<std::array<std::uint64_t, tier_count>, kSteps> served{};  // [step][tier]
    std::uint64_t lookups = 0, errors = 0;
    std::vector<std::string> stale;  // the first few, for the message
    std::uint64_t stale_count = 0;
};

}  // namespace

TEST_CASE("postgres: no stale answer once a move or refresh has returned, on any tier or instance",
          "[postgres]") {
    const auto pg_url = require_env("VOLLEY_PG_URL");
    const auto redis_url = require_env("VOLLEY_REDIS_URL");
    PgSchema schema(pg_url);
    const auto rows = generate_tree({800, 4, 6});
    pg_load_rows(schema.options, rows);
    pg_refresh_views(schema.options);

    // The subtree: the first level-3 entity with descendants; the new parent: a level-3 entity
    // of another level-2 branch (so every ancestry in the subtree changes).
    const auto depth = [](const EntityRow& r) {
        return std::count(r.path.begin(), r.path.end(), '.') + 1;
    };
    const auto original = expected_from_parents(rows);
    const EntityRow* root = nullptr;
    const EntityRow* target = nullptr;
    for (const auto& r : rows) {
        if (!root && depth(r) == 3 && original.counts.at(r.entity_id) > 4) root = &r;
    }
    REQUIRE(root);
    for (const auto& r : rows) {
        if (depth(r) == 3 && r.parent_id != root->parent_id) target = &r;
    }
    REQUIRE(target);
    const auto moved_rows = moved(rows, root->entity_id, target->entity_id);
    const auto after_move = expected_from_parents(moved_rows);
    // The data as of each step.
    const std::array<const Expected*, kSteps> expected{&original, &after_move, &after_move,
                                                       &original};

    std::vector<std::string> subtree, above;  // ancestors asked for the subtree, counts above it
    for (const auto& r : rows) {
        if (has_prefix(r.path, root->path)) subtree.push_back(r.entity_id);
    }
    above = original.ancestors.at(root->entity_id);
    for (const auto& id : after_move.ancestors.at(root->entity_id)) above.push_back(id);
    REQUIRE(after_move.ancestors.at(subtree.back()) != original.ancestors.at(subtree.back()));
    REQUIRE(after_move.counts.at(target->entity_id) != original.counts.at(target->entity_id));

    ResolverConfig cfg;
    cfg.backend = ResolverConfig::Backend::postgres;
    cfg.postgres_url = schema.options.url;
    cfg.postgres_schema = schema.options.schema;
    cfg.pg_migrate = false;  // PgSchema migrated it
    cfg.redis_url = redis_url;
    cfg.l2 = ResolverConfig::L2Mode::redis;
    cfg.instances = 2;
    cfg.pg_query_timeout = 5000ms;  // generous: CI machines are slow and shared
    cfg.redis_timeout = 1000ms;
    cfg.resolver.request_timeout = 10'000ms;
    cfg.resolver.l2_key_prefix = unique_name("volley_fresh") + ":";
    ResolverGroup g(cfg);

    // Every answer cached before the first step: L1 of both instances, L2, and the view.
    for (std::size_t i = 0; i < g.size(); ++i) {
        for (const auto& id : subtree) REQUIRE(g[i].ancestors(id).ok());
        for (const auto& id : above) REQUIRE(g[i].descendant_count(id).ok());
    }

    std::atomic<int> begun{kLoaded};  // the last step the main thread began
    std::atomic<int> step{kLoaded};   // the last step that returned
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> lookups{0};
    constexpr int kThreads = 4;  // two per instance
    // A bound, never reached in practice: the main thread stops the lookups after its steps.
    constexpr std::uint64_t kMaxLookupsPerThread = 50'000'000;
    std::array<Observed, kThreads> observed;
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            Observed& o = observed[static_cast<std::size_t>(t)];
            Resolver& r = g[static_cast<std::size_t>(t) % g.size()];
            std::mt19937 rng(static_cast<unsigned>(t));
            for (std::uint64_t n = 0; n < kMaxLookupsPerThread && !stop.load(); ++n) {
                const int started_after = step.load();
                const bool count = rng() % 4 == 0;
                const auto& id =
                    count ? above[rng() % above.size()] : subtree[rng() % subtree.size()];
                std::string got;
                Tier tier = Tier::none;
                // The data as of step s is a right answer when s had returned before the
                // lookup started, or is a later step that had begun before it ended.
                std::function<bool(int)> is_data_of;
                if (count) {
                    const auto a = r.descendant_count(id);
                    if (a.ok()) {
                        tier = a.served_by;
                        got = std::to_string(a.value);
                        is_data_of = [&, value = a.value](int s) {
                            return value == expected[static_cast<std::size_t>(s)]->counts.at(id);
                        };
                    }
                } else {
                    const auto a = r.ancestors(id);
                    if (a.ok()) {
                        tier = a.served_by;
                        got = join(a.value->ids);
                        is_data_of = [&, value = a.value](int s) {
                            return value->ids ==
                                   expected[static_cast<std::size_t>(s)]->ancestors.at(id);
                        };
                    }
                }
                const int latest_begun = begun.load();
                ++o.lookups;
                lookups.fetch_add(1);
                if (tier == Tier::none) {
                    ++o.errors;
                    continue;
                }
                ++o.served[static_cast<std::size_t>(started_after)]
                          [static_cast<std::size_t>(tier_index(tier))];
                bool right = false;
                for (int step_data = started_after; step_data <= latest_begun; ++step_data)
                    right = right || is_data_of(step_data);
                if (!right) {
                    if (++o.stale_count <= 5) {
                        std::ostringstream s;
                        s << (count ? "descendant_count(" : "ancestors(") << id << ") on instance "
                          << t % 2 << " started after step " << started_after
                          << " returned (ended before step " << latest_begun + 1
                          << " began), served by " << tier_label(tier) << ": " << got;
                        o.stale.push_back(s.str());
                    }
                }
            }
        });
    }
    // Lets the threads do `n` more lookups (bounded in time: the test fails, never hangs).
    const auto run_lookups = [&](std::uint64_t n) {
        const auto until = lookups.load() + n;
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (lookups.load() < until && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(1ms);
        return lookups.load() >= until;
    };

    bool ran = run_lookups(500);
    const auto generation_before = g.metrics().generation;
    begun = kMoved;
    const auto move = g.upsert_entity({root->entity_id, root->name, target->entity_id});
    step = kMoved;
    ran = run_lookups(2000) && ran;
    begun = kRefreshed;
    const auto refresh = g.refresh_views();
    step = kRefreshed;
    ran = run_lookups(2000) && ran;
    begun = kMovedBack;
    const auto back = g.upsert_entity({root->entity_id, root->name, root->parent_id});
    step = kMovedBack;
    ran = run_lookups(2000) && ran;
    stop = true;
    for (auto& t : threads) t.join();

    REQUIRE(move.status == WriteStatus::moved);
    REQUIRE(refresh.ok());
    REQUIRE(back.status == WriteStatus::moved);
    CHECK(move.generation > generation_before);
    CHECK(refresh.generation > move.generation);
    CHECK(back.generation > refresh.generation);
    CHECK(ran);

    Observed all;
    for (const auto& o : observed) {
        all.lookups += o.lookups;
        all.errors += o.errors;
        all.stale_count += o.stale_count;
        all.stale.insert(all.stale.end(), o.stale.begin(), o.stale.end());
        for (int s = 0; s < kSteps; ++s)
            for (int tier = 0; tier < tier_count; ++tier)
                all.served[static_cast<std::size_t>(s)][static_cast<std::size_t>(tier)] +=
                    o.served[static_cast<std::size_t>(s)][static_cast<std::size_t>(tier)];
    }
    std::ostringstream tiers;
    for (int s = 0; s < kSteps; ++s) {
        tiers << "\nafter step " << s << ":";
        for (int tier = 0; tier < tier_count; ++tier)
            tiers << " L" << tier + 1 << " "
                  << all.served[static_cast<std::size_t>(s)][static_cast<std::size_t>(tier)];
    }
    INFO("subtree of " << root->entity_id << " (" << subtree.size() << " entities) moved below "
                       << target->entity_id << " and back; " << all.lookups << " lookups"
                       << tiers.str());
    std::string first_stale;
    for (const auto& message : all.stale) first_stale += "\n  " + message;
    INFO("stale answers (first few per thread):" << first_stale);
    CHECK(all.stale_count == 0);
    CHECK(all.errors == 0);
    // The check covered every tier: answers after a step came from each of L1..L4 (L4 for the
    // changed entities until the refresh, L3 after it, L1/L2 once refilled).
    for (int tier = 0; tier < tier_count; ++tier) {
        INFO("tier L" << tier + 1);
        std::uint64_t n = 0;
        for (int s = kMoved; s < kSteps; ++s)
            n += all.served[static_cast<std::size_t>(s)][static_cast<std::size_t>(tier)];
        CHECK(n > 0);
    }
}
