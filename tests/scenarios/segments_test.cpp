// Feeders of a distributed run (docs/distributed.md "Segments"): each worker's request source
// gets its share of the whole run (engine::worker_share: worker j of w in segment i of n has
// share i + n*j of n*w), so unique rows, sequential items and counters are split across
// segments as they are across threads.
#include "engine/segments.hpp"
#include "scenarios/language/feeders.hpp"
#include "scenarios/language/request_source.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace volley;
using namespace volley::scenarios;

namespace {

Plan plan_with(VariableSpec::Source source) {
    Plan plan;
    plan.variables = {VariableSpec{"v", std::move(source)}};
    RequestSpec request;
    request.name = "r";
    request.path = "/${v}";
    plan.requests = {request};
    return plan;
}

// Every share's source of segment `segment` with `workers` workers.
std::vector<std::unique_ptr<TemplatedRequestSource>> segment_sources(const Plan& plan,
                                                                     engine::SegmentSpec segment,
                                                                     std::size_t workers) {
    std::vector<std::unique_ptr<TemplatedRequestSource>> out;
    for (std::size_t j = 0; j < workers; ++j) {
        const auto share = engine::worker_share(segment, j, workers);
        out.push_back(std::make_unique<TemplatedRequestSource>(plan, share.index, share.count));
    }
    return out;
}

std::string next_value(TemplatedRequestSource& source) {
    engine::PreparedRequest out;
    REQUIRE(source.next(out));
    return std::string(out.target).substr(1);
}

}  // namespace

TEST_CASE("a unique csv row is used by exactly one segment: row r by segment r mod n",
          "[feeders][segments]") {
    auto table = std::make_shared<CsvTable>();
    table->columns = {"user"};
    constexpr std::size_t kRows = 103;
    for (std::size_t r = 0; r < kRows; ++r) table->rows.push_back({std::to_string(r)});
    const Plan plan = plan_with(CsvFeeder{"users.csv", table, "", FeederMode::unique});
    for (std::size_t n = 1; n <= 7; ++n) {
        for (const std::size_t workers : {1, 2, 3}) {
            CAPTURE(n, workers);
            std::multiset<std::size_t> used;
            for (std::size_t i = 0; i < n; ++i) {
                for (auto& source : segment_sources(plan, {i, n}, workers)) {
                    engine::PreparedRequest out;
                    while (source->next(out)) {
                        const std::size_t row = std::stoul(std::string(out.target).substr(1));
                        CHECK(row % n == i);
                        used.insert(row);
                    }
                    CHECK_THAT(source->exhausted_reason(), Catch::Contains("no rows left"));
                }
            }
            REQUIRE(used.size() == kRows);
            std::size_t expected = 0;
            for (const std::size_t row : used) CHECK(row == expected++);  // each exactly once
        }
    }
}

TEST_CASE("counters stay unique across segments and together count without gaps",
          "[feeders][segments]") {
    const Plan plan = plan_with(CounterFeeder{1000, 5, "%d"});
    for (std::size_t n = 1; n <= 7; ++n) {
        constexpr std::size_t kWorkers = 2, kDraws = 20;
        std::set<long> values;
        for (std::size_t i = 0; i < n; ++i) {
            for (auto& source : segment_sources(plan, {i, n}, kWorkers)) {
                for (std::size_t d = 0; d < kDraws; ++d)
                    CHECK(values.insert(std::stol(next_value(*source))).second);
            }
        }
        // n * workers shares, kDraws each: exactly the first n * workers * kDraws values.
        CHECK(values.size() == n * kWorkers * kDraws);
        CHECK(*values.begin() == 1000);
        CHECK(*values.rbegin() == 1000 + 5 * static_cast<long>(n * kWorkers * kDraws - 1));
    }
}

TEST_CASE("sequential items are walked in order by the segments together; random streams differ",
          "[feeders][segments]") {
    const Plan range = plan_with(RangeFeeder{0, 999, 1, FeederMode::sequential});
    std::set<std::string> walked;
    for (std::size_t i = 0; i < 3; ++i) {
        for (auto& source : segment_sources(range, {i, 3}, 2)) {
            for (int d = 0; d < 10; ++d) CHECK(walked.insert(next_value(*source)).second);
        }
    }
    CHECK(walked.size() == 60);
    CHECK(walked.count("59") == 1);
    CHECK(walked.count("60") == 0);

    // uuid: every segment draws from a stream of its own, so ids do not repeat across segments.
    const Plan uuid = plan_with(UuidFeeder{});
    std::set<std::string> ids;
    for (std::size_t i = 0; i < 4; ++i) {
        for (auto& source : segment_sources(uuid, {i, 4}, 1)) {
            for (int d = 0; d < 50; ++d) CHECK(ids.insert(next_value(*source)).second);
        }
    }
}
