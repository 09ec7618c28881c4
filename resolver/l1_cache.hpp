// L1: a sharded, thread-safe LRU of immutable values (docs/architecture.md "Resolver"). Entries
// carry the data generation they were read at and an optional expiry; an entry of another
// generation or past its expiry is a miss (and is dropped). Capacity is the total over all shards
// (default 1000 per resolver instance); capacity 0 disables L1.
#pragma once

#include "resolver/types.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace volley::resolver {

// What L1 (and L2) cache for one key: a positive ancestors list, a positive count, or a
// negative ("not found") answer.
struct CachedAnswer {
    bool not_found = false;
    AncestorsPtr ancestors;  // set for positive ancestors entries
    std::int64_t count = 0;  // set for positive count entries
};

// Kind of lookup; part of the cache key.
enum class LookupKind : char { ancestors = 'a', count = 'c' };

class L1Cache {
public:
    // shards is clamped to [1, capacity]; each shard holds ceil(capacity / shards) entries.
    explicit L1Cache(std::size_t capacity, std::size_t shards = 8);
    ~L1Cache();
    L1Cache(const L1Cache&) = delete;
    L1Cache& operator=(const L1Cache&) = delete;

    // The entry for (kind, id) if it was stored at `generation` and has not expired at now_ns
    // (steady-clock nanoseconds; -1 = read the clock, only for entries that can expire).
    // Refreshes its LRU position.
    std::optional<CachedAnswer> get(LookupKind kind, std::string_view id, std::uint64_t generation,
                                    std::int64_t now_ns = -1);
    // Stores (or replaces) the entry; expires_ns == 0 means no expiry. Evicts the shard's
    // least recently used entry when full.
    void put(LookupKind kind, std::string_view id, std::uint64_t generation, CachedAnswer value,
             std::int64_t expires_ns);
    void clear();

    [[nodiscard]] std::size_t size() const;
    [[nodiscard]] std::size_t capacity() const { return capacity_; }

private:
    struct Shard;
    Shard& shard_for(std::string_view key);

    std::size_t capacity_;
    std::size_t shard_count_;
    std::unique_ptr<Shard[]> shards_;
};

}  // namespace volley::resolver
