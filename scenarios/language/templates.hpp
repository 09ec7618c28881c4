// `${...}` templates in request paths, headers, bodies and constant variables.
//   ${name}            a variable (for a csv variable: its default column)
//   ${name.column}     one column of a csv variable
//   ${env:NAME}        an environment variable, read when the request source is built
//   ${env:NAME:-text}  the same with a default when NAME is unset
//   $${                a literal "${"
//   ${ref|url}, ${ref|json}, ${ref|raw}   a reference with an explicit encoding
// Any other '$' is literal. What is written literally is sent as written; a value a reference
// renders is encoded for where it lands (docs/scenarios.md "Encoding").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace volley::scenarios {

// How a rendered value is written.
enum class Encoding : std::uint8_t {
    raw,   // as is
    url,   // percent-encoded UTF-8: everything but A-Z a-z 0-9 - . _ ~
    json,  // the inside of a JSON string literal: " \ and control characters escaped
};

// An explicit `|filter` on a reference; none: the default of the reference's position.
enum class Filter : std::uint8_t { none, raw, url, json };

struct TemplateToken {
    enum class Kind { text, variable, env };
    Kind kind = Kind::text;
    std::string text;   // text: the literal; variable: the name; env: the variable name
    std::string field;  // variable: the column after '.', or empty
    std::optional<std::string> env_default;
    Filter filter = Filter::none;
};

// Where a reference lands in a request, which decides its default encoding.
enum class Position : std::uint8_t {
    path,         // before the first literal '?' of the path: url
    query,        // after it: url
    header,       // a header value: raw, and CR, LF, NUL refused
    body,         // a body that is neither JSON nor a form: raw
    json_string,  // inside a string literal of a JSON body: json
    json_value,   // elsewhere in a JSON body (a number, a whole value): raw
    form,         // an application/x-www-form-urlencoded body: url
};

// What the template is: the path, a header value or the body.
enum class Field : std::uint8_t { path, header, body };
// How the body is read, from its Content-Type.
enum class BodyKind : std::uint8_t { text, json, form };

// The body kind a Content-Type header gives: json for application/json and any "+json" or
// "/json" type, form for application/x-www-form-urlencoded, else text. The request's own
// Content-Type wins over the target's.
[[nodiscard]] BodyKind body_kind_of(
    const std::vector<std::pair<std::string, std::string>>& request_headers,
    const std::vector<std::pair<std::string, std::string>>& target_headers);

// The position of every token of a template (text tokens get the position of the text that
// follows). A JSON body is scanned for string literals across its literal parts.
[[nodiscard]] std::vector<Position> token_positions(const std::vector<TemplateToken>& tokens,
                                                    Field field, BodyKind body);

[[nodiscard]] Encoding encoding_for(Position position, Filter filter);
[[nodiscard]] std::string_view position_name(Position position);
[[nodiscard]] std::string_view filter_name(Filter filter);

// Appends `value` to `out` encoded; allocates only when `out` must grow.
void append_encoded(std::string& out, std::string_view value, Encoding encoding);

// Why `value`, encoded as `encoding`, cannot be placed at `position`, or "" when it can: a raw
// header value must hold no CR, LF or NUL; a raw path or query value no space or control
// character (they would break the request line).
[[nodiscard]] std::string placement_problem(std::string_view value, Position position,
                                            Encoding encoding);

// Splits a template into literal text and references. Throws std::invalid_argument for an
// unclosed "${", an empty or malformed name, an unknown filter.
[[nodiscard]] std::vector<TemplateToken> tokenize_template(std::string_view text);

// True when `text` contains no references (it renders to itself, modulo "$${").
[[nodiscard]] bool has_references(const std::vector<TemplateToken>& tokens);

// The value of ${env:...}: the environment's, else the default, else nullopt.
[[nodiscard]] std::optional<std::string> resolve_env(const TemplateToken& token);

[[nodiscard]] bool is_identifier(std::string_view name);

}  // namespace volley::scenarios
