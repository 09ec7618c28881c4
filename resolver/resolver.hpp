// The four-tier ancestor resolver (docs/architecture.md "Resolver"). Lookup order: L1 memory (this
// instance's sharded LRU), L2 shared cache (embedded map or Redis), L3 view (snapshot /
// materialized view, only for entities unchanged since its refresh), L4 live (source of truth). A
// hit fills the tiers above it. Unknown ids are negatively cached for negative_ttl. Concurrent
// misses for the same (kind, id, generation) are coalesced into one backend fetch. Malformed ids
// are rejected before any backend call.
//
// Thread-safe: one Resolver may be called from any number of threads. Calls block (backend
// round trips) but are bounded: each lookup has a deadline of request_timeout, each backend
// call its own timeout, and nothing sleeps.
#pragma once

#include "resolver/l1_cache.hpp"
#include "resolver/metrics.hpp"
#include "resolver/seams.hpp"
#include "resolver/types.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace volley::resolver {

struct ResolverOptions {
    std::size_t l1_capacity = 1000;  // entries (ancestors and counts together); 0 = L1 off
    std::size_t l1_shards = 8;
    std::chrono::milliseconds l1_ttl{0};                 // positive L1 entries; 0 = no expiry
    std::chrono::milliseconds negative_ttl{5000};        // not_found entries, in L1 and L2
    std::chrono::milliseconds l2_ttl{3'600'000};         // positive L2 entries ...
    std::chrono::milliseconds l2_ttl_jitter{360'000};    // ... ± uniform jitter
    std::chrono::milliseconds request_timeout{1000};     // deadline of one lookup
    std::chrono::milliseconds write_timeout{10'000};     // deadline of one insert/move
    std::chrono::milliseconds refresh_timeout{120'000};  // deadline of one view refresh
    std::string l2_key_prefix = "volley:res:";           // namespaces L2 keys (tests, tenants)
};

// The backends one resolver instance uses. l2 and view may be null (tier off); live and clock
// are required. Instances of one group share l2, view, live and clock.
struct Backends {
    std::shared_ptr<L2Cache> l2;
    std::shared_ptr<ViewStore> view;
    std::shared_ptr<LiveStore> live;
    std::shared_ptr<GenerationClock> clock;
};

class Resolver {
public:
    // Throws std::invalid_argument when live or clock is missing.
    Resolver(ResolverOptions options, Backends backends);
    ~Resolver();
    Resolver(const Resolver&) = delete;
    Resolver& operator=(const Resolver&) = delete;

    // Ancestors of id, root first, excluding id.
    AncestorsResult ancestors(std::string_view id);
    // Number of entities strictly below id.
    CountResult descendant_count(std::string_view id);
    // The answer when no backend is needed: an L1 hit at the current generation, or a malformed
    // id; counted exactly as ancestors() / descendant_count() count it. nullopt when a backend
    // is needed (nothing counted: call ancestors() / descendant_count(), which may block).
    // Never blocks, so an event loop answers hits in place and hands only misses to threads
    // that may block (targets/resolver_target.cpp, resolver/service/http_service.cpp).
    std::optional<AncestorsResult> ancestors_in_memory(std::string_view id);
    std::optional<CountResult> descendant_count_in_memory(std::string_view id);

    // For a caller that reads L2 itself without blocking (resolver/service/http_service.cpp
    // GETs Redis on its event loop), after an in-memory miss: the key to read, or nullopt when
    // L2 is off or known down (then call ancestors() / descendant_count()). Counts nothing.
    struct L2Probe {
        LookupKind kind = LookupKind::ancestors;
        std::uint64_t generation = 0;  // read after the L1 probe, as ancestors() reads it
        std::string key;
    };
    [[nodiscard]] std::optional<L2Probe> l2_probe(LookupKind kind, std::string_view id) const;
    // L2's value for `probe` (nullopt: no such key): the answer when the value decodes, with L1
    // filled and everything counted exactly as ancestors() / descendant_count() count an L2
    // hit; nullopt when it does not (nothing counted: finish with *_below_l2). Never blocks.
    std::optional<AncestorsResult> ancestors_from_l2(std::string_view id, const L2Probe& probe,
                                                     const std::optional<std::string>& value);
    std::optional<CountResult> descendant_count_from_l2(std::string_view id, const L2Probe& probe,
                                                        const std::optional<std::string>& value);
    // Where a lookup below L2 sends its L2 fill when the caller writes L2 itself, without
    // waiting (resolver/service/http_service.cpp); fill errors are then the sink's to count.
    class L2FillSink {
    public:
        virtual ~L2FillSink() = default;
        virtual void fill(std::string key, std::string value, std::chrono::milliseconds ttl) = 0;
    };
    // The rest of a lookup whose L2 read found nothing: L3, then L4 (may block), coalesced and
    // counted as ancestors() / descendant_count() count a lookup whose L2 probe missed. The L2
    // fill goes to `fills` when given, else it is written here (blocking).
    AncestorsResult ancestors_below_l2(std::string_view id, const L2Probe& probe,
                                       L2FillSink* fills = nullptr);
    CountResult descendant_count_below_l2(std::string_view id, const L2Probe& probe,
                                          L2FillSink* fills = nullptr);

    // Insert or move (docs/architecture.md "Resolver", POST /entities); on success advances the
    // shared generation, so the next lookup on any instance of the group sees the write.
    WriteResult upsert_entity(const EntityWrite& write);
    // Refreshes the L3 views, measures the wall-clock duration and advances the generation.
    RefreshResult refresh_views();

    // Counters of this instance plus gauges (L1 size, backend availability, generation).
    [[nodiscard]] MetricsSnapshot metrics() const;
    void clear_l1() { l1_.clear(); }
    [[nodiscard]] const ResolverOptions& options() const { return options_; }
    [[nodiscard]] const Backends& backends() const { return backends_; }

    struct Fetched;  // internal, public for the coalescer in resolver.cpp

private:
    class Flights;
    Fetched lookup(LookupKind kind, std::string_view id);
    // The lookup past L1, coalesced; `probed`: the caller read L2 already and it missed.
    Fetched lookup_below_l1(LookupKind kind, std::string_view id, std::uint64_t generation,
                            const L2Probe* probed, L2FillSink* fills);
    std::optional<Fetched> answer_in_memory(LookupKind kind, std::string_view id);
    std::optional<Fetched> answer_from_l2(LookupKind kind, std::string_view id,
                                          const L2Probe& probe,
                                          const std::optional<std::string>& value);
    Fetched fetch_below_l1(LookupKind kind, std::string_view id, std::uint64_t generation,
                           Deadline deadline, const L2Probe* probed, L2FillSink* fills);
    void fill(LookupKind kind, std::string_view id, std::uint64_t generation,
              const CachedAnswer& answer, const std::string* l2_key_or_null, L2FillSink* fills);
    void fill_l1(LookupKind kind, std::string_view id, std::uint64_t generation,
                 const CachedAnswer& answer);

    ResolverOptions options_;
    Backends backends_;
    L1Cache l1_;
    mutable ResolverCounters counters_;
    std::unique_ptr<Flights> flights_;
    std::atomic<std::int64_t> last_refresh_us_{0};       // duration, microseconds
    std::atomic<std::int64_t> last_refresh_unix_ms_{0};  // wall-clock end, 0 = never
};

}  // namespace volley::resolver
