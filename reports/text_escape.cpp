#include "reports/text_escape.hpp"

#include <algorithm>

namespace volley::reports {
namespace {

bool is_forbidden_control(unsigned char c) {
    return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
}

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace

std::string escape_markup(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (char ch : text) {
        switch (ch) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default:
                if (is_forbidden_control(static_cast<unsigned char>(ch))) {
                    out += replacement_character;
                } else {
                    out += ch;
                }
        }
    }
    return out;
}

std::string escape_markdown(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (char ch : text) {
        switch (ch) {
            case '\\':
            case '`':
            case '*':
            case '_':
            case '|':
                out += '\\';
                out += ch;
                break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '&': out += "&amp;"; break;
            case '\r':
            case '\n': out += ' '; break;
            default:
                if (is_forbidden_control(static_cast<unsigned char>(ch))) {
                    out += replacement_character;
                } else {
                    out += ch;
                }
        }
    }
    return out;
}

std::string strip_control_characters(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7f) continue;
        // C1 controls U+0080..U+009F (UTF-8 C2 80..C2 9F), e.g. the 8-bit CSI U+009B.
        if (c == 0xC2 && i + 1 < text.size()) {
            const auto next = static_cast<unsigned char>(text[i + 1]);
            if (next >= 0x80 && next <= 0x9F) {
                ++i;
                continue;
            }
        }
        out += text[i];
    }
    return out;
}

std::size_t display_width(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

std::string pad_to_width(const std::string& text, std::size_t width, bool right_align) {
    const auto fill = std::string(width - std::min(width, display_width(text)), ' ');
    return right_align ? fill + text : text + fill;
}

}  // namespace volley::reports
