// JSON paths for journey checks and extracts (docs/scenarios.md "journeys"): a small subset of
// JSONPath compiled once, and a scanning reader that finds the value at a path in a response
// body without building a document and without allocating after warm-up.
//
// Path grammar (anything else is refused with the reason):
//   $                  the whole document
//   .name              an object member; name: any characters but . [ ] ' " and whitespace
//   ['name'] ["name"]  an object member with any characters (\' \" \\ escape inside)
//   [N]                array element N (0-based); [-1] is the last element, [-2] the one before
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace volley::scenarios {

struct JsonPathStep {
    enum class Kind : std::uint8_t { member, index };
    Kind kind = Kind::member;
    std::string member;      // Kind::member: the member name (unescaped)
    std::int64_t index = 0;  // Kind::index: >= 0 from the front, < 0 from the back (-1 = last)
};

class JsonPath {
public:
    JsonPath() = default;  // "$"
    JsonPath(std::string text, std::vector<JsonPathStep> steps)
        : text_(std::move(text)), steps_(std::move(steps)) {}

    [[nodiscard]] const std::string& text() const { return text_; }  // as written
    [[nodiscard]] const std::vector<JsonPathStep>& steps() const { return steps_; }

private:
    std::string text_ = "$";
    std::vector<JsonPathStep> steps_;
};

// Throws std::invalid_argument "<path>: <reason>", e.g. "$.items[x]: index must be an integer".
JsonPath compile_json_path(std::string_view text);

enum class JsonKind : std::uint8_t { string, number, boolean, null, object, array };

struct JsonLookup {
    bool found = false;
    // The text is not one well-formed JSON value (RFC 8259; bytes >= 0x80 are not checked as
    // UTF-8) or nests deeper than JsonExtractor::kMaxDepth. found is then false.
    bool malformed = false;
    JsonKind kind = JsonKind::null;  // meaningful when found
    // string: the unescaped value; number, true, false, null: as written; object, array: the raw
    // JSON text. Points into the json_text passed to find() or into the extractor's buffer: valid
    // until the next find() on the same extractor and while json_text lives.
    std::string_view text;
    // JavaScript truthiness: absent, null, false, any zero number and "" are false; everything
    // else, including [] and {}, is true.
    bool truthy = false;
};

// One per worker (not thread-safe). find() reads the whole text once (validating it) and
// descends only into the containers on the path; values off the path are skipped. After
// warm-up it allocates only when a string on the path, once unescaped, is longer than every
// earlier one.
class JsonExtractor {
public:
    static constexpr std::size_t kMaxDepth = 64;  // containers nested deeper: malformed

    JsonLookup find(const JsonPath& path, std::string_view json_text);

private:
    std::string value_buffer_;  // the found string, unescaped (when it holds escapes)
    std::string key_buffer_;    // a member name with escapes, unescaped to compare it
};

}  // namespace volley::scenarios
