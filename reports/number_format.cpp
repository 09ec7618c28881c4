#include "reports/number_format.hpp"

#include <cmath>

#include <fmt/format.h>
#include <boost/json.hpp>

namespace volley::reports {
namespace {

int decimals_for_magnitude(double value) {
    const double magnitude = std::abs(value);
    if (magnitude < 1.0) return 3;
    if (magnitude < 100.0) return 2;
    if (magnitude < 10000.0) return 1;
    return 0;
}

// fmt prints -0.0 as "-0.000"; a report never means that.
double without_negative_zero(double value, int decimals) {
    const double scale = std::pow(10.0, decimals);
    return std::round(value * scale) == 0.0 ? 0.0 : value;
}

// fraction × 100 with two decimals, more (up to six) when a non-zero value would show as 0.
std::string percent_digits(double fraction) {
    const double percent = fraction * 100.0;
    int decimals = 2;
    while (decimals < 6 && percent != 0.0 && std::abs(percent) < 0.5 * std::pow(10.0, -decimals)) {
        ++decimals;
    }
    return fmt::format("{:.{}f}", without_negative_zero(percent, decimals), decimals);
}

// "12.500" → "12.5", "3.000" → "3" (input has a decimal point).
std::string without_trailing_zeros(std::string digits) {
    digits.erase(digits.find_last_not_of('0') + 1);
    if (!digits.empty() && digits.back() == '.') digits.pop_back();
    return digits;
}

}  // namespace

std::string format_number(double value) {
    if (!std::isfinite(value)) return "n/a";
    const int decimals = decimals_for_magnitude(value);
    return fmt::format("{:.{}f}", without_negative_zero(value, decimals), decimals);
}

std::string format_ms(double milliseconds) { return format_number(milliseconds); }

std::string format_rps(double requests_per_second) {
    if (!std::isfinite(requests_per_second)) return "n/a";
    return fmt::format("{:.1f}", without_negative_zero(requests_per_second, 1));
}

std::string format_percent(double fraction) {
    if (!std::isfinite(fraction)) return "n/a";
    return percent_digits(fraction) + "%";
}

std::string format_percentage_points(double fraction_difference) {
    if (!std::isfinite(fraction_difference)) return "n/a";
    return percent_digits(fraction_difference) + " pp";
}

std::string format_percentile(double fraction) {
    if (!std::isfinite(fraction)) return "n/a";
    return without_trailing_zeros(fmt::format("{:.4f}", fraction * 100.0)) + "%";
}

std::string format_tick(double value) {
    if (!std::isfinite(value)) return "n/a";
    return without_trailing_zeros(fmt::format("{:.3f}", without_negative_zero(value, 3)));
}

std::string format_fraction(double fraction) {
    if (!std::isfinite(fraction)) return "n/a";
    return fmt::format("{:.6f}", without_negative_zero(fraction, 6));
}

std::string format_count(double count) {
    if (!std::isfinite(count)) return "n/a";
    return fmt::format("{:.0f}", without_negative_zero(count, 0));
}

std::string format_seconds(double seconds) {
    if (!std::isfinite(seconds)) return "n/a";
    return fmt::format("{:.1f}", without_negative_zero(seconds, 1));
}

std::string format_clock(double seconds) {
    // Beyond 1e15 s (30 million years, only in a corrupted summary) the cast to an integer
    // would overflow.
    if (!std::isfinite(seconds) || seconds < 0 || seconds >= 1e15) return "-:--";
    const auto whole = static_cast<long long>(std::floor(seconds));
    const long long hours = whole / 3600;
    const long long minutes = (whole / 60) % 60;
    const long long secs = whole % 60;
    if (hours > 0) return fmt::format("{}:{:02}:{:02}", hours, minutes, secs);
    return fmt::format("{}:{:02}", minutes, secs);
}

std::string format_json_scalar(const boost::json::value& value) {
    switch (value.kind()) {
        case boost::json::kind::null: return std::string(missing_value_text);
        case boost::json::kind::bool_: return value.get_bool() ? "yes" : "no";
        case boost::json::kind::int64: return fmt::format("{}", value.get_int64());
        case boost::json::kind::uint64: return fmt::format("{}", value.get_uint64());
        case boost::json::kind::double_: return format_number(value.get_double());
        case boost::json::kind::string: return std::string(value.get_string());
        case boost::json::kind::array:
        case boost::json::kind::object: return boost::json::serialize(value);
    }
    return {};
}

std::string format_signed(double value, std::string (*formatter)(double)) {
    const auto text = formatter(value);
    const bool shows_positive =
        value > 0 && std::isfinite(value) && text.find_first_of("123456789") != std::string::npos;
    // Built by append rather than insert(0, …): GCC 12 at -O2 reports a false -Wrestrict there.
    return shows_positive ? std::string("+").append(text) : text;
}

std::string format_optional(std::optional<double> value, std::string (*formatter)(double),
                            std::string_view missing) {
    return value ? formatter(*value) : std::string(missing);
}

}  // namespace volley::reports
