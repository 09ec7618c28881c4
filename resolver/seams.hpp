// Backend seams of the resolver, one per tier below L1 (docs/architecture.md "Resolver"):
//   L2Cache   — shared cache (embedded TTL map or Redis), string values with a TTL;
//   ViewStore — L3, the precomputed views (embedded snapshot or PostgreSQL materialized views);
//   LiveStore — L4, the source of truth (embedded path store or PostgreSQL LTREE queries).
// Embedded, real and fake implementations plug in here. Every call takes a deadline or has a
// configured timeout; failures are reported by throwing BackendError.
#pragma once

#include "resolver/types.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace volley::resolver {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

// A backend call failed. `unavailable`: connection refused/lost, circuit breaker open, pool
// exhausted past the deadline or any other server-side failure; `timeout`: the call's deadline
// or the backend's timeout passed. `fast_fail` is true when the call was refused by an open
// circuit breaker without touching the server.
class BackendError : public std::runtime_error {
public:
    enum class Kind : std::uint8_t { unavailable, timeout };
    BackendError(Kind kind, const std::string& what, bool fast_fail = false)
        : std::runtime_error(what), kind_(kind), fast_fail_(fast_fail) {}
    [[nodiscard]] Kind kind() const { return kind_; }
    [[nodiscard]] bool fast_fail() const { return fast_fail_; }

private:
    Kind kind_;
    bool fast_fail_;
};

// L2: a key/value cache shared by resolver instances. Keys and values are opaque strings
// (the resolver encodes the generation into the key). Calls are bounded by the implementation's
// configured timeout.
class L2Cache {
public:
    virtual ~L2Cache() = default;
    // The value stored under key, or nullopt on a miss. Throws BackendError.
    virtual std::optional<std::string> get(std::string_view key) = 0;
    // Stores value under key for ttl (milliseconds, > 0). Throws BackendError.
    virtual void set(std::string_view key, std::string_view value,
                     std::chrono::milliseconds ttl) = 0;
    // False while the backend is known to be down (circuit breaker open).
    [[nodiscard]] virtual bool available() const = 0;
    [[nodiscard]] virtual std::string_view kind() const = 0;  // "embedded", "redis", "fake"
};

// L3: the views as of the last refresh. A lookup answers only for an entity present in the
// view AND unchanged since the refresh (neither it, its ancestors nor, for counts, its subtree
// was written since); otherwise it returns "absent" and the caller falls through to L4.
class ViewStore {
public:
    virtual ~ViewStore() = default;
    // Ancestors from the view, or nullptr when absent or stale. Throws BackendError.
    virtual AncestorsPtr view_ancestors(std::string_view id, Deadline deadline) = 0;
    // Descendant count from the view, or nullopt when absent or stale. Throws BackendError.
    virtual std::optional<std::int64_t> view_descendant_count(std::string_view id,
                                                              Deadline deadline) = 0;
    // Refreshes both views (PostgreSQL: the rows the logged changes touched) and returns the data
    // generation after the refresh (a refresh bumps it). Throws BackendError.
    virtual std::uint64_t refresh_views(Deadline deadline) = 0;
    [[nodiscard]] virtual bool view_available() const = 0;
};

// Connection-pool gauges of a backend that has a pool (PostgreSQL).
struct PoolStats {
    std::size_t size = 0;        // configured maximum connections
    std::size_t open = 0;        // connections currently open
    std::size_t in_use = 0;      // connections leased right now
    std::size_t max_in_use = 0;  // high-water mark of in_use since start
    std::uint64_t acquire_timeouts = 0;
    // Leases ended since start and their summed duration (acquire to release, nanoseconds).
    // Over a window, leases / seconds is the arrival rate and leased_ns / leases the time in
    // the pool per lease; their product (leased_ns / window ns) is the mean number of
    // connections in use (Little's law), whatever the sampling misses.
    std::uint64_t leases = 0;
    std::uint64_t leased_ns = 0;
    [[nodiscard]] double utilization() const {
        return size == 0 ? 0.0 : static_cast<double>(in_use) / static_cast<double>(size);
    }
};

// One step of a parent-by-parent walk (the naive ancestors endpoint, resolver/naive_walk.hpp):
// the entity's parent, and whether that parent is itself a root, so that the walk over an
// entity with d >= 1 ancestors costs exactly d calls (the call on the last ancestor below the
// root already says the chain ends there).
struct ParentLink {
    std::string parent_id;        // empty: the entity is a root
    bool parent_is_root = false;  // meaningful when parent_id is not empty
};

// L4: the source of truth, and the write path.
class LiveStore {
public:
    virtual ~LiveStore() = default;
    // Ancestors (root first, excluding the entity), or nullptr for an unknown id.
    // Throws BackendError.
    virtual AncestorsPtr live_ancestors(std::string_view id, Deadline deadline) = 0;
    // Number of entities strictly below the entity, or nullopt for an unknown id.
    virtual std::optional<std::int64_t> live_descendant_count(std::string_view id,
                                                              Deadline deadline) = 0;
    // The entity's parent link from its own row (parent_id) and its parent's row, in ONE
    // round trip (PostgreSQL: one query), or nullopt for an unknown id. Never cached: the
    // deliberately naive endpoint calls it once per level. Throws BackendError.
    virtual std::optional<ParentLink> parent_link(std::string_view id, Deadline deadline) = 0;
    // Inserts the entity or moves it under a new parent (rewriting its subtree's paths).
    // Returns the outcome and the data generation after the write; validation failures are
    // reported in WriteResult::status, backend failures by throwing BackendError.
    virtual WriteResult upsert(const EntityWrite& write, Deadline deadline) = 0;
    // The current data generation. Throws BackendError.
    virtual std::uint64_t data_generation(Deadline deadline) = 0;
    [[nodiscard]] virtual bool live_available() const = 0;
    [[nodiscard]] virtual std::optional<PoolStats> pool_stats() const { return std::nullopt; }
};

// The data generation as this process knows it, shared by all resolver instances of a group.
// Writes and refreshes advance it; cached entries tagged with another generation are ignored.
class GenerationClock {
public:
    explicit GenerationClock(std::uint64_t initial = 1) : g_(initial) {}
    [[nodiscard]] std::uint64_t current() const { return g_.load(std::memory_order_acquire); }
    // Raises the generation to g if g is newer; never moves it backwards.
    void advance_to(std::uint64_t g) {
        std::uint64_t cur = g_.load(std::memory_order_relaxed);
        while (cur < g && !g_.compare_exchange_weak(cur, g, std::memory_order_acq_rel)) {}
    }

private:
    std::atomic<std::uint64_t> g_;
};

}  // namespace volley::resolver
