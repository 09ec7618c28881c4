// Journey checks and extracts, compiled once and evaluated against each captured response
// (docs/scenarios.md "journeys"). The loader builds the specs from YAML; a journey request
// source evaluates them with its worker's JsonExtractor. Headers are passed as received:
// "Name: value\n" lines (or "\r\n"), names compared ASCII case-insensitively.
//
// Evaluation is thread-safe on a shared spec (it only reads it). Header and JSON path kinds do
// not allocate after the JsonExtractor's warm-up; regex kinds may (std::regex).
#pragma once

#include "scenarios/language/json_path.hpp"

#include <cstddef>
#include <iterator>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace volley::scenarios {

// The value of the first header named `name`, trimmed of spaces and tabs; nullopt when none.
std::optional<std::string_view> header_value(std::string_view headers, std::string_view name);

// Every value of the headers named `name`, in order (Set-Cookie):
//   for (std::string_view value : HeaderValues(headers, "Set-Cookie")) ...
class HeaderValues {
public:
    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = std::string_view;
        using difference_type = std::ptrdiff_t;
        using pointer = const std::string_view*;
        using reference = const std::string_view&;

        iterator() = default;
        reference operator*() const { return value_; }
        pointer operator->() const { return &value_; }
        iterator& operator++() {
            advance();
            return *this;
        }
        iterator operator++(int) {
            iterator before = *this;
            advance();
            return before;
        }
        friend bool operator==(const iterator& a, const iterator& b) {
            return a.done_ == b.done_ && (a.done_ || a.rest_.data() == b.rest_.data());
        }

    private:
        friend class HeaderValues;
        iterator(std::string_view headers, std::string_view name)
            : rest_(headers), name_(name), done_(false) {
            advance();
        }
        void advance();

        std::string_view rest_, name_, value_;
        bool done_ = true;
    };

    HeaderValues(std::string_view headers, std::string_view name)
        : headers_(headers), name_(name) {}
    [[nodiscard]] iterator begin() const { return iterator(headers_, name_); }
    [[nodiscard]] iterator end() const { return {}; }

private:
    std::string_view headers_, name_;
};

// An ECMAScript std::regex compiled once, with its source for messages.
class CompiledRegex {
public:
    // Throws std::invalid_argument "<pattern>: <std::regex_error text>".
    explicit CompiledRegex(std::string_view pattern);
    [[nodiscard]] const std::string& pattern() const { return pattern_; }
    [[nodiscard]] const std::regex& regex() const { return regex_; }
    // Whether the pattern matches somewhere in text (std::regex_search, not a full match).
    [[nodiscard]] bool search(std::string_view text) const;

private:
    std::string pattern_;
    std::regex regex_;
};

// The check conditions (YAML keys in comments).
struct StatusIn {  // status: 200 | [200, 201]
    std::vector<int> codes;
};
struct HeaderPresence {  // header: X, exists: true|false
    std::string name;
    bool present = true;
};
struct HeaderEquals {  // header: X, equals: v (the trimmed value, compared exactly)
    std::string name;
    std::string value;
};
struct HeaderMatches {  // header: X, matches: re (search in the first value; no header: fails)
    std::string name;
    CompiledRegex pattern;
};
struct BodyContains {  // body_contains: text
    std::string text;
};
struct BodyMatches {  // body_matches: re (search)
    CompiledRegex pattern;
};
struct JsonPresence {  // json: $.p [, exists: true|false] (malformed body: absent)
    JsonPath path;
    bool present = true;
};
struct JsonEquals {  // json: $.p, equals: v (the value's text: strings unescaped, numbers as
                     // written)
    JsonPath path;
    std::string value;
};
struct BodySize {  // body_size: {min: N, max: N} (bytes, inclusive)
    std::optional<std::size_t> min_bytes, max_bytes;
};

using CheckCondition = std::variant<StatusIn, HeaderPresence, HeaderEquals, HeaderMatches,
                                    BodyContains, BodyMatches, JsonPresence, JsonEquals, BodySize>;

struct CheckSpec {
    std::string name;
    CheckCondition condition;

    [[nodiscard]] bool evaluate(int status, std::string_view headers, std::string_view body,
                                JsonExtractor& json_extractor) const;

    // Factories (regex and path factories throw std::invalid_argument with the reason).
    static CheckSpec status_in(std::string name, std::vector<int> codes);
    static CheckSpec header_exists(std::string name, std::string header, bool present = true);
    static CheckSpec header_equals(std::string name, std::string header, std::string value);
    static CheckSpec header_matches(std::string name, std::string header, std::string_view regex);
    static CheckSpec body_contains(std::string name, std::string text);
    static CheckSpec body_matches(std::string name, std::string_view regex);
    static CheckSpec json_exists(std::string name, std::string_view path, bool present = true);
    static CheckSpec json_equals(std::string name, std::string_view path, std::string value);
    static CheckSpec body_size(std::string name, std::optional<std::size_t> min_bytes,
                               std::optional<std::size_t> max_bytes);
};

// The extract sources.
struct JsonSource {  // json: $.p (the value's text as in JsonLookup)
    JsonPath path;
};
struct HeaderSource {  // header: X (the first value)
    std::string name;
};
struct RegexSource {  // regex: re (over the body: group 1 if the pattern has one, else the match)
    CompiledRegex pattern;
};
struct StatusSource {};  // status: true (the status code as decimal text)

using ExtractSource = std::variant<JsonSource, HeaderSource, RegexSource, StatusSource>;

struct ExtractSpec {
    std::string variable;  // the journey variable it sets
    ExtractSource source;
    std::optional<std::string> default_value;  // used when the value is missing

    // The value, else the default, else nullopt (the caller counts extract_error). The view points
    // into headers, body, the JsonExtractor's buffer or this spec: valid until the next use of
    // `json` and while those live. A regex group that did not participate is missing.
    [[nodiscard]] std::optional<std::string_view> evaluate(int status, std::string_view headers,
                                                           std::string_view body,
                                                           JsonExtractor& json_extractor) const;

    static ExtractSpec from_json(std::string variable, std::string_view path,
                                 std::optional<std::string> default_value = std::nullopt);
    static ExtractSpec from_header(std::string variable, std::string name,
                                   std::optional<std::string> default_value = std::nullopt);
    static ExtractSpec from_regex(std::string variable, std::string_view pattern,
                                  std::optional<std::string> default_value = std::nullopt);
    static ExtractSpec from_status(std::string variable);
};

}  // namespace volley::scenarios
