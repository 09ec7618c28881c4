#include "observe/rebase.hpp"

#include "observe/postgres_source.hpp"

#include <algorithm>
#include <map>
#include <numeric>

namespace volley::observe {

void rebase_per_request(reports::ObservedRun& run,
                        const std::vector<std::vector<std::uint64_t>>& completed_by_row,
                        const std::vector<std::string>& request_names,
                        const Observer::RequestTags& request_tags,
                        const ObservedRunLimits& limits) {
    const auto* queries = run.find("postgres.queries");
    if (queries == nullptr) return;
    const auto query_points = queries->points;  // copied: the series vector changes below
    const std::string source = queries->source;
    std::erase_if(run.series, [](const reports::ObservedSeries& series) {
        return series.name.rfind("postgres.queries_per_request", 0) == 0;
    });
    std::map<std::string, std::size_t, std::less<>> added;  // series name -> index in run.series
    std::uint64_t requests_covered = 0;
    const std::size_t rows = std::min(query_points.size(), completed_by_row.size());
    for (std::size_t k = 0; k < rows; ++k) {
        if (!query_points[k]) continue;
        const auto& per_request = completed_by_row[k];
        const std::uint64_t completed =
            std::accumulate(per_request.begin(), per_request.end(), std::uint64_t{0});
        requests_covered += completed;
        // A rate point is {queries, seconds}.
        const SampleContext context{query_points[k]->den, completed, per_request, request_names,
                                    request_tags};
        for (auto& value : queries_per_request_values(query_points[k]->num, context)) {
            auto found = added.find(value.series);
            if (found == added.end()) {
                reports::ObservedSeries series;
                series.name = value.series;
                series.source = source;
                series.kind = value.kind;
                series.unit = value.unit;
                series.points.resize(completed_by_row.size());
                found = added.emplace(value.series, run.series.size()).first;
                run.series.push_back(std::move(series));
            }
            run.series[found->second].points[k] = value.point;
        }
    }
    for (auto& statement : run.statements) judge_statement(statement, requests_covered, limits);
}

}  // namespace volley::observe
