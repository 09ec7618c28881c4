// Entity id validation (resolver-notes.md defect 2): ids are opaque strings matching
// [A-Za-z0-9_]{1,64}, which is also a valid LTREE label. Checked before any backend call.
#pragma once

#include <string_view>

namespace volley::resolver {

inline constexpr std::size_t max_id_length = 64;

constexpr bool valid_id(std::string_view id) {
    if (id.empty() || id.size() > max_id_length) return false;
    for (char c : id) {
        const bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) return false;
    }
    return true;
}

}  // namespace volley::resolver
