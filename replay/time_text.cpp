#include "replay/time_text.hpp"

#include <array>
#include <cmath>
#include <cstddef>

namespace volley::replay {
namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

// Reads exactly `digits` decimal digits at `pos`.
std::optional<int> digits_at(std::string_view text, std::size_t pos, std::size_t digits) {
    if (pos + digits > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < digits; ++i) {
        const char c = text[pos + i];
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

bool valid_clock(int hour, int minute, int second) {
    return hour <= 23 && minute <= 59 && second <= 60;
}

// A date and time of the years 1900 to 2100 (the caller has checked the year), less a zone
// offset (at most ±24 h), plus a fraction (< 1 s) -> the capture time, range-checked. Within
// those years every intermediate value is below 4.2e18 in magnitude: no overflow.
CaptureTime to_capture_time(int year, unsigned month, unsigned day, int hour, int minute,
                            int second, std::int64_t fraction_ns, int offset_s) {
    if (year < kEarliestCaptureYear || year > kLastCaptureYear) return CaptureTime::beyond_range();
    const std::int64_t days = days_from_civil(year, month, day);
    const std::int64_t seconds = ((days * 24 + hour) * 60 + minute) * 60 + second - offset_s;
    const std::int64_t ns = seconds * kNanosPerSecond + fraction_ns;
    if (ns < kEarliestCaptureNs || ns >= kEndOfCaptureNs) return CaptureTime::beyond_range();
    return {ns, false};
}

// "+02:00", "+0200", "Z", "" -> offset in seconds east of UTC.
std::optional<int> zone_offset_s(std::string_view zone) {
    if (zone.empty() || zone == "Z" || zone == "z") return 0;
    if (zone.front() != '+' && zone.front() != '-') return std::nullopt;
    const int sign = zone.front() == '-' ? -1 : 1;
    const auto hours = digits_at(zone, 1, 2);
    std::size_t minutes_at = zone.size() > 3 && zone[3] == ':' ? 4 : 3;
    const auto minutes = digits_at(zone, minutes_at, 2);
    if (!hours || !minutes || minutes_at + 2 != zone.size() || *hours > 23 || *minutes > 59)
        return std::nullopt;
    return sign * (*hours * 3600 + *minutes * 60);
}

}  // namespace

std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
    year -= month <= 2;
    const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
    const auto year_of_era = static_cast<unsigned>(year - era * 400);
    const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    const unsigned day_of_era =
        year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

std::string out_of_range_text() {
    return "is outside the years " + std::to_string(kEarliestCaptureYear) + " to " +
           std::to_string(kLastCaptureYear) + " (UTC)";
}

CaptureTime capture_time_from_units(std::int64_t count, std::int64_t ns_per_unit,
                                    std::int64_t extra_ns) {
    // Bounds on `count` first, so that the product cannot overflow.
    if (count < kEarliestCaptureNs / ns_per_unit - 1 || count > kEndOfCaptureNs / ns_per_unit)
        return CaptureTime::beyond_range();
    const std::int64_t ns = count * ns_per_unit + extra_ns;
    if (ns < kEarliestCaptureNs || ns >= kEndOfCaptureNs) return CaptureTime::beyond_range();
    return {ns, false};
}

CaptureTime capture_time_from_double(double count, double ns_per_unit) {
    if (!std::isfinite(count)) return CaptureTime::unreadable();
    const double ns = count * ns_per_unit;  // |ns| may be huge: compared as a double first
    if (!(ns >= static_cast<double>(kEarliestCaptureNs) &&
          ns < static_cast<double>(kEndOfCaptureNs)))
        return CaptureTime::beyond_range();
    const std::int64_t rounded = std::llround(ns);
    if (rounded < kEarliestCaptureNs || rounded >= kEndOfCaptureNs)
        return CaptureTime::beyond_range();
    return {rounded, false};
}

CaptureTime parse_iso8601_ns(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS
    const auto year = digits_at(text, 0, 4), month = digits_at(text, 5, 2),
               day = digits_at(text, 8, 2);
    const auto hour = digits_at(text, 11, 2), minute = digits_at(text, 14, 2),
               second = digits_at(text, 17, 2);
    if (!year || !month || !day || !hour || !minute || !second) return {};
    if (text[4] != '-' || text[7] != '-' ||
        (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' ||
        text[16] != ':')
        return {};
    if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || !valid_clock(*hour, *minute, *second))
        return {};
    std::size_t pos = 19;
    std::int64_t fraction_ns = 0;
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
        ++pos;
        std::int64_t scale = kNanosPerSecond / 10;
        const std::size_t start = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            fraction_ns += (text[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        if (pos == start) return {};
    }
    const auto offset = zone_offset_s(text.substr(pos));
    if (!offset) return {};
    return to_capture_time(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day), *hour,
                           *minute, *second, fraction_ns, *offset);
}

CaptureTime parse_clf_time_ns(std::string_view text) {
    // DD/Mon/YYYY:HH:MM:SS +ZZZZ
    static constexpr std::array<std::string_view, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto day = digits_at(text, 0, 2), year = digits_at(text, 7, 4);
    const auto hour = digits_at(text, 12, 2), minute = digits_at(text, 15, 2),
               second = digits_at(text, 18, 2);
    if (!day || !year || !hour || !minute || !second || text.size() < 20) return {};
    if (text[2] != '/' || text[6] != '/' || text[11] != ':' || text[14] != ':' || text[17] != ':')
        return {};
    unsigned month = 0;
    for (std::size_t i = 0; i < kMonths.size(); ++i) {
        if (text.substr(3, 3) == kMonths[i]) month = static_cast<unsigned>(i + 1);
    }
    if (month == 0 || *day < 1 || *day > 31 || !valid_clock(*hour, *minute, *second)) return {};
    std::string_view zone = text.substr(20);
    while (!zone.empty() && zone.front() == ' ') zone.remove_prefix(1);
    const auto offset = zone_offset_s(zone);
    if (!offset) return {};
    return to_capture_time(*year, month, static_cast<unsigned>(*day), *hour, *minute, *second, 0,
                           *offset);
}

}  // namespace volley::replay
