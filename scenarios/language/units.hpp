// The scenario language's value syntax: durations, rates, percentages (docs/scenarios.md §units).
// It is the threshold grammar's (thresholds/units.hpp, the leaf library both the loader and the
// reports use); the loader and its callers name it under scenarios::.
#pragma once

#include "thresholds/units.hpp"

namespace volley::scenarios {

using thresholds::format_duration;
using thresholds::format_rate;
using thresholds::parse_duration;
using thresholds::parse_number;
using thresholds::parse_percent_ratio;
using thresholds::parse_rate_rps;
using thresholds::trim;

}  // namespace volley::scenarios
