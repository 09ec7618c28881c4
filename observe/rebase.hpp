// The merge of a distributed run (docs/distributed.md "Merging segments", "observe"): segment 0
// alone reads the servers, for the whole run, but it divided what it read per request by its own
// share of the requests. This recomputes those figures on the merged counts.
#pragma once

#include "observe/observer.hpp"
#include "reports/observed.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace volley::observe {

// `completed_by_row[k][r]`: request r's completed requests in row k of the merged run. Every
// postgres.queries_per_request series (and its `{request:…}` and `{KEY:VALUE}` variants) is
// built again from postgres.queries' points and these counts, with the rules of a single run
// (queries_per_request_values); each statement's calls per request is its calls over the merged
// requests of the rows postgres.queries has a point in, and its N+1 judgement follows.
void rebase_per_request(reports::ObservedRun& run,
                        const std::vector<std::vector<std::uint64_t>>& completed_by_row,
                        const std::vector<std::string>& request_names,
                        const Observer::RequestTags& request_tags, const ObservedRunLimits& limits);

}  // namespace volley::observe
