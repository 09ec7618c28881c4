// How the analyses write computed figures into summary.json: rounded to 1e-6 so that values such
// as 0.1 + 0.2 read as 0.3, and null where nothing was measured.
#pragma once

#include <boost/json/value.hpp>

#include <cmath>
#include <optional>

namespace volley::reports {

[[nodiscard]] inline double tidy(double value) { return std::round(value * 1e6) / 1e6; }

[[nodiscard]] inline boost::json::value tidy_or_null(std::optional<double> value) {
    return value ? boost::json::value(tidy(*value)) : boost::json::value(nullptr);
}

}  // namespace volley::reports
