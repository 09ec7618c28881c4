// Timestamps as captures write them -> ns since the Unix epoch (UTC).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace volley::replay {

// ISO 8601 / RFC 3339: "2025-10-10T13:55:36.123Z", "…36.123456+02:00", "…36+0200", a space
// instead of 'T'. A missing zone means UTC. Fractions keep up to 9 digits.
[[nodiscard]] std::optional<std::int64_t> parse_iso8601_ns(std::string_view text);

// Common Log Format: "10/Oct/2025:13:55:36 +0000" (whole seconds).
[[nodiscard]] std::optional<std::int64_t> parse_clf_time_ns(std::string_view text);

// Days since 1970-01-01 of a proleptic Gregorian date.
[[nodiscard]] std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);

}  // namespace volley::replay
