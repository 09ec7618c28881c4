#pragma once
// Tolerant read access to a parsed summary.json (schema volley.summary/v1) by dotted path: a
// missing key, a null, or a value of the wrong type reads as "absent" (nullptr / nullopt /
// empty) instead of throwing. For `volley compare` (a metric missing in either run is "not
// compared"), `volley slo` and tests; the renderers read the typed RunSummary
// (reports/run_summary.hpp) instead.

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>

namespace volley::reports {

// The value at a dotted path ("latency_ms.p99", "cache.served_by.L1"), or nullptr when a step
// is missing or not an object. A null value is returned as a pointer to the null.
const boost::json::value* value_at(const boost::json::object& root, std::string_view dotted_path);

// The object / array at the path, or nullptr (missing, null or another type).
const boost::json::object* object_at(const boost::json::object& root, std::string_view dotted_path);
const boost::json::array* array_at(const boost::json::object& root, std::string_view dotted_path);

// The number at the path (int64, uint64 or double), or nullopt.
std::optional<double> number_at(const boost::json::object& root, std::string_view dotted_path);

// The boolean at the path, or nullopt.
std::optional<bool> bool_at(const boost::json::object& root, std::string_view dotted_path);

// The string at the path, or "" when missing or not a string (raw, not escaped).
std::string string_at(const boost::json::object& root, std::string_view dotted_path);

// A value as a number when it is one (int64, uint64 or double), else nullopt.
std::optional<double> as_number(const boost::json::value* value);

}  // namespace volley::reports
