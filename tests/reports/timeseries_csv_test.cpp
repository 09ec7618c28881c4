// timeseries.csv: one row per interval, documented columns, values from summary.json.
#include <catch2/catch.hpp>

#include <sstream>

#include "report_test_support.hpp"
#include "reports/summary_access.hpp"
#include "reports/timeseries_csv.hpp"
#include "run_fixture.hpp"

using namespace volley::reports;
using namespace volley::reports::testing;

namespace {

std::vector<std::vector<std::string>> parse_csv(const std::string& csv) {
    std::vector<std::vector<std::string>> rows;
    std::istringstream lines(csv);
    std::string line;
    while (std::getline(lines, line)) {
        std::vector<std::string> cells;
        std::size_t start = 0;
        while (true) {
            const auto comma = line.find(',', start);
            cells.push_back(line.substr(start, comma - start));
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
        rows.push_back(std::move(cells));
    }
    return rows;
}

}  // namespace

TEST_CASE("timeseries.csv has a header and one row per interval", "[reports][csv]") {
    for (const auto fixture : {RunFixture::with_cache, RunFixture::no_cache, RunFixture::stress}) {
        const auto& summary = run_summary(fixture);
        const auto rows = parse_csv(render_timeseries_csv(summary));
        INFO(static_cast<int>(fixture));
        REQUIRE(rows.size() == summary.at("intervals").as_array().size() + 1);
        REQUIRE(rows[0].size() == timeseries_columns().size());
        for (std::size_t i = 0; i < rows[0].size(); ++i)
            CHECK(rows[0][i] == timeseries_columns()[i]);
        for (const auto& row : rows) CHECK(row.size() == rows[0].size());
    }
}

TEST_CASE("timeseries.csv values equal the intervals", "[reports][csv]") {
    const auto summary = run_summary(RunFixture::with_cache);
    const auto rows = parse_csv(render_timeseries_csv(summary));
    const auto& intervals = summary.at("intervals").as_array();
    const auto column = [&](std::string_view name) { return column_index(rows, name); };
    for (std::size_t i = 0; i < intervals.size(); ++i) {
        const auto& interval = intervals[i].as_object();
        const auto& row = rows[i + 1];
        INFO("interval " << i);
        CHECK(shows(row[column("t_s")], *number_at(interval, "t_s")));
        CHECK(shows(row[column("requests")], *number_at(interval, "requests")));
        CHECK(shows(row[column("dropped")], *number_at(interval, "dropped")));
        CHECK(shows(row[column("throughput_rps")], *number_at(interval, "throughput_rps")));
        CHECK(shows(row[column("target_rps")], *number_at(interval, "target_rps")));
        CHECK(shows(row[column("lag_p99_ms")], *number_at(interval, "lag_p99_ms")));
        if (*number_at(interval, "requests") == 0) continue;  // no latency, hit rate or error rate
        CHECK(shows(row[column("p99_ms")], *number_at(interval, "p99_ms")));
        CHECK(shows(row[column("max_ms")], *number_at(interval, "max_ms")));
        CHECK(shows(row[column("hit_rate")], *number_at(interval, "hit_rate")));
        CHECK(shows(row[column("served_L4")], *number_at(interval, "served_by.L4")));
        CHECK(shows(row[column("error_rate")],
                    *number_at(interval, "errors") / *number_at(interval, "requests")));
    }
}

TEST_CASE("timeseries.csv leaves absent values empty", "[reports][csv]") {
    const auto rows = parse_csv(render_timeseries_csv(run_summary(RunFixture::no_cache)));
    for (const auto* name : {"hit_rate", "served_L1", "served_L4"}) {
        CHECK(rows[1][column_index(rows, name)].empty());
    }
    auto no_intervals = run_summary(RunFixture::no_cache);
    no_intervals["intervals"] = boost::json::array{};
    const auto only_header = parse_csv(render_timeseries_csv(no_intervals));
    CHECK(only_header.size() == 1);
}
