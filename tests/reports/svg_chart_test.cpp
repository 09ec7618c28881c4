// The inline SVG line chart helper.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <regex>

#include "reports/svg_chart.hpp"

using namespace volley::reports;

TEST_CASE("nice_ticks covers the range with 1-2-5 steps", "[reports][svg]") {
    CHECK(nice_ticks(0, 97, 5) == std::vector<double>{0, 20, 40, 60, 80, 100});
    const auto fractional = nice_ticks(0, 0.42, 4);  // raw step 0.105 → 0.2
    REQUIRE(fractional.size() == 4);
    CHECK(fractional[3] == Approx(0.6));
    CHECK(nice_ticks(-3, 7, 5) == std::vector<double>{-4, -2, 0, 2, 4, 6, 8});
    const auto ticks = nice_ticks(3, 3, 5);  // empty range still gives an axis
    CHECK(ticks.size() >= 2);
    CHECK(ticks.front() <= 3);
    CHECK(ticks.back() >= 3);
}

TEST_CASE("render_line_chart draws axes, legend, markers and gaps", "[reports][svg]") {
    const double gap = std::numeric_limits<double>::quiet_NaN();
    LineChart chart;
    chart.title = "latency <p99> & friends";
    chart.x.label = "time (s)";
    chart.y.label = "ms";
    chart.y.min = 0.0;
    chart.series = {{"p99 <b>", {{0, 1}, {1, 2}, {2, gap}, {3, 4}, {4, 5}}, 1}};
    chart.markers = {{2, "stage 2 → 200 rps"}};
    const auto svg = render_line_chart(chart);
    CHECK(svg.rfind("<svg viewBox=\"0 0 880 300\"", 0) == 0);
    CHECK(svg.find("<title>latency &lt;p99&gt; &amp; friends</title>") != std::string::npos);
    CHECK(svg.find(">p99 &lt;b&gt;</text>") != std::string::npos);
    CHECK(svg.find(">stage 2 → 200 rps</text>") != std::string::npos);
    CHECK(svg.find("<b>") == std::string::npos);
    // One path for the line, broken at the gap: two "M" moves in its d attribute.
    std::smatch match;
    REQUIRE(std::regex_search(
        svg, match, std::regex(R"re(<path d="(M[^"]*)" fill="none" stroke="#d62728")re")));
    CHECK(std::count(match[1].first, match[1].second, 'M') == 2);
    CHECK(svg.find("no data") == std::string::npos);
    CHECK(svg.find("script") == std::string::npos);
}

TEST_CASE("render_line_chart says no data when there is none", "[reports][svg]") {
    LineChart chart;
    chart.series = {{"empty", {}, 0}};
    CHECK(render_line_chart(chart).find(">no data</text>") != std::string::npos);
}

TEST_CASE("long series are reduced but keep their spikes", "[reports][svg]") {
    LineChart chart;
    chart.y.min = 0.0;
    ChartSeries series{"soak", {}, 0};
    for (int i = 0; i < 100000; ++i)
        series.points.push_back({static_cast<double>(i), i == 54321 ? 100.0 : 1.0});
    chart.series = {series};
    const auto svg = render_line_chart(chart);
    CHECK(svg.size() < 120000);
    // The spike reaches the top of the plot area (y = 36 in viewBox units).
    CHECK(svg.find(" 36.0L") != std::string::npos);
}
