#include "scenarios/templates.hpp"

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
        const std::string_view inside = text.substr(position + 2, close - position - 2);
        TemplateToken token;
        if (inside.substr(0, 4) == "env:") {
            std::string_view name = inside.substr(4);
            const auto default_at = name.find(":-");
            if (default_at != std::string_view::npos) {
                token.env_default = std::string(name.substr(default_at + 2));
                name = name.substr(0, default_at);
            }
            if (!is_identifier(name)) {
                throw std::invalid_argument(
                    fmt::format("'${{{}}}': '{}' is not an environment variable name", inside, name));
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
                    throw std::invalid_argument(fmt::format("'${{{}}}': empty column name", inside));
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
