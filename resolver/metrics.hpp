// Resolver accounting (resolver-notes.md defect 4): every request ends in exactly one status;
// answers (ok, not_found) are also counted under the tier that served them, so
//   requests == sum(served_by) + invalid_id + unavailable + timeout
// holds exactly once the requests have returned. Counters are striped per thread (relaxed
// atomics on thread-private cache lines) and summed on read. The hit rate is per request:
// (answers served by L1, L2 or L3) / requests.
#pragma once

#include "resolver/seams.hpp"
#include "resolver/types.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace volley::resolver {

inline constexpr int status_count = 5;  // Status::ok .. Status::timeout
inline constexpr int kind_count = 2;    // 0 = ancestors, 1 = count

// Per-tier probe results: a hit answered, a miss fell through, an error fell through (or
// failed the request at L4), skipped = not consulted because the backend's breaker was open.
struct TierProbes {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::uint64_t errors = 0;
    std::uint64_t skipped = 0;
};

struct MetricsSnapshot {
    std::array<std::array<std::uint64_t, status_count>, kind_count> outcomes{};  // [kind][status]
    std::array<std::array<std::uint64_t, tier_count>, kind_count> served_by{};   // [kind][tier-1]
    std::array<TierProbes, tier_count> probes{};
    std::uint64_t coalesced = 0;       // requests that waited for another request's fetch
    std::uint64_t l2_fill_errors = 0;  // failed L2 writes after an L3/L4 answer (best effort)
    std::uint64_t writes = 0, write_errors = 0;
    std::uint64_t refreshes = 0, refresh_errors = 0;
    double last_refresh_ms = 0;             // duration of the last successful refresh
    std::int64_t last_refresh_unix_ms = 0;  // wall-clock end of it, 0 = never
    std::size_t l1_size = 0, l1_capacity = 0;
    bool l2_configured = false, l2_available = false;
    bool l3_configured = false, l3_available = false;
    bool l4_available = false;
    std::optional<PoolStats> pool;
    std::uint64_t generation = 0;
    std::size_t instances = 1;

    [[nodiscard]] std::uint64_t status_total(Status s) const;
    [[nodiscard]] std::uint64_t requests() const;
    [[nodiscard]] std::uint64_t served(Tier t) const;
    [[nodiscard]] std::uint64_t hits() const;  // served by L1..L3
    [[nodiscard]] double hit_rate() const;     // hits / requests, 0 when no requests
    // Adds another instance's counters and sizes (availability: all must be up).
    void merge(const MetricsSnapshot& other);
};

// Prometheus text exposition format 0.0.4, metric names prefixed "volley_resolver_".
std::string to_prometheus(const MetricsSnapshot& m);
// The seed's get_cache_performance_metrics() shape (resolver-notes.md), as JSON text. Tier keys
// follow lookup order (l3_cache = view, l4_cache = live); overall_hit_ratio counts requests.
std::string to_cache_performance_json(const MetricsSnapshot& m);

// Exact counters under concurrency; see file comment.
class ResolverCounters {
public:
    enum Id : int {
        coalesced,
        writes,
        write_errors,
        refreshes,
        refresh_errors,
        l2_fill_errors,
        probe_base,                                  // 4 tiers x {hit, miss, error, skipped}
        outcome_base = probe_base + tier_count * 4,  // 2 kinds x 5 statuses
        served_base = outcome_base + kind_count * status_count,  // 2 kinds x 4 tiers
        count_ = served_base + kind_count * tier_count
    };
    enum Probe : int { hit = 0, miss = 1, error = 2, skipped = 3 };

    ResolverCounters();
    void add(int id, std::uint64_t n = 1) {
        stripes_[stripe()].v[static_cast<std::size_t>(id)].fetch_add(n, std::memory_order_relaxed);
    }
    void probe(Tier t, Probe p) { add(probe_base + tier_index(t) * 4 + p); }
    void outcome(int kind, Status s, Tier served) {
        add(outcome_base + kind * status_count + static_cast<int>(s));
        if (served != Tier::none) add(served_base + kind * tier_count + tier_index(served));
    }
    // Sums the stripes into the counter fields of a snapshot (gauges are left untouched).
    void read_into(MetricsSnapshot& out) const;

private:
    static constexpr int stripe_count = 16;
    struct alignas(64) Stripe {
        std::array<std::atomic<std::uint64_t>, count_> v{};
    };
    static std::size_t stripe();
    std::unique_ptr<Stripe[]> stripes_;
};

}  // namespace volley::resolver
