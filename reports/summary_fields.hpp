// Reading summary.json objects with every failure naming the key path (the parsers of
// run_summary.cpp and observed_summary.cpp): "out/summary.json: totals.requests: missing".
#pragma once

#include "reports/run_summary.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace volley::reports::detail {
namespace json = boost::json;

inline const char* type_name(const json::value& value) {
    switch (value.kind()) {
        case json::kind::null: return "null";
        case json::kind::bool_: return "a boolean";
        case json::kind::int64:
        case json::kind::uint64:
        case json::kind::double_: return "a number";
        case json::kind::string: return "a string";
        case json::kind::array: return "an array";
        case json::kind::object: return "an object";
    }
    return "a value";
}

// One object of the summary and its key path; every read names the key it failed on.
class Fields {
public:
    Fields(const json::object& object, std::string path, std::string_view source)
        : object_(object), path_(std::move(path)), source_(source) {}

    std::string path_of(std::string_view key) const {
        return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
    }

    [[noreturn]] void fail(const std::string& path, std::string_view problem) const {
        throw SummaryError(fmt::format("{}: {}: {}", source_, path, problem));
    }

    bool has(std::string_view key) const { return object_.contains(key); }

    const json::value& at(std::string_view key) const {
        const auto* value = object_.if_contains(key);
        if (value == nullptr) fail(path_of(key), "missing");
        return *value;
    }

    [[noreturn]] void wrong(std::string_view key, std::string_view expected) const {
        fail(path_of(key), fmt::format("expected {}, found {}", expected, type_name(at(key))));
    }

    double number(std::string_view key) const {
        const auto& value = at(key);
        if (!value.is_number()) wrong(key, "a number");
        return value.to_number<double>();
    }

    std::optional<double> number_or_null(std::string_view key) const {
        if (at(key).is_null()) return std::nullopt;
        return number(key);
    }

    std::uint64_t count(std::string_view key) const { return count_of(at(key), path_of(key)); }

    std::uint64_t count_of(const json::value& value, const std::string& path) const {
        if (const auto* u = value.if_uint64()) return *u;
        if (const auto* i = value.if_int64(); i != nullptr && *i >= 0)
            return static_cast<std::uint64_t>(*i);
        if (const auto* d = value.if_double();
            d != nullptr && *d >= 0 && std::floor(*d) == *d && *d < 1.8e19)
            return static_cast<std::uint64_t>(*d);
        fail(path, fmt::format("expected a count (an integer >= 0), found {}",
                               value.is_number() ? json::serialize(value) : type_name(value)));
    }

    std::string text(std::string_view key) const {
        const auto& value = at(key);
        if (!value.is_string()) wrong(key, "a string");
        return std::string(value.get_string());
    }

    std::optional<std::string> text_or_null(std::string_view key) const {
        if (at(key).is_null()) return std::nullopt;
        return text(key);
    }

    bool flag(std::string_view key) const {
        const auto& value = at(key);
        if (!value.is_bool()) wrong(key, "true or false");
        return value.get_bool();
    }

    std::optional<bool> optional_flag(std::string_view key) const {
        if (!has(key)) return std::nullopt;
        return flag(key);
    }

    Fields object(std::string_view key) const {
        const auto& value = at(key);
        if (!value.is_object()) wrong(key, "an object");
        return Fields(value.get_object(), path_of(key), source_);
    }

    std::optional<Fields> object_or_null(std::string_view key) const {
        if (at(key).is_null()) return std::nullopt;
        return object(key);
    }

    const json::array& array(std::string_view key) const {
        const auto& value = at(key);
        if (!value.is_array()) wrong(key, "an array");
        return value.get_array();
    }

    // Each element of the array at `key` as an object, with its path "key[i]".
    template <typename Read>
    auto objects(std::string_view key, Read read) const {
        std::vector<decltype(read(std::declval<const Fields&>()))> out;
        const auto& items = array(key);
        for (std::size_t i = 0; i < items.size(); ++i) {
            const auto path = fmt::format("{}[{}]", path_of(key), i);
            if (!items[i].is_object())
                fail(path, fmt::format("expected an object, found {}", type_name(items[i])));
            out.push_back(read(Fields(items[i].get_object(), path, source_)));
        }
        return out;
    }

    std::vector<std::string> texts(std::string_view key) const {
        std::vector<std::string> out;
        const auto& items = array(key);
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (!items[i].is_string())
                fail(fmt::format("{}[{}]", path_of(key), i),
                     fmt::format("expected a string, found {}", type_name(items[i])));
            out.emplace_back(items[i].get_string());
        }
        return out;
    }

    const json::object& raw() const { return object_; }
    std::string_view source() const { return source_; }

private:
    const json::object& object_;
    std::string path_;
    std::string_view source_;
};

}  // namespace volley::reports::detail
