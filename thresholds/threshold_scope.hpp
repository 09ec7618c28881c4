// What a threshold's scope (`p(95){journey:checkout}`, thresholds/threshold_expr.hpp) selects in
// a run: request indices, flow (journey) indices and checks, read from the run's catalog
// (thresholds/run_catalog.hpp). The scenario loader calls scope_problem() to report a scope
// that names nothing at the threshold's line; reports/thresholds.cpp selects with select_scope.
#pragma once

#include "thresholds/run_catalog.hpp"
#include "thresholds/threshold_expr.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace volley::thresholds {

struct ScopeSelection {
    // Request indices (RunSpec::request_names) whose statistics are merged; nullopt: every one.
    std::optional<std::vector<std::size_t>> requests;
    // Flow indices (RunCatalog::journeys) whose journey statistics are merged; nullopt: every one.
    std::optional<std::vector<std::size_t>> flows;
    // The checks counted, as (pass counter, fail counter) indices of RunSpec::counter_names.
    std::vector<std::pair<std::size_t, std::size_t>> check_counters;
};

// "" when every name in `expr`'s scope exists in the run, else why not, e.g.
// "no journey is named 'chekout' (journeys: checkout, browse)". Also says when a journey
// metric (checks, duration_p, journeys_failed) has nothing to measure: a scenario without
// journeys or checks, a journey without checks. `request_names` as in the RunSpec.
[[nodiscard]] std::string scope_problem(const ThresholdExpr& expr, const RunCatalog& catalog,
                                        const std::vector<std::string>& request_names);

// The selection of `expr`'s scope. Throws std::invalid_argument with scope_problem()'s reason.
[[nodiscard]] ScopeSelection select_scope(const ThresholdExpr& expr, const RunCatalog& catalog,
                                          const std::vector<std::string>& request_names);

}  // namespace volley::thresholds
