#pragma once
// The one place that turns numbers into report text. Every report (HTML, Markdown, JUnit, CSV,
// compare, progress line) formats through these functions, so a figure reads the same in every
// file. None of them appends a unit unless its name says so (format_percent adds "%").

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>

namespace volley::reports {

// Shown where a value is absent (null or missing in summary.json) in human-facing reports.
inline constexpr std::string_view missing_value_text = "—";

// A measured quantity (latency in ms, a generic figure): about four significant digits, with
// the number of decimals fixed by magnitude: |v| < 1 → 3, < 100 → 2, < 10000 → 1, else 0.
// 0.4123 → "0.412", 12.3456 → "12.35", 250.31 → "250.3", 15231.4 → "15231".
// Non-finite values → "n/a".
std::string format_number(double value);

// Latency in milliseconds (the number only). Same rule as format_number.
std::string format_ms(double milliseconds);

// A rate in requests per second: one decimal ("998.7").
std::string format_rps(double requests_per_second);

// A fraction shown as a percentage with "%": two decimals, more (up to six) when a non-zero
// value would otherwise show as zero. 0.9781 → "97.81%", 0.00004 → "0.004%".
std::string format_percent(double fraction);

// A difference of two fractions in percentage points, same digits as format_percent, with
// " pp": 0.0042 → "0.42 pp". (The sign is the caller's: see format_signed.)
std::string format_percentage_points(double fraction_difference);

// A percentile level (a fraction 0..1) as a label: percent with up to four decimals, trailing
// zeros dropped. 0.5 → "50%", 0.999 → "99.9%", 0.990625 → "99.0625%".
std::string format_percentile(double fraction);

// An axis tick label: integers without decimals, other values with at most three decimals and
// no trailing zeros ("0", "250", "0.5", "0.125").
std::string format_tick(double value);

// A fraction for machine-read files (CSV): six decimals, no "%" ("0.978100").
std::string format_fraction(double fraction);

// A count (requests, errors): integer digits, no separators ("5410").
std::string format_count(double count);

// A duration in seconds: one decimal ("30.0").
std::string format_seconds(double seconds);

// A duration as a clock: "m:ss" below one hour, "h:mm:ss" above ("0:07", "1:02:03").
// Negative, non-finite or 1e15 s and longer → "-:--".
std::string format_clock(double seconds);

// A JSON value as report text: integers as counts, doubles via format_number, strings as
// they are (NOT escaped), booleans "yes"/"no", null → missing_value_text. Objects and arrays
// are serialised compactly.
std::string format_json_scalar(const boost::json::value& value);

// formatter(value) with a leading "+" for positive values (negative ones carry "-" already).
std::string format_signed(double value, std::string (*formatter)(double));

// formatter(value) when present, else `missing` (missing_value_text by default).
std::string format_optional(std::optional<double> value, std::string (*formatter)(double),
                            std::string_view missing = missing_value_text);

}  // namespace volley::reports
