// ASCII case folding for protocol text (header names, cookie attributes, month names): no
// locale, no allocation.
#pragma once

#include <cstddef>
#include <string_view>

namespace volley::scenarios {

constexpr char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Equal ignoring ASCII case.
constexpr bool iequals_ascii(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

}  // namespace volley::scenarios
