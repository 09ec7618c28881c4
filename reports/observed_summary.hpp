// The observed run in summary.json (docs/outputs.md "observed"): the `observed` section, each
// interval's `observed` values, the `observed.*` thresholds judged on the series, and the typed
// ObservedFigures the renderers read back.
#pragma once

#include "engine/runner.hpp"
#include "reports/observed.hpp"
#include "reports/run_summary.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string_view>
#include <vector>

namespace volley::reports {

// summary.json `observed`: {sources: [{name, samples, failures, first_error, notes}],
// series: [{name, source, kind, unit, value, min, max, slope_per_h}], statements: [{text, calls,
// total_time_ms, calls_per_request, n_plus_one, why}]}.
[[nodiscard]] boost::json::object observed_section(const ObservedRun& observed,
                                                   const std::vector<engine::IntervalRow>& rows);

// Adds `observed: {SERIES: value|null}` to each object of summary.json `intervals` (one per
// interval row, in order).
void add_observed_intervals(boost::json::array& intervals, const ObservedRun& observed);

// Fills the `observed.*` entries of `thresholds` (ThresholdEvaluator leaves them unjudged, with
// `observed` naming the series): the figure over the whole run, or with `window_s` over every
// complete window of consecutive interval rows (the worst one reported; the last window counts
// as complete when the run completed its schedule and the schedule covered the window, as for
// the other thresholds, reports/thresholds.hpp). A series without a single point fails, naming
// the source and why it has none.
void evaluate_observed_thresholds(boost::json::array& thresholds, const ObservedRun& observed,
                                  const engine::RunResult& result);

// The typed `observed` section and each interval's observed values; nullopt when the summary
// has none. Throws SummaryError naming the key path.
[[nodiscard]] std::optional<ObservedFigures> parse_observed(const boost::json::object& summary,
                                                            std::string_view source);

}  // namespace volley::reports
