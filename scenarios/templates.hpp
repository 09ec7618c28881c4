// `${...}` templates in request paths, headers, bodies and constant variables.
//   ${name}            a variable (for a csv variable: its default column)
//   ${name.column}     one column of a csv variable
//   ${env:NAME}        an environment variable, read when the request source is built
//   ${env:NAME:-text}  the same with a default when NAME is unset
//   $${                a literal "${"
// Any other '$' is literal.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace volley::scenarios {

struct TemplateToken {
    enum class Kind { text, variable, env };
    Kind kind = Kind::text;
    std::string text;    // text: the literal; variable: the name; env: the variable name
    std::string field;   // variable: the column after '.', or empty
    std::optional<std::string> env_default;
};

// Splits a template into literal text and references. Throws std::invalid_argument for an
// unclosed "${", an empty or malformed name.
[[nodiscard]] std::vector<TemplateToken> tokenize_template(std::string_view text);

// True when `text` contains no references (it renders to itself, modulo "$${").
[[nodiscard]] bool has_references(const std::vector<TemplateToken>& tokens);

// The value of ${env:...}: the environment's, else the default, else nullopt.
[[nodiscard]] std::optional<std::string> resolve_env(const TemplateToken& token);

[[nodiscard]] bool is_identifier(std::string_view name);

}  // namespace volley::scenarios
