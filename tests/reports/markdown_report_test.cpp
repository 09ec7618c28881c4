// report.md: escaped Markdown tables with the same figures as summary.json.
#include <catch2/catch.hpp>

#include <sstream>

#include "report_test_support.hpp"
#include "reports/markdown_report.hpp"
#include "reports/number_format.hpp"
#include "reports/summary_access.hpp"
#include "run_fixture.hpp"

using namespace volley::reports;
using namespace volley::reports::testing;

TEST_CASE("report.md escapes names so tables and markup stay intact",
          "[reports][markdown][escape]") {
    const auto md = render_markdown(run_summary(RunFixture::no_cache));
    CHECK(md.find("# volley report: &lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    CHECK(md.find("<script") == std::string::npos);
    CHECK(md.find("<img") == std::string::npos);

    const auto with_cache = render_markdown(run_summary(RunFixture::with_cache));
    CHECK(with_cache.find("search \\`q\\` \\| &lt;b&gt;bold&lt;/b&gt; &amp; 'x' \"y\"") !=
          std::string::npos);
    // Every table row has as many cells as its header: no stray "|" split a row.
    for (const auto* heading : {"Requests", "Thresholds", "Run", "Timeline", "Outcomes"}) {
        const auto table = markdown_table(with_cache, heading);
        INFO(heading);
        REQUIRE(table.size() > 1);
        for (const auto& row : table) CHECK(row.size() == table[0].size());
    }
    CHECK(markdown_table(with_cache, "Requests")[2][0] == "search `q` | <b>bold</b> & 'x' \"y\"");
}

TEST_CASE("report.md figures equal summary.json", "[reports][markdown][figures]") {
    const auto summary = run_summary(RunFixture::with_cache);
    const auto md = render_markdown(summary);

    const auto figures = markdown_table(md, "Key figures");
    const auto figure = [&](const char* label) {
        const auto* row = row_labelled(figures, label);
        return row != nullptr ? (*row)[1] : std::string();
    };
    CHECK(shows(figure("Requests"), *number_at(summary, "totals.requests")));
    CHECK(shows(figure("Throughput"), *number_at(summary, "totals.throughput_rps")));
    CHECK(shows(figure("Error rate"), *number_at(summary, "totals.error_rate"), true));
    CHECK(shows(figure("Cache-hit rate"), *number_at(summary, "cache.hit_rate"), true));

    const auto latency = markdown_table(md, "Latency (ms)");
    const auto* response = row_labelled(latency, "Response time");
    REQUIRE(response != nullptr);
    for (const auto& [key, heading] : std::vector<std::pair<std::string, std::string>>{
             {"p50", "p50"}, {"p95", "p95"}, {"p99", "p99"}, {"p999", "p99.9"}, {"max", "max"}}) {
        INFO(heading);
        CHECK(shows((*response)[column_index(latency, heading)],
                    *number_at(summary, "latency_ms." + key)));
    }

    const auto requests = markdown_table(md, "Requests");
    const auto& expected = summary.at("requests").as_array();
    REQUIRE(requests.size() == expected.size() + 1);
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const auto& request = expected[i].as_object();
        CHECK(requests[i + 1][0] == string_at(request, "name"));
        CHECK(shows(requests[i + 1][column_index(requests, "Requests")],
                    *number_at(request, "requests")));
        CHECK(shows(requests[i + 1][column_index(requests, "Error rate")],
                    *number_at(request, "error_rate"), true));
        CHECK(shows(requests[i + 1][column_index(requests, "p99 (ms)")],
                    *number_at(request, "latency_ms.p99")));
    }

    const auto spectrum = markdown_table(md, "Latency spectrum");
    const auto* max_row = row_labelled(spectrum, "max");
    REQUIRE(max_row != nullptr);
    CHECK(shows((*max_row)[1], *number_at(summary, "latency_ms.max")));
    CHECK(shows((*max_row)[2], *number_at(summary, "service_time_ms.max")));
    const auto* median = row_labelled(spectrum, "50%");
    REQUIRE(median != nullptr);
    CHECK(shows((*median)[1], *number_at(summary, "latency_ms.p50")));
}

TEST_CASE("report.md timeline sums the intervals", "[reports][markdown][figures]") {
    const auto summary = run_summary(RunFixture::with_cache);
    const auto timeline = markdown_table(render_markdown(summary), "Timeline");
    const auto& intervals = summary.at("intervals").as_array();
    REQUIRE(intervals.size() <= 12);  // one row per interval
    REQUIRE(timeline.size() == intervals.size() + 1);
    double requests = 0, dropped = 0;
    for (std::size_t i = 1; i < timeline.size(); ++i) {
        requests += read_number(timeline[i][column_index(timeline, "Requests")])->value;
        dropped += read_number(timeline[i][column_index(timeline, "Dropped")])->value;
    }
    CHECK(requests == *number_at(summary, "totals.requests"));
    CHECK(dropped == *number_at(summary, "totals.dropped"));
    const auto& first = intervals[0].as_object();
    CHECK(timeline[1][0] ==
          format_clock(*number_at(first, "t_s")) + "–" +
              format_clock(*number_at(first, "t_s") + *number_at(first, "length_s")));
    CHECK(timeline[3][column_index(timeline, "Stage")] == "3");
    for (std::size_t i = 0; i < intervals.size(); ++i) {
        if (const auto p99 = number_at(intervals[i].as_object(), "p99_ms")) {
            CHECK(shows(timeline[i + 1][column_index(timeline, "p99 (ms)")], *p99));
        }
    }
}

TEST_CASE("report.md groups many intervals into at most 12 windows", "[reports][markdown]") {
    // 36 intervals: the real run's first interval again and again, one second apart.
    auto summary = run_summary(RunFixture::with_cache);
    const auto first = summary.at("intervals").as_array().at(0).as_object();
    boost::json::array intervals;
    for (int i = 0; i < 36; ++i) {
        auto row = first;
        row["t_s"] = i;
        intervals.push_back(row);
    }
    summary["intervals"] = intervals;
    const auto timeline = markdown_table(render_markdown(summary), "Timeline");
    REQUIRE(timeline.size() == 13);  // 12 windows of 3 intervals + header
    CHECK(timeline[1][0] == "0:00–0:03");
    CHECK(
        shows(timeline[1][column_index(timeline, "Requests")], 3 * *number_at(first, "requests")));
}

TEST_CASE("report.md omits the cache section when cache is null", "[reports][markdown]") {
    const auto md = render_markdown(run_summary(RunFixture::no_cache));
    CHECK(md.find("## Cache") == std::string::npos);
    CHECK(markdown_table(md, "Cache").empty());
    CHECK(md.find("**Bottleneck: " +
                  string_at(run_summary(RunFixture::no_cache), "analysis.bottleneck.kind") +
                  ".**") != std::string::npos);
    CHECK(
        (md.find("--segment i/n") != std::string::npos) ==
        (string_at(run_summary(RunFixture::no_cache), "analysis.bottleneck.kind") == "generator"));
    CHECK(md.find("> **Notice:** TLS certificate verification is disabled") != std::string::npos);
}
