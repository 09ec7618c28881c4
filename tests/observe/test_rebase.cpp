// observe/rebase.hpp: a distributed run's merge recomputes segment 0's per-request figures on the
// merged counts, by the rules a single run applies (queries_per_request_values).
#include "observe/rebase.hpp"

#include <catch2/catch.hpp>

using namespace volley;
using reports::ObservedKind;
using reports::ObservedPoint;

namespace {

reports::ObservedSeries series(std::string name, ObservedKind kind,
                               std::vector<std::optional<ObservedPoint>> points) {
    reports::ObservedSeries s;
    s.name = std::move(name);
    s.source = "postgres";
    s.kind = kind;
    s.unit = kind == ObservedKind::rate ? "1/s" : "count";
    s.points = std::move(points);
    return s;
}

}  // namespace

TEST_CASE(
    "the merge's queries per request divide segment 0's queries by every segment's requests") {
    reports::ObservedRun run;
    // Segment 0 of 4 saw 400 queries per 1 s interval and its own 25 requests: 16 per request.
    run.series.push_back(series("postgres.queries", ObservedKind::rate,
                                {ObservedPoint{400, 1}, ObservedPoint{400, 1}, std::nullopt}));
    run.series.push_back(series("postgres.queries_per_request", ObservedKind::ratio,
                                {ObservedPoint{400, 25}, ObservedPoint{400, 25}, std::nullopt}));
    run.series.push_back(series("postgres.queries_per_request{request:naive}", ObservedKind::ratio,
                                {ObservedPoint{400, 25}, std::nullopt, std::nullopt}));
    run.statements.push_back({"SELECT parent FROM entities WHERE id = $1", 800, 12.0, 16, true,
                              "16.0 calls per request > 5"});
    const std::vector<std::string> names{"naive", "ltree"};
    const observe::Observer::RequestTags tags{{{"kind", "slow"}}, {{"kind", "fast"}}};
    // Merged: row 0 only `naive` (100), row 1 both (60 + 40), row 2 (no query point) 100.
    const std::vector<std::vector<std::uint64_t>> completed{{100, 0}, {60, 40}, {100, 0}};
    observe::rebase_per_request(run, completed, names, tags, observe::ObservedRunLimits{5, 20});

    const auto* all = run.find("postgres.queries_per_request");
    REQUIRE(all != nullptr);
    REQUIRE(all->points.size() == 3);
    CHECK(all->points[0]->num == 400);
    CHECK(all->points[0]->den == 100);
    CHECK(all->points[1]->den == 100);
    CHECK_FALSE(all->points[2]);
    const auto* naive = run.find("postgres.queries_per_request{request:naive}");
    REQUIRE(naive != nullptr);
    CHECK(naive->points[0]->den == 100);
    CHECK_FALSE(naive->points[1]);  // both requests completed in row 1: not isolated
    const auto* slow = run.find("postgres.queries_per_request{kind:slow}");
    REQUIRE(slow != nullptr);
    CHECK(slow->points[0]->den == 100);
    CHECK_FALSE(slow->points[1]);
    CHECK(run.find("postgres.queries_per_request{request:ltree}") == nullptr);
    // 800 calls over the 200 requests of the rows with a query point: 4 per request, under 5.
    CHECK(run.statements[0].calls_per_request == Approx(4.0));
    CHECK_FALSE(run.statements[0].n_plus_one);
    CHECK(run.statements[0].why.empty());
}
