// The value syntax of the scenario language and of threshold expressions: durations, rates,
// percentages (docs/scenarios.md §units).
// Every parser throws std::invalid_argument with a message meant for the user.
#pragma once

#include <chrono>

#include <string>
#include <string_view>

namespace volley::thresholds {

// The same type as engine::Nanos; this leaf library includes no other module.
using Nanos = std::chrono::nanoseconds;

// "500ms", "90s", "2m", "1h30m", "250us", "1.5s", "0s". Units: h, m, s, ms, us (µs), ns.
// A bare number is an error ("missing unit"), except "0". Negative values are errors.
[[nodiscard]] Nanos parse_duration(std::string_view text);

// "100/s", "6000/m", "36000/h", "2.5/s", or a bare number meaning requests per second.
// Returns requests per second (>= 0).
[[nodiscard]] double parse_rate_rps(std::string_view text);

// "1%", "99.9%" -> ratio 0..1. A bare "0" is accepted; any other bare number is an error.
[[nodiscard]] double parse_percent_ratio(std::string_view text);

// A plain decimal number ("1.5", "-2", "1e3"); the whole text must be consumed.
[[nodiscard]] double parse_number(std::string_view text);

// "1h30m", "250ms", "1.5s": the shortest exact-ish human form, for messages and summaries.
[[nodiscard]] std::string format_duration(Nanos duration);
// "100/s", "2.5/s".
[[nodiscard]] std::string format_rate(double rps);

[[nodiscard]] std::string_view trim(std::string_view text);

}  // namespace volley::thresholds
