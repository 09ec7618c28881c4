// Wire format of L2 entries (shared by the embedded map and Redis, so instances and processes
// agree). Key: <prefix><kind>:<generation>:<id>; a new generation therefore never reads an
// older generation's entries, which expire by TTL. Value: "N" (not found), "C<decimal count>",
// or "A" followed by the ancestor ids joined by ',' (ids never contain ',').
#pragma once

#include "resolver/l1_cache.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace volley::resolver {

std::string l2_key(std::string_view prefix, LookupKind kind, std::uint64_t generation,
                   std::string_view id);
std::string encode_l2_value(LookupKind kind, const CachedAnswer& answer);
// nullopt when the value is malformed or of the other kind (treated as a miss).
std::optional<CachedAnswer> decode_l2_value(LookupKind kind, std::string_view value);

}  // namespace volley::resolver
