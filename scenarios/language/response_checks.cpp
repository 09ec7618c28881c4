#include "scenarios/language/response_checks.hpp"

#include "scenarios/language/ascii.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace volley::scenarios {
namespace {

std::string_view trim_ows(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

// "000".."999": the status extract returns a view into this constant table (no buffer to share
// between threads, no allocation).
constexpr std::array<char, 3000> kStatusDigits = [] {
    std::array<char, 3000> digits{};
    for (int code = 0; code < 1000; ++code) {
        digits[static_cast<std::size_t>(code) * 3] = static_cast<char>('0' + code / 100);
        digits[static_cast<std::size_t>(code) * 3 + 1] = static_cast<char>('0' + code / 10 % 10);
        digits[static_cast<std::size_t>(code) * 3 + 2] = static_cast<char>('0' + code % 10);
    }
    return digits;
}();

std::optional<std::string_view> status_text(int status) {
    if (status < 0 || status > 999) return std::nullopt;
    const std::size_t width = status >= 100 ? 3 : status >= 10 ? 2 : 1;
    return std::string_view(kStatusDigits.data() + static_cast<std::size_t>(status) * 3 + 3 - width,
                            width);
}

template <class>
[[maybe_unused]] inline constexpr bool kAlwaysFalse = false;

}  // namespace

void HeaderValues::iterator::advance() {
    while (!rest_.empty()) {
        const std::size_t newline = rest_.find('\n');
        std::string_view line = rest_.substr(0, newline);
        rest_ = newline == std::string_view::npos ? std::string_view{} : rest_.substr(newline + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        if (!iequals_ascii(trim_ows(line.substr(0, colon)), name_)) continue;
        value_ = trim_ows(line.substr(colon + 1));
        return;
    }
    done_ = true;
    value_ = {};
}

std::optional<std::string_view> header_value(std::string_view headers, std::string_view name) {
    const HeaderValues values(headers, name);
    const auto first = values.begin();
    if (first == values.end()) return std::nullopt;
    return *first;
}

CompiledRegex::CompiledRegex(std::string_view pattern) : pattern_(pattern) {
    try {
        regex_ = std::regex(pattern_, std::regex::ECMAScript);
    } catch (const std::regex_error& error) {
        throw std::invalid_argument(pattern_ + ": " + error.what());
    }
}

bool CompiledRegex::search(std::string_view text) const {
    return std::regex_search(text.begin(), text.end(), regex_);
}

bool CheckSpec::evaluate(int status, std::string_view headers, std::string_view body,
                         JsonExtractor& json_extractor) const {
    return std::visit(
        [&](const auto& check) -> bool {
            using Check = std::decay_t<decltype(check)>;
            if constexpr (std::is_same_v<Check, StatusIn>) {
                return std::find(check.codes.begin(), check.codes.end(), status) !=
                       check.codes.end();
            } else if constexpr (std::is_same_v<Check, HeaderPresence>) {
                return header_value(headers, check.name).has_value() == check.present;
            } else if constexpr (std::is_same_v<Check, HeaderEquals>) {
                const auto value = header_value(headers, check.name);
                return value && *value == check.value;
            } else if constexpr (std::is_same_v<Check, HeaderMatches>) {
                const auto value = header_value(headers, check.name);
                return value && check.pattern.search(*value);
            } else if constexpr (std::is_same_v<Check, BodyContains>) {
                return body.find(check.text) != std::string_view::npos;
            } else if constexpr (std::is_same_v<Check, BodyMatches>) {
                return check.pattern.search(body);
            } else if constexpr (std::is_same_v<Check, JsonPresence>) {
                return json_extractor.find(check.path, body).found == check.present;
            } else if constexpr (std::is_same_v<Check, JsonEquals>) {
                const JsonLookup lookup = json_extractor.find(check.path, body);
                return lookup.found && lookup.text == check.value;
            } else if constexpr (std::is_same_v<Check, BodySize>) {
                return (!check.min_bytes || body.size() >= *check.min_bytes) &&
                       (!check.max_bytes || body.size() <= *check.max_bytes);
            } else {
                static_assert(kAlwaysFalse<Check>, "a check condition is not evaluated");
            }
        },
        condition);
}

CheckSpec CheckSpec::status_in(std::string name, std::vector<int> codes) {
    return {std::move(name), StatusIn{std::move(codes)}};
}
CheckSpec CheckSpec::header_exists(std::string name, std::string header, bool present) {
    return {std::move(name), HeaderPresence{std::move(header), present}};
}
CheckSpec CheckSpec::header_equals(std::string name, std::string header, std::string value) {
    return {std::move(name), HeaderEquals{std::move(header), std::move(value)}};
}
CheckSpec CheckSpec::header_matches(std::string name, std::string header, std::string_view regex) {
    return {std::move(name), HeaderMatches{std::move(header), CompiledRegex(regex)}};
}
CheckSpec CheckSpec::body_contains(std::string name, std::string text) {
    return {std::move(name), BodyContains{std::move(text)}};
}
CheckSpec CheckSpec::body_matches(std::string name, std::string_view regex) {
    return {std::move(name), BodyMatches{CompiledRegex(regex)}};
}
CheckSpec CheckSpec::json_exists(std::string name, std::string_view path, bool present) {
    return {std::move(name), JsonPresence{compile_json_path(path), present}};
}
CheckSpec CheckSpec::json_equals(std::string name, std::string_view path, std::string value) {
    return {std::move(name), JsonEquals{compile_json_path(path), std::move(value)}};
}
CheckSpec CheckSpec::body_size(std::string name, std::optional<std::size_t> min_bytes,
                               std::optional<std::size_t> max_bytes) {
    return {std::move(name), BodySize{min_bytes, max_bytes}};
}

std::optional<std::string_view> ExtractSpec::evaluate(int status, std::string_view headers,
                                                      std::string_view body,
                                                      JsonExtractor& json_extractor) const {
    const std::optional<std::string_view> value = std::visit(
        [&](const auto& extract) -> std::optional<std::string_view> {
            using Extract = std::decay_t<decltype(extract)>;
            if constexpr (std::is_same_v<Extract, JsonSource>) {
                const JsonLookup lookup = json_extractor.find(extract.path, body);
                if (!lookup.found) return std::nullopt;
                return lookup.text;
            } else if constexpr (std::is_same_v<Extract, HeaderSource>) {
                return header_value(headers, extract.name);
            } else if constexpr (std::is_same_v<Extract, RegexSource>) {
                std::match_results<std::string_view::const_iterator> match;
                if (!std::regex_search(body.begin(), body.end(), match, extract.pattern.regex())) {
                    return std::nullopt;
                }
                const auto& group = match.size() > 1 ? match[1] : match[0];
                if (!group.matched) return std::nullopt;
                return body.substr(static_cast<std::size_t>(group.first - body.begin()),
                                   static_cast<std::size_t>(group.length()));
            } else if constexpr (std::is_same_v<Extract, StatusSource>) {
                return status_text(status);
            } else {
                static_assert(kAlwaysFalse<Extract>, "an extract source is not evaluated");
            }
        },
        source);
    if (value) return value;
    if (default_value) return std::string_view(*default_value);
    return std::nullopt;
}

ExtractSpec ExtractSpec::from_json(std::string variable, std::string_view path,
                                   std::optional<std::string> default_value) {
    return {std::move(variable), JsonSource{compile_json_path(path)}, std::move(default_value)};
}
ExtractSpec ExtractSpec::from_header(std::string variable, std::string name,
                                     std::optional<std::string> default_value) {
    return {std::move(variable), HeaderSource{std::move(name)}, std::move(default_value)};
}
ExtractSpec ExtractSpec::from_regex(std::string variable, std::string_view pattern,
                                    std::optional<std::string> default_value) {
    return {std::move(variable), RegexSource{CompiledRegex(pattern)}, std::move(default_value)};
}
ExtractSpec ExtractSpec::from_status(std::string variable) {
    return {std::move(variable), StatusSource{}, std::nullopt};
}

}  // namespace volley::scenarios
