// UTF-8 validity of scenario text (docs/scenarios.md "Text"): a YAML file is Unicode text, and
// its names reach reports, hlog tags, JUnit XML and terminals, which all need valid UTF-8.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace volley::scenarios {

// The offset of the first byte of `text` that does not start a well-formed UTF-8 sequence
// (RFC 3629: no overlong forms, no surrogates U+D800..U+DFFF, nothing above U+10FFFF, no
// truncated sequence); nullopt when all of `text` is valid.
[[nodiscard]] constexpr std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
    std::size_t i = 0;
    const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[at]); };
    while (i < text.size()) {
        const unsigned char lead = byte(i);
        std::size_t length = 0;
        unsigned char min_second = 0x80;
        unsigned char max_second = 0xBF;
        if (lead < 0x80) {
            ++i;
            continue;
        }
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            if (lead == 0xE0) min_second = 0xA0;  // overlong
            if (lead == 0xED) max_second = 0x9F;  // surrogates
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            if (lead == 0xF0) min_second = 0x90;  // overlong
            if (lead == 0xF4) max_second = 0x8F;  // above U+10FFFF
        } else {
            return i;
        }
        if (text.size() - i < length) return i;
        if (byte(i + 1) < min_second || byte(i + 1) > max_second) return i;
        for (std::size_t k = 2; k < length; ++k) {
            if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return i;
        }
        i += length;
    }
    return std::nullopt;
}

}  // namespace volley::scenarios
