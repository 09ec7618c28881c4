#include "scenarios/language/json_path.hpp"

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace volley::scenarios {
namespace {

[[noreturn]] void refuse(std::string_view path, std::string_view reason) {
    std::string message(path);
    message += ": ";
    message += reason;
    throw std::invalid_argument(message);
}

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool ends_dot_name(char c) {
    return c == '.' || c == '[' || c == ']' || c == '\'' || c == '"' || c == ' ' || c == '\t' ||
           c == '\n' || c == '\r';
}

// "[...]" starting at text[pos] == '['; appends the step and returns the position after ']'.
std::size_t compile_bracket(std::string_view text, std::size_t pos,
                            std::vector<JsonPathStep>& steps) {
    ++pos;  // '['
    if (pos >= text.size()) refuse(text, "'[' is not closed");
    const char open = text[pos];
    if (open == '\'' || open == '"') {
        JsonPathStep step;
        ++pos;
        for (;;) {
            if (pos >= text.size()) refuse(text, "quoted member name is not closed");
            const char c = text[pos];
            if (c == open) break;
            if (c == '\\') {
                if (pos + 1 >= text.size()) refuse(text, "quoted member name is not closed");
                const char escaped = text[pos + 1];
                if (escaped != '\\' && escaped != '\'' && escaped != '"') {
                    refuse(text, "in a quoted member name only \\' \\\" and \\\\ are escapes");
                }
                step.member += escaped;
                pos += 2;
                continue;
            }
            step.member += c;
            ++pos;
        }
        ++pos;  // closing quote
        if (pos >= text.size() || text[pos] != ']') {
            refuse(text, "expected ']' after the quoted member name");
        }
        steps.push_back(std::move(step));
        return pos + 1;
    }
    const std::size_t close = text.find(']', pos);
    if (close == std::string_view::npos) refuse(text, "'[' is not closed");
    const std::string_view inside = text.substr(pos, close - pos);
    if (inside == "*") refuse(text, "wildcards are not supported");
    if (inside.empty()) refuse(text, "index must be an integer");
    const bool negative = inside.front() == '-';
    const std::string_view digits = negative ? inside.substr(1) : inside;
    if (digits.empty()) refuse(text, "index must be an integer");
    for (const char c : digits) {
        if (!is_digit(c)) refuse(text, "index must be an integer");
    }
    std::int64_t magnitude = 0;
    const auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude);
    if (parsed.ec != std::errc{} || magnitude > (std::int64_t{1} << 40)) {
        refuse(text, "index is too large");
    }
    if (negative && magnitude == 0) refuse(text, "index -0: the last element is -1");
    JsonPathStep step;
    step.kind = JsonPathStep::Kind::index;
    step.index = negative ? -magnitude : magnitude;
    steps.push_back(std::move(step));
    return close + 1;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The four hex digits at text[pos..pos+4), or -1.
int hex4(std::string_view text, std::size_t pos) {
    if (pos + 4 > text.size()) return -1;
    int value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        const int digit = hex_value(text[pos + i]);
        if (digit < 0) return -1;
        value = value * 16 + digit;
    }
    return value;
}

void append_utf8(std::uint32_t code_point, std::string& out) {
    if (code_point < 0x80) {
        out += static_cast<char>(code_point);
    } else if (code_point < 0x800) {
        out += static_cast<char>(0xC0 | (code_point >> 6));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else if (code_point < 0x10000) {
        out += static_cast<char>(0xE0 | (code_point >> 12));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (code_point >> 18));
        out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    }
}

// Unescapes the inside of a JSON string the scanner has already validated. A surrogate pair
// becomes its code point; a lone surrogate becomes U+FFFD (JavaScript would keep it, UTF-8
// cannot).
void unescape(std::string_view raw, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c != '\\') {
            out += c;
            continue;
        }
        const char escaped = raw[++i];
        switch (escaped) {
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                auto code_point = static_cast<std::uint32_t>(hex4(raw, i + 1));
                i += 4;
                if (code_point >= 0xD800 && code_point <= 0xDBFF) {
                    const int low = (i + 2 < raw.size() && raw[i + 1] == '\\' && raw[i + 2] == 'u')
                                        ? hex4(raw, i + 3)
                                        : -1;
                    if (low >= 0xDC00 && low <= 0xDFFF) {
                        code_point = 0x10000 + ((code_point - 0xD800) << 10) +
                                     (static_cast<std::uint32_t>(low) - 0xDC00);
                        i += 6;
                    } else {
                        code_point = 0xFFFD;
                    }
                } else if (code_point >= 0xDC00 && code_point <= 0xDFFF) {
                    code_point = 0xFFFD;
                }
                append_utf8(code_point, out);
                break;
            }
            default: out += escaped; break;  // " \ /
        }
    }
}

// A number's value is zero when no mantissa digit is non-zero ("0", "-0.0", "0e7").
bool number_is_zero(std::string_view number) {
    for (const char c : number) {
        if (c == 'e' || c == 'E') break;
        if (c >= '1' && c <= '9') return false;
    }
    return true;
}

// One pass over a JSON text: validates all of it and follows the path. Recursion is bounded by
// JsonExtractor::kMaxDepth.
class Scanner {
public:
    Scanner(std::string_view text, const std::vector<JsonPathStep>& steps, std::string& key_buffer)
        : text_(text), steps_(steps), key_buffer_(key_buffer) {}

    // False when the text is malformed.
    bool scan_document() {
        skip_space();
        if (!value(0, 0)) return false;
        skip_space();
        return pos_ == text_.size();
    }

    bool found = false;
    JsonKind kind = JsonKind::null;
    std::string_view raw;  // the value as written (a string: inside the quotes)
    bool raw_has_escapes = false;

private:
    static constexpr std::size_t kOffPath = static_cast<std::size_t>(-1);

    void skip_space() {
        while (pos_ < text_.size() && is_json_space(text_[pos_])) ++pos_;
    }

    // The value at pos_ (no leading space). step: the index of the path step that applies to
    // this value's children, steps_.size() when this value is the target, kOffPath when the
    // value is off the path.
    bool value(std::size_t depth, std::size_t step) {
        if (pos_ >= text_.size()) return false;
        const std::size_t begin = pos_;
        const bool target = step == steps_.size();
        const std::size_t child_step = target ? kOffPath : step;
        JsonKind value_kind = JsonKind::null;
        bool has_escapes = false;
        switch (text_[pos_]) {
            case '{':
                value_kind = JsonKind::object;
                if (!object(depth + 1, child_step)) return false;
                break;
            case '[':
                value_kind = JsonKind::array;
                if (!array(depth + 1, child_step)) return false;
                break;
            case '"':
                value_kind = JsonKind::string;
                if (!string(has_escapes)) return false;
                break;
            case 't': value_kind = JsonKind::boolean; return literal("true", target, value_kind);
            case 'f': value_kind = JsonKind::boolean; return literal("false", target, value_kind);
            case 'n': return literal("null", target, JsonKind::null);
            default:
                value_kind = JsonKind::number;
                if (!number()) return false;
                break;
        }
        if (target) {
            found = true;
            kind = value_kind;
            raw = value_kind == JsonKind::string ? text_.substr(begin + 1, pos_ - begin - 2)
                                                 : text_.substr(begin, pos_ - begin);
            raw_has_escapes = has_escapes;
        }
        return true;
    }

    bool literal(std::string_view word, bool target, JsonKind value_kind) {
        if (text_.substr(pos_, word.size()) != word) return false;
        if (target) {
            found = true;
            kind = value_kind;
            raw = text_.substr(pos_, word.size());
        }
        pos_ += word.size();
        return true;
    }

    bool number() {
        const std::size_t begin = pos_;
        if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
        if (pos_ >= text_.size()) return false;
        if (text_[pos_] == '0') {
            ++pos_;
        } else if (is_digit(text_[pos_])) {
            while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
        } else {
            return false;
        }
        if (pos_ < text_.size() && text_[pos_] == '.') {
            ++pos_;
            const std::size_t digits = pos_;
            while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
            if (pos_ == digits) return false;
        }
        if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
            const std::size_t digits = pos_;
            while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
            if (pos_ == digits) return false;
        }
        return pos_ > begin;
    }

    // A string at pos_ == '"'; leaves pos_ after the closing quote.
    bool string(bool& has_escapes) {
        ++pos_;
        for (;;) {
            if (pos_ >= text_.size()) return false;
            const auto c = static_cast<unsigned char>(text_[pos_]);
            if (c == '"') break;
            if (c < 0x20) return false;
            if (c == '\\') {
                has_escapes = true;
                if (pos_ + 1 >= text_.size()) return false;
                switch (text_[pos_ + 1]) {
                    case '"':
                    case '\\':
                    case '/':
                    case 'b':
                    case 'f':
                    case 'n':
                    case 'r':
                    case 't': pos_ += 2; break;
                    case 'u':
                        if (hex4(text_, pos_ + 2) < 0) return false;
                        pos_ += 6;
                        break;
                    default: return false;
                }
                continue;
            }
            ++pos_;
        }
        ++pos_;
        return true;
    }

    bool object(std::size_t depth, std::size_t step) {
        if (depth > JsonExtractor::kMaxDepth) return false;
        ++pos_;  // '{'
        const bool follows = step != kOffPath && steps_[step].kind == JsonPathStep::Kind::member;
        bool matched = false;  // the first of duplicate members is the one followed
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == '}') {
            ++pos_;
            return true;
        }
        for (;;) {
            if (pos_ >= text_.size() || text_[pos_] != '"') return false;
            const std::size_t key_begin = pos_ + 1;
            bool key_has_escapes = false;
            if (!string(key_has_escapes)) return false;
            const std::string_view key = text_.substr(key_begin, pos_ - 1 - key_begin);
            std::size_t child_step = kOffPath;
            if (follows && !matched && key_equals(key, key_has_escapes, steps_[step].member)) {
                matched = true;
                child_step = step + 1;
            }
            skip_space();
            if (pos_ >= text_.size() || text_[pos_] != ':') return false;
            ++pos_;
            skip_space();
            if (!value(depth, child_step)) return false;
            skip_space();
            if (pos_ >= text_.size()) return false;
            if (text_[pos_] == '}') {
                ++pos_;
                return true;
            }
            if (text_[pos_] != ',') return false;
            ++pos_;
            skip_space();
        }
    }

    bool key_equals(std::string_view raw_key, bool has_escapes, const std::string& member) {
        if (!has_escapes) return raw_key == member;
        unescape(raw_key, key_buffer_);
        return key_buffer_ == member;
    }

    bool array(std::size_t depth, std::size_t step) {
        if (depth > JsonExtractor::kMaxDepth) return false;
        std::int64_t wanted = -1;  // the element followed, or -1
        if (step != kOffPath && steps_[step].kind == JsonPathStep::Kind::index) {
            wanted = steps_[step].index;
            if (wanted < 0) {
                // From the back: count the elements first (a second, skipping pass).
                const std::size_t start = pos_;
                std::int64_t count = 0;
                if (!elements(depth, -1, step, count)) return false;
                pos_ = start;
                wanted += count;
                if (wanted < 0) wanted = -1;
            }
        }
        std::int64_t count = 0;
        return elements(depth, wanted, step, count);
    }

    // The elements of the array at pos_ == '['; element `wanted` is followed with step + 1.
    bool elements(std::size_t depth, std::int64_t wanted, std::size_t step, std::int64_t& count) {
        ++pos_;  // '['
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == ']') {
            ++pos_;
            return true;
        }
        for (;;) {
            const std::size_t child_step = count == wanted ? step + 1 : kOffPath;
            if (!value(depth, child_step)) return false;
            ++count;
            skip_space();
            if (pos_ >= text_.size()) return false;
            if (text_[pos_] == ']') {
                ++pos_;
                return true;
            }
            if (text_[pos_] != ',') return false;
            ++pos_;
            skip_space();
        }
    }

    std::string_view text_;
    const std::vector<JsonPathStep>& steps_;
    std::string& key_buffer_;
    std::size_t pos_ = 0;
};

}  // namespace

JsonPath compile_json_path(std::string_view text) {
    if (text.empty() || text.front() != '$') refuse(text, "a JSON path starts with '$'");
    std::vector<JsonPathStep> steps;
    std::size_t pos = 1;
    while (pos < text.size()) {
        const char c = text[pos];
        if (c == '.') {
            ++pos;
            if (pos < text.size() && text[pos] == '.') refuse(text, "'..' is not supported");
            const std::size_t begin = pos;
            while (pos < text.size() && !ends_dot_name(text[pos])) ++pos;
            if (pos == begin) refuse(text, "expected a member name after '.'");
            if (text.substr(begin, pos - begin) == "*") refuse(text, "wildcards are not supported");
            JsonPathStep step;
            step.member = std::string(text.substr(begin, pos - begin));
            steps.push_back(std::move(step));
        } else if (c == '[') {
            pos = compile_bracket(text, pos, steps);
        } else {
            refuse(text, "expected '.' or '[' at position " + std::to_string(pos + 1));
        }
    }
    return JsonPath(std::string(text), std::move(steps));
}

JsonLookup JsonExtractor::find(const JsonPath& path, std::string_view json_text) {
    Scanner scanner(json_text, path.steps(), key_buffer_);
    JsonLookup lookup;
    if (!scanner.scan_document()) {
        lookup.malformed = true;
        return lookup;
    }
    if (!scanner.found) return lookup;
    lookup.found = true;
    lookup.kind = scanner.kind;
    lookup.text = scanner.raw;
    if (scanner.kind == JsonKind::string && scanner.raw_has_escapes) {
        unescape(scanner.raw, value_buffer_);
        lookup.text = value_buffer_;
    }
    switch (lookup.kind) {
        case JsonKind::string: lookup.truthy = !lookup.text.empty(); break;
        case JsonKind::number: lookup.truthy = !number_is_zero(lookup.text); break;
        case JsonKind::boolean: lookup.truthy = lookup.text == "true"; break;
        case JsonKind::null: lookup.truthy = false; break;
        case JsonKind::object:
        case JsonKind::array: lookup.truthy = true; break;
    }
    return lookup;
}

}  // namespace volley::scenarios
