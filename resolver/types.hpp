// Vocabulary of the four-tier resolver (docs/architecture.md "Resolver"): tiers in lookup order,
// request statuses, immutable cached values and the result of one lookup.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace volley::resolver {

// Tiers in lookup order. `none` = no tier answered (invalid id, backend error).
enum class Tier : std::uint8_t { none = 0, l1_memory = 1, l2_redis = 2, l3_view = 3, l4_live = 4 };

inline constexpr int tier_count = 4;

// Index 0..3 for l1..l4; callers must not pass Tier::none.
constexpr int tier_index(Tier t) { return static_cast<int>(t) - 1; }
constexpr Tier tier_from_number(int n) { return static_cast<Tier>(n); }

// "L1".."L4" ("-" for none): the X-Cache-Tier header value.
std::string_view tier_label(Tier t);
// "memory", "redis", "view", "live" ("none").
std::string_view tier_name(Tier t);

// Outcome of one request. ok and not_found are answers (served by a tier); the others are
// errors: invalid_id is rejected before any backend call, unavailable means a required backend
// is down (or its circuit breaker is open), timeout means the request deadline passed.
enum class Status : std::uint8_t { ok, not_found, invalid_id, unavailable, timeout };

std::string_view status_name(Status s);

// Ancestors of an entity: entity ids, root first, excluding the entity itself. Cached values
// are shared and never mutated after construction.
struct Ancestors {
    std::vector<std::string> ids;
    friend bool operator==(const Ancestors&, const Ancestors&) = default;
};
using AncestorsPtr = std::shared_ptr<const Ancestors>;

inline AncestorsPtr make_ancestors(std::vector<std::string> ids) {
    return std::make_shared<const Ancestors>(Ancestors{std::move(ids)});
}

// Result of a lookup. `value` is meaningful only when status == ok; `served_by` is set for ok
// and not_found. `coalesced` is true when this request waited for another request's fetch.
template <typename T>
struct Result {
    Status status = Status::unavailable;
    Tier served_by = Tier::none;
    T value{};
    bool coalesced = false;
    std::string error;  // human-readable cause for error statuses, empty otherwise

    [[nodiscard]] bool ok() const { return status == Status::ok; }
};

using AncestorsResult = Result<AncestorsPtr>;
using CountResult = Result<std::int64_t>;

// An insert or a move: `parent_id` empty = a root. The entity's path becomes
// parent.path || entity_id (a move rewrites the paths of its whole subtree).
struct EntityWrite {
    std::string entity_id;
    std::string name;
    std::string parent_id;
};

enum class WriteStatus : std::uint8_t {
    inserted,
    moved,
    updated,
    invalid_id,
    parent_not_found,
    cycle,
    unavailable,
    timeout
};
std::string_view write_status_name(WriteStatus s);

struct WriteResult {
    WriteStatus status = WriteStatus::unavailable;
    std::string path;              // dotted LTREE path after the write (empty on error)
    std::uint64_t generation = 0;  // data generation after the write
    std::string error;
    [[nodiscard]] bool ok() const {
        return status == WriteStatus::inserted || status == WriteStatus::moved ||
               status == WriteStatus::updated;
    }
};

struct RefreshResult {
    Status status = Status::unavailable;  // ok, unavailable or timeout
    double duration_ms = 0;        // wall-clock time of the whole refresh call, in milliseconds
    std::uint64_t generation = 0;  // data generation after the refresh
    std::string error;
    [[nodiscard]] bool ok() const { return status == Status::ok; }
};

}  // namespace volley::resolver
