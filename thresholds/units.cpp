#include "thresholds/units.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace volley::thresholds {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Consumes a non-negative decimal number ("12", "1.5", ".5") at the front of `text`.
bool take_unsigned_number(std::string_view& text, double& value) {
    std::size_t length = 0;
    bool digits = false;
    while (length < text.size() && is_digit(text[length])) {
        ++length;
        digits = true;
    }
    if (length < text.size() && text[length] == '.') {
        ++length;
        while (length < text.size() && is_digit(text[length])) {
            ++length;
            digits = true;
        }
    }
    if (!digits) return false;
    const auto result = std::from_chars(text.data(), text.data() + length, value);
    if (result.ec != std::errc{} || result.ptr != text.data() + length) return false;
    text.remove_prefix(length);
    return true;
}

// Nanoseconds per unit, or 0 when `unit` is not a duration unit.
double nanos_per_unit(std::string_view unit) {
    if (unit == "h") return 3600e9;
    if (unit == "m") return 60e9;
    if (unit == "s") return 1e9;
    if (unit == "ms") return 1e6;
    if (unit == "us" || unit == "\xC2\xB5s") return 1e3;
    if (unit == "ns") return 1;
    return 0;
}

}  // namespace

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

double parse_number(std::string_view text) {
    text = trim(text);
    double value = 0;
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || result.ec != std::errc{} || result.ptr != text.data() + text.size() ||
        !std::isfinite(value)) {
        throw std::invalid_argument(fmt::format("'{}' is not a number", text));
    }
    return value;
}

Nanos parse_duration(std::string_view original) {
    std::string_view text = trim(original);
    if (text.empty()) throw std::invalid_argument("empty duration (expected e.g. 500ms, 90s, 2m)");
    if (text.front() == '-') {
        throw std::invalid_argument(fmt::format("duration '{}' is negative", original));
    }
    if (text == "0") return Nanos{0};
    double total_ns = 0;
    double previous_unit = std::numeric_limits<double>::infinity();
    while (!text.empty()) {
        double value = 0;
        if (!take_unsigned_number(text, value)) {
            throw std::invalid_argument(fmt::format(
                "'{}' is not a duration (expected e.g. 500ms, 90s, 2m, 1h30m)", original));
        }
        std::size_t unit_length = 0;
        while (unit_length < text.size() && !is_digit(text[unit_length]) &&
               text[unit_length] != '.') {
            ++unit_length;
        }
        const std::string_view unit = text.substr(0, unit_length);
        if (unit.empty()) {
            throw std::invalid_argument(fmt::format(
                "duration '{}' has no unit (write e.g. {}s or {}ms)", original, value, value));
        }
        const double scale = nanos_per_unit(unit);
        if (scale == 0) {
            throw std::invalid_argument(
                fmt::format("duration '{}' has unknown unit '{}' (units: h, m, s, ms, us, ns)",
                            original, unit));
        }
        if (scale >= previous_unit) {
            throw std::invalid_argument(fmt::format(
                "duration '{}': units must go from larger to smaller (e.g. 1h30m)", original));
        }
        previous_unit = scale;
        total_ns += value * scale;
        text.remove_prefix(unit_length);
    }
    // int64 nanoseconds reach ~292 years; refuse anything near that.
    if (total_ns > 1e18) {
        throw std::invalid_argument(fmt::format("duration '{}' is too long", original));
    }
    return Nanos{static_cast<std::int64_t>(std::llround(total_ns))};
}

double parse_rate_rps(std::string_view original) {
    std::string_view text = trim(original);
    if (text.empty()) throw std::invalid_argument("empty rate (expected e.g. 100/s)");
    if (text.front() == '-')
        throw std::invalid_argument(fmt::format("rate '{}' is negative", text));
    const auto slash = text.find('/');
    double per_second_factor = 1;
    std::string_view number = text;
    if (slash != std::string_view::npos) {
        const std::string_view unit = trim(text.substr(slash + 1));
        number = trim(text.substr(0, slash));
        if (unit == "s")
            per_second_factor = 1;
        else if (unit == "m" || unit == "min")
            per_second_factor = 1.0 / 60;
        else if (unit == "h")
            per_second_factor = 1.0 / 3600;
        else {
            throw std::invalid_argument(fmt::format(
                "rate '{}' has unknown unit '/{}' (write e.g. 100/s, 6000/m, 360/h)", text, unit));
        }
    }
    double value = 0;
    std::string_view rest = number;
    if (!take_unsigned_number(rest, value) || !rest.empty()) {
        throw std::invalid_argument(
            fmt::format("'{}' is not a rate (expected e.g. 100/s, 6000/m)", text));
    }
    return value * per_second_factor;
}

double parse_percent_ratio(std::string_view original) {
    std::string_view text = trim(original);
    if (text == "0") return 0;
    if (text.empty() || text.back() != '%') {
        throw std::invalid_argument(
            fmt::format("'{}' needs a percent sign (write e.g. 1% or 99.5%)", text));
    }
    std::string_view number = trim(text.substr(0, text.size() - 1));
    if (!number.empty() && number.front() == '-') {
        throw std::invalid_argument(fmt::format("percentage '{}' is negative", text));
    }
    double value = 0;
    if (!take_unsigned_number(number, value) || !number.empty()) {
        throw std::invalid_argument(fmt::format("'{}' is not a percentage (e.g. 1%)", text));
    }
    return value / 100.0;
}

std::string format_duration(Nanos duration) {
    const std::int64_t ns = duration.count();
    if (ns == 0) return "0s";
    struct Unit {
        std::int64_t ns;
        const char* name;
    };
    constexpr Unit units[] = {{3'600'000'000'000, "h"}, {60'000'000'000, "m"}, {1'000'000'000, "s"},
                              {1'000'000, "ms"},        {1'000, "us"},         {1, "ns"}};
    // Whole units from the largest down; stop when the rest is zero.
    std::string out;
    std::int64_t rest = ns < 0 ? -ns : ns;
    if (ns < 0) out += '-';
    for (const auto& unit : units) {
        if (rest >= unit.ns) {
            out += fmt::format("{}{}", rest / unit.ns, unit.name);
            rest %= unit.ns;
        }
        if (rest == 0) break;
    }
    return out;
}

std::string format_rate(double rps) { return fmt::format("{:g}/s", rps); }

}  // namespace volley::thresholds
