// The deliberately naive ancestors lookup behind GET /entities/{id}/ancestors/naive (issue 14
// item 3, docs/architecture.md "Resolver"): it walks the parent chain one LiveStore::parent_link
// call per level, straight to the live store — no L1, L2 or L3, no coalescing — so that a scenario
// can show an N+1 query pattern beside the LTREE endpoint's single query.
//
// Depth of an entity = its number of ancestors (0 for a root). The walk costs exactly
// max(depth, 1) parent_link calls (one PostgreSQL query each): each call also says whether
// the parent is a root, so the chain's end is known without fetching the root's own row; a
// root still costs one call, to learn that it exists.
//
// Its answer equals the LTREE one (same ids, root first) whenever each entity's parent_id is
// its nearest ancestor row — true of every dataset volley loads and of every POST /entities
// write. Writes are not isolated from the walk (no transaction): a concurrent move can make
// one answer mix the old and the new chain.
#pragma once

#include "resolver/seams.hpp"
#include "resolver/types.hpp"

#include <cstddef>
#include <string_view>

namespace volley::resolver {

// More levels than any LTREE path can hold (65535): a longer chain is a parent_id cycle.
inline constexpr std::size_t max_walk_levels = 65'535;

// Walks id's parent chain on `live` before `deadline`. ok (served_by l4_live, value = the
// ancestors root first), not_found (unknown id, served_by l4_live), invalid_id (malformed id,
// no call), timeout (deadline passed between calls or a BackendError of kind timeout),
// unavailable (any other backend failure, a chain that breaks — a parent without a row — or
// one longer than max_walk_levels).
AncestorsResult walk_ancestors_naively(LiveStore& live, std::string_view id, Deadline deadline);

}  // namespace volley::resolver
