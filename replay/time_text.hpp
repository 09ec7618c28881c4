// Timestamps as captures write them -> ns since the Unix epoch (UTC), range-checked before any
// arithmetic (docs/replay.md "Timestamps").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace volley::replay {

// Every capture time lies in [kEarliestCaptureNs, kEndOfCaptureNs): the years 1900 to 2100.
// Any two such times differ by less than 6.4e18 ns, so differences, gaps, windows and the
// timeline's sums stay far from int64's limits (±9.2e18 ns, the years 1677 to 2262) without
// further checks. A timestamp outside the range makes its record malformed.
inline constexpr std::int64_t kEarliestCaptureNs = -2'208'988'800'000'000'000;  // 1900-01-01Z
inline constexpr std::int64_t kEndOfCaptureNs = 4'133'980'800'000'000'000;      // 2101-01-01Z
inline constexpr int kEarliestCaptureYear = 1900;
inline constexpr int kLastCaptureYear = 2100;

// A timestamp read from a capture: `ns` is set when the text is readable and in range;
// `out_of_range` when it is readable but outside the years 1900 to 2100.
struct CaptureTime {
    std::optional<std::int64_t> ns;
    bool out_of_range = false;
    [[nodiscard]] static CaptureTime unreadable() { return {}; }
    [[nodiscard]] static CaptureTime beyond_range() { return {std::nullopt, true}; }
};

// Why a readable timestamp was refused: "is outside the years 1900 to 2100 (UTC)".
[[nodiscard]] std::string out_of_range_text();

// ISO 8601 / RFC 3339: "2025-10-10T13:55:36.123Z", "…36.123456+02:00", "…36+0200", a space
// instead of 'T'. A missing zone means UTC. Fractions keep up to 9 digits.
[[nodiscard]] CaptureTime parse_iso8601_ns(std::string_view text);

// Common Log Format: "10/Oct/2025:13:55:36 +0000" (whole seconds).
[[nodiscard]] CaptureTime parse_clf_time_ns(std::string_view text);

// count × ns_per_unit + extra_ns (0 <= extra_ns < ns_per_unit) as a capture time, checked
// before it is multiplied: a Unix time in seconds, ms, µs or ns. ns_per_unit > 0.
[[nodiscard]] CaptureTime capture_time_from_units(std::int64_t count, std::int64_t ns_per_unit,
                                                  std::int64_t extra_ns = 0);
// The same for a count with a fraction (JSONL's seconds as a double), rounded to the ns;
// unreadable when not finite.
[[nodiscard]] CaptureTime capture_time_from_double(double count, double ns_per_unit);

// Days since 1970-01-01 of a proleptic Gregorian date (exact for |year| up to 10^12).
[[nodiscard]] std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);

}  // namespace volley::replay
