#include "scenarios/language/templates.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <stdexcept>

namespace volley::scenarios {

bool is_identifier(std::string_view name) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        const bool digit = c >= '0' && c <= '9';
        if (!(letter || (digit && i > 0))) return false;
    }
    return true;
}

std::vector<TemplateToken> tokenize_template(std::string_view text) {
    std::vector<TemplateToken> tokens;
    std::string literal;
    auto flush_literal = [&] {
        if (literal.empty()) return;
        tokens.push_back(TemplateToken{TemplateToken::Kind::text, std::move(literal), {}, {}});
        literal.clear();
    };
    std::size_t position = 0;
    while (position < text.size()) {
        if (text.substr(position, 3) == "$${") {
            literal += "${";
            position += 3;
            continue;
        }
        if (text.substr(position, 2) != "${") {
            literal += text[position++];
            continue;
        }
        const auto close = text.find('}', position + 2);
        if (close == std::string_view::npos) {
            throw std::invalid_argument(fmt::format(
                "unclosed '${{' at offset {} (write $${{ for a literal '${{')", position));
        }
        std::string_view inside = text.substr(position + 2, close - position - 2);
        TemplateToken token;
        if (const auto bar = inside.rfind('|'); bar != std::string_view::npos) {
            const std::string_view filter = inside.substr(bar + 1);
            const auto default_at = inside.find(":-");
            const bool in_env_default = inside.substr(0, 4) == "env:" &&
                                        default_at != std::string_view::npos && default_at < bar;
            if (filter == "url") {
                token.filter = Filter::url;
            } else if (filter == "json") {
                token.filter = Filter::json;
            } else if (filter == "raw") {
                token.filter = Filter::raw;
            } else if (!in_env_default) {  // ${env:X:-a|b}: '|b' is part of the default
                throw std::invalid_argument(fmt::format(
                    "'${{{}}}': unknown filter '{}' (url, json or raw)", inside, filter));
            }
            if (token.filter != Filter::none) inside = inside.substr(0, bar);
        }
        if (inside.substr(0, 4) == "env:") {
            std::string_view name = inside.substr(4);
            const auto default_at = name.find(":-");
            if (default_at != std::string_view::npos) {
                token.env_default = std::string(name.substr(default_at + 2));
                name = name.substr(0, default_at);
            }
            if (!is_identifier(name)) {
                throw std::invalid_argument(fmt::format(
                    "'${{{}}}': '{}' is not an environment variable name", inside, name));
            }
            token.kind = TemplateToken::Kind::env;
            token.text = std::string(name);
        } else {
            std::string_view name = inside;
            const auto dot = name.find('.');
            if (dot != std::string_view::npos) {
                token.field = std::string(name.substr(dot + 1));
                name = name.substr(0, dot);
                if (token.field.empty()) {
                    throw std::invalid_argument(
                        fmt::format("'${{{}}}': empty column name", inside));
                }
            }
            if (!is_identifier(name)) {
                throw std::invalid_argument(fmt::format(
                    "'${{{}}}' is not a reference (write ${{name}}, ${{name.column}} or "
                    "${{env:NAME}})",
                    inside));
            }
            token.kind = TemplateToken::Kind::variable;
            token.text = std::string(name);
        }
        flush_literal();
        tokens.push_back(std::move(token));
        position = close + 1;
    }
    flush_literal();
    return tokens;
}

namespace {

bool same_ascii_lower(std::string_view text, std::string_view lower) {
    if (text.size() != lower.size()) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != lower[i]) return false;
    }
    return true;
}

std::string lower_ascii(std::string_view text) {
    std::string out(text);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::optional<BodyKind> kind_from(const std::vector<std::pair<std::string, std::string>>& headers) {
    for (const auto& [name, value] : headers) {
        if (!same_ascii_lower(name, "content-type")) continue;
        std::string type = lower_ascii(value.substr(0, value.find(';')));
        while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
        const auto ends_with = [&](std::string_view suffix) {
            return type.size() >= suffix.size() &&
                   type.compare(type.size() - suffix.size(), suffix.size(), suffix) == 0;
        };
        if (ends_with("/json") || ends_with("+json")) return BodyKind::json;
        if (type.find("application/x-www-form-urlencoded") != std::string::npos)
            return BodyKind::form;
        return BodyKind::text;
    }
    return std::nullopt;
}

bool is_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

}  // namespace

BodyKind body_kind_of(const std::vector<std::pair<std::string, std::string>>& request_headers,
                      const std::vector<std::pair<std::string, std::string>>& target_headers) {
    if (auto kind = kind_from(request_headers)) return *kind;
    return kind_from(target_headers).value_or(BodyKind::text);
}

std::vector<Position> token_positions(const std::vector<TemplateToken>& tokens, Field field,
                                      BodyKind body) {
    std::vector<Position> positions;
    positions.reserve(tokens.size());
    if (field == Field::header) {
        positions.assign(tokens.size(), Position::header);
        return positions;
    }
    if (field == Field::path) {
        bool query = false;
        for (const auto& token : tokens) {
            positions.push_back(query ? Position::query : Position::path);
            if (token.kind == TemplateToken::Kind::text &&
                token.text.find('?') != std::string::npos)
                query = true;
        }
        return positions;
    }
    if (body != BodyKind::json) {
        positions.assign(tokens.size(), body == BodyKind::form ? Position::form : Position::body);
        return positions;
    }
    // JSON: follow string literals through the literal text; a reference adds no quotes of
    // its own (inside a string its value is escaped; outside it is a whole JSON value).
    bool in_string = false;
    bool escaped = false;
    for (const auto& token : tokens) {
        positions.push_back(in_string ? Position::json_string : Position::json_value);
        if (token.kind != TemplateToken::Kind::text) {
            escaped = false;
            continue;
        }
        for (const char c : token.text) {
            if (escaped) {
                escaped = false;
            } else if (in_string && c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = !in_string;
            }
        }
    }
    return positions;
}

Encoding encoding_for(Position position, Filter filter) {
    switch (filter) {
        case Filter::raw: return Encoding::raw;
        case Filter::url: return Encoding::url;
        case Filter::json: return Encoding::json;
        case Filter::none: break;
    }
    switch (position) {
        case Position::path:
        case Position::query:
        case Position::form: return Encoding::url;
        case Position::json_string: return Encoding::json;
        case Position::header:
        case Position::body:
        case Position::json_value: return Encoding::raw;
    }
    return Encoding::raw;
}

std::string_view position_name(Position position) {
    switch (position) {
        case Position::path: return "the path";
        case Position::query: return "the query";
        case Position::header: return "a header";
        case Position::body: return "the body";
        case Position::json_string: return "a JSON string";
        case Position::json_value: return "the JSON body";
        case Position::form: return "the form body";
    }
    return "?";
}

std::string_view filter_name(Filter filter) {
    switch (filter) {
        case Filter::none: return "";
        case Filter::raw: return "raw";
        case Filter::url: return "url";
        case Filter::json: return "json";
    }
    return "";
}

void append_encoded(std::string& out, std::string_view value, Encoding encoding) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    switch (encoding) {
        case Encoding::raw: out += value; return;
        case Encoding::url:
            for (const char c : value) {
                const auto byte = static_cast<unsigned char>(c);
                if (is_unreserved(byte)) {
                    out.push_back(c);
                } else {
                    out.push_back('%');
                    out.push_back(kHex[byte >> 4]);
                    out.push_back(kHex[byte & 15]);
                }
            }
            return;
        case Encoding::json:
            for (const char c : value) {
                const auto byte = static_cast<unsigned char>(c);
                switch (c) {
                    case '"': out += "\\\""; break;
                    case '\\': out += "\\\\"; break;
                    case '\n': out += "\\n"; break;
                    case '\r': out += "\\r"; break;
                    case '\t': out += "\\t"; break;
                    case '\b': out += "\\b"; break;
                    case '\f': out += "\\f"; break;
                    default:
                        if (byte < 0x20) {
                            out += "\\u00";
                            out.push_back(kHex[byte >> 4]);
                            out.push_back(kHex[byte & 15]);
                        } else {
                            out.push_back(c);  // UTF-8 passes through
                        }
                }
            }
            return;
    }
}

std::string placement_problem(std::string_view value, Position position, Encoding encoding) {
    if (encoding != Encoding::raw) return "";
    if (position == Position::header) {
        if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
            return "holds a line break or NUL, which cannot go into a header";
        return "";
    }
    if (position == Position::path || position == Position::query) {
        for (const char c : value) {
            const auto byte = static_cast<unsigned char>(c);
            if (byte <= 0x20 || byte == 0x7f)
                return "holds a space or control character, which cannot go raw into " +
                       std::string(position_name(position));
        }
    }
    return "";
}

bool has_references(const std::vector<TemplateToken>& tokens) {
    for (const auto& token : tokens) {
        if (token.kind != TemplateToken::Kind::text) return true;
    }
    return false;
}

std::optional<std::string> resolve_env(const TemplateToken& token) {
    // getenv is read-only here; the environment is not modified while scenarios load.
    if (const char* value = std::getenv(token.text.c_str())) return std::string(value);
    return token.env_default;
}

}  // namespace volley::scenarios
