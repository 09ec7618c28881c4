// summary.json's journey sections (docs/outputs.md "summary.json", journeys): what a run of
// journeys adds to the summary, read from the run's catalog (thresholds/run_catalog.hpp). A plain
// request mix (empty catalog) adds nothing.
#pragma once

#include "engine/runner.hpp"
#include "thresholds/run_catalog.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <utility>
#include <vector>

namespace volley::reports {

// Adds to `summary` (which holds `requests` in request order):
//   journeys: [{name, tags {k: v}, steps [request names], started, completed, failed, dropped,
//               interrupted, failed_rate, duration_ms (latency_ms of the duration histogram)}]
//   requests[i] of a step: journey, tags {k: v}, extract_errors
//   tags:     [{key, value, requests, errors, error_rate, latency_ms}] per distinct tag, the
//              tagged requests' histograms merged; sorted by key, then value
//   checks:   [{name, step, passed, failed, rate}] in catalog order (rate: passed / evaluated,
//              null when never evaluated)
// Nothing when `catalog` is empty.
void add_journey_sections(boost::json::object& summary, const engine::RunResult& result,
                          const thresholds::RunCatalog& catalog);

// The distinct tags of the catalog's requests, sorted by key then value.
std::vector<thresholds::Tag> distinct_tags(const thresholds::RunCatalog& catalog);

// The indices of the requests that carry `tag`.
std::vector<std::size_t> requests_with_tag(const thresholds::RunCatalog& catalog,
                                           const thresholds::Tag& tag);

}  // namespace volley::reports
