// A threshold as the scenario wrote it, with its scope: filled by the scenario loader
// (scenarios/language/thresholds_section.cpp), measured by reports/thresholds.hpp.
#pragma once

#include "thresholds/units.hpp"

#include <optional>
#include <string>

namespace volley::thresholds {

struct ThresholdSpec {
    std::string expr;                    // `p(95) < 200ms`, valid for parse_threshold_expr
    std::optional<std::string> request;  // scope: one request name
    std::optional<Nanos> window;         // must hold in every window of this length
    bool abort_on_fail = false;
    Nanos delay_abort{0};
    std::string file;  // where it was written, for error messages
    int line = 0, column = 0;
};

}  // namespace volley::thresholds
