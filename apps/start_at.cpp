#include "apps/start_at.hpp"

#include "thresholds/units.hpp"

#include <fmt/format.h>

#include <charconv>
#include <optional>
#include <stdexcept>
#include <string>

namespace volley::apps {
namespace {

using std::chrono::system_clock;

constexpr std::string_view kStartAtExample = "e.g. 2026-12-06T10:00:00Z or +30s";

[[noreturn]] void refuse(std::string_view text, std::string_view why) {
    throw std::invalid_argument(fmt::format("--start-at: \"{}\": {}", text, why));
}

// Reads exactly `digits` decimal digits at `pos`; nullopt when they are not all digits.
std::optional<int> take_digits(std::string_view text, std::size_t& pos, std::size_t digits) {
    if (pos + digits > text.size()) return std::nullopt;
    int value = 0;
    const auto* first = text.data() + pos;
    const auto [ptr, ec] = std::from_chars(first, first + digits, value);
    if (ec != std::errc{} || ptr != first + digits) return std::nullopt;
    pos += digits;
    return value;
}

bool take_char(std::string_view text, std::size_t& pos, std::string_view allowed) {
    if (pos >= text.size() || allowed.find(text[pos]) == std::string_view::npos) return false;
    ++pos;
    return true;
}

// RFC 3339 `date-time` restricted to a whole second: YYYY-MM-DDTHH:MM:SS then Z or ±hh:mm.
system_clock::time_point parse_rfc3339(std::string_view text) {
    std::size_t pos = 0;
    const auto year = take_digits(text, pos, 4);
    const bool date_ok = year && take_char(text, pos, "-");
    const auto month = date_ok ? take_digits(text, pos, 2) : std::nullopt;
    const auto day = month && take_char(text, pos, "-") ? take_digits(text, pos, 2) : std::nullopt;
    const auto hour = day && take_char(text, pos, "Tt") ? take_digits(text, pos, 2) : std::nullopt;
    const auto minute =
        hour && take_char(text, pos, ":") ? take_digits(text, pos, 2) : std::nullopt;
    const auto second =
        minute && take_char(text, pos, ":") ? take_digits(text, pos, 2) : std::nullopt;
    if (!second) {
        refuse(text, fmt::format("expected an RFC 3339 time YYYY-MM-DDTHH:MM:SSZ or a duration "
                                 "from now +DURATION ({})",
                                 kStartAtExample));
    }
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
        refuse(text,
               "fractional seconds are not accepted: interval boundaries must fall on whole "
               "seconds of wall-clock time, so the start must be a whole second");
    }
    const std::chrono::year_month_day date{std::chrono::year{*year},
                                           std::chrono::month{static_cast<unsigned>(*month)},
                                           std::chrono::day{static_cast<unsigned>(*day)}};
    if (!date.ok()) refuse(text, "no such date");
    if (*hour > 23 || *minute > 59 || *second > 59)
        refuse(text, "the time of day is out of range (00:00:00 to 23:59:59)");
    std::chrono::minutes offset{0};
    if (take_char(text, pos, "Zz")) {
        // UTC
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        const bool ahead = text[pos] == '+';
        ++pos;
        const auto off_hours = take_digits(text, pos, 2);
        const auto off_minutes =
            off_hours && take_char(text, pos, ":") ? take_digits(text, pos, 2) : std::nullopt;
        if (!off_minutes || *off_hours > 23 || *off_minutes > 59)
            refuse(text, "the UTC offset must read ±hh:mm, e.g. +02:00");
        offset = std::chrono::hours(*off_hours) + std::chrono::minutes(*off_minutes);
        if (!ahead) offset = -offset;
    } else {
        refuse(text, "the time needs a UTC offset: Z or ±hh:mm (e.g. 2026-12-06T10:00:00Z)");
    }
    if (pos != text.size())
        refuse(text, fmt::format("unexpected \"{}\" after the time", text.substr(pos)));
    const auto local = std::chrono::sys_days{date} + std::chrono::hours(*hour) +
                       std::chrono::minutes(*minute) + std::chrono::seconds(*second);
    return system_clock::time_point{local - offset};
}

}  // namespace

system_clock::time_point parse_start_at(std::string_view text, system_clock::time_point now) {
    if (text.empty()) refuse(text, fmt::format("empty ({})", kStartAtExample));
    if (text.front() != '+') return parse_rfc3339(text);
    engine::Nanos delay{0};
    try {
        delay = thresholds::parse_duration(text.substr(1));
    } catch (const std::invalid_argument& e) {
        refuse(text, e.what());
    }
    if (delay % std::chrono::seconds(1) != engine::Nanos{0}) {
        refuse(text,
               "the delay must be whole seconds: interval boundaries must fall on whole "
               "seconds of wall-clock time");
    }
    // Rounded up, so the start is a whole second no matter when the command ran.
    return std::chrono::ceil<std::chrono::seconds>(now) +
           std::chrono::duration_cast<std::chrono::seconds>(delay);
}

engine::Nanos parse_max_start_lag(std::string_view text) {
    try {
        return thresholds::parse_duration(text);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(fmt::format("--max-start-lag: {}", e.what()));
    }
}

}  // namespace volley::apps
