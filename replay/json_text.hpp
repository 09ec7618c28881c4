// JSON parsing for the capture readers with the position of a syntax error.
#pragma once

#include <boost/json/parser.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace volley::replay {

// "line 3, column 17" (1-based; columns count bytes) of byte `offset` of `text`.
[[nodiscard]] inline std::string text_position(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    std::size_t line = 1, line_start = 0;
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(offset - line_start + 1);
}

// Parses all of `text` as one JSON value into `storage` with `parser` (reused between calls).
// On a syntax error sets `ec` and `error_offset` (the byte where parsing stopped).
inline boost::json::value parse_json_at(boost::json::parser& parser, std::string_view text,
                                        boost::json::storage_ptr storage,
                                        boost::system::error_code& ec, std::size_t& error_offset) {
    parser.reset(std::move(storage));
    const std::size_t used = parser.write(text.data(), text.size(), ec);
    if (ec) {
        error_offset = used;
        return nullptr;
    }
    return parser.release();
}

}  // namespace volley::replay
