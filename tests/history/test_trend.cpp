// history/trend.* and trend_html.cpp: trend rows from a store of real runs, and their renderings.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>

#include <fmt/format.h>

#include "history/local_store.hpp"
#include "history/trend.hpp"
#include "nightly_runs.hpp"
#include "reports/run_outputs.hpp"
#include "reports/summary_access.hpp"

using namespace volley::history;
using volley::history::testing::copy_results;
using volley::history::testing::nightly_runs;
namespace fs = std::filesystem;

namespace {

RunQuery nightly_query() {
    RunQuery query;
    query.scenario_name = "nightly";
    return query;
}

BootstrapSettings quick_bootstrap() {
    BootstrapSettings settings;
    settings.resamples = 200;
    return settings;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++count;
    return count;
}

void check_estimate(const std::optional<Estimate>& estimate, std::optional<double> figure) {
    REQUIRE(figure);
    REQUIRE(estimate);
    CHECK(estimate->value == Approx(*figure).epsilon(1e-12));
    CHECK(estimate->low <= estimate->value);
    CHECK(estimate->value <= estimate->high);
}

}  // namespace

TEST_CASE("trend rows carry each run's summary figures inside their bands", "[history][trend]") {
    const auto& nights = nightly_runs();
    LocalHistoryStore store(nights.root);
    const auto trend = build_trend(store, nightly_query(), quick_bootstrap());
    CHECK(trend.skipped.empty());
    REQUIRE(trend.rows.size() == 5);
    int banded = 0;
    for (std::size_t i = 0; i < trend.rows.size(); ++i) {
        const auto& row = trend.rows[i];
        INFO(row.record.id);
        CHECK(row.record.id == nights.night_ids[i]);
        CHECK(row.has_band);
        const auto summary = volley::reports::read_summary(nights.root / row.record.id);
        using volley::reports::number_at;
        check_estimate(row.p50, number_at(summary, "latency_ms.p50"));
        check_estimate(row.p95, number_at(summary, "latency_ms.p95"));
        check_estimate(row.p99, number_at(summary, "latency_ms.p99"));
        check_estimate(row.throughput, number_at(summary, "totals.throughput_rps"));
        check_estimate(row.error_rate, number_at(summary, "totals.error_rate"));
        CHECK_FALSE(row.hit_rate);  // the fake target has no cache tiers here

        // The band is the run's bootstrap interval (widened to the summary figure if needed).
        const auto sample = store.sample(row.record.id);
        const auto p99 = percentile_estimate({&sample}, kAllRequests, 99, quick_bootstrap());
        const auto throughput =
            rate_estimate({&sample}, RateMetric::throughput_rps, quick_bootstrap());
        REQUIRE(p99);
        REQUIRE(throughput);
        CHECK(row.p99->low == std::min(p99->low, row.p99->value));
        CHECK(row.p99->high == std::max(p99->high, row.p99->value));
        CHECK(row.throughput->low == std::min(throughput->low, row.throughput->value));
        CHECK(row.throughput->high == std::max(throughput->high, row.throughput->value));
        if (row.p99->high > row.p99->low) ++banded;
    }
    CHECK(banded > 0);  // the runs' intervals differ: some band has a width
    CHECK(trend.rows[2].error_rate->value > 0.5);  // night 3 failed on errors
}

TEST_CASE(
    "a run without latency.hlog shows its summary figures without a band; a run with a "
    "corrupted one is skipped naming it",
    "[history][trend]") {
    const auto& nights = nightly_runs();
    const auto root = copy_results("trend-hlog");
    fs::remove(root / nights.night_ids[0] / "latency.hlog");
    {
        std::ofstream hlog(root / nights.night_ids[1] / "latency.hlog", std::ios::app);
        hlog << "0.000,1.000,0.5,NOT-A-HISTOGRAM\n";
    }
    LocalHistoryStore store(root);
    const auto trend = build_trend(store, nightly_query(), quick_bootstrap());
    REQUIRE(trend.rows.size() == 4);
    REQUIRE(trend.skipped.size() == 1);
    CHECK_THAT(trend.skipped[0],
               Catch::Contains((root / nights.night_ids[1] / "latency.hlog").string()));
    const auto& bare = trend.rows[0];
    CHECK(bare.record.id == nights.night_ids[0]);
    CHECK_FALSE(bare.has_band);
    REQUIRE(bare.p99);
    CHECK(bare.p99->value == bare.record.figures.p99_ms);
    CHECK(bare.p99->low == bare.p99->value);
    CHECK(bare.p99->high == bare.p99->value);
    CHECK(trend.rows[1].has_band);

    const auto console = render_trend_console(trend);
    CHECK(count_of(console, "\n") >= 5);
    for (const auto& row : trend.rows) CHECK_THAT(console, Catch::Contains(row.record.id));
    CHECK_THAT(console, Catch::Contains("night=1"));
    CHECK_THAT(console, Catch::Contains("no latency.hlog"));
    const auto markdown = render_trend_markdown(trend);
    CHECK_THAT(markdown, Catch::Contains("| p99 ms |"));
    CHECK_THAT(markdown, Catch::Contains("**fail**"));
    CHECK_THAT(markdown, Catch::Contains("latency.hlog"));  // the skipped run, named
    fs::remove_all(root);
}

TEST_CASE(
    "the HTML trend report has one point per run per figure, marks failed runs and is "
    "self-contained",
    "[history][trend]") {
    const auto& nights = nightly_runs();
    LocalHistoryStore store(nights.root);
    const auto trend = build_trend(store, nightly_query(), quick_bootstrap());
    REQUIRE(trend.rows.size() == 5);
    const auto html = render_trend_html(trend, "volley trend: nightly");
    for (const auto* key : {"p50", "p95", "p99", "throughput", "error-rate"}) {
        INFO(key);
        CHECK(count_of(html, fmt::format("class=\"pt {}\"", key)) +
                  count_of(html, fmt::format("class=\"pt {} fail\"", key)) ==
              5);
        CHECK(count_of(html, fmt::format("class=\"pt {} fail\"", key)) == 1);
    }
    CHECK(count_of(html, "class=\"band p99\"") >= 1);  // the p99 band is drawn
    CHECK_THAT(html, Catch::Contains(trend.rows[0].record.scenario_hash));
    for (const auto& id : nights.night_ids) CHECK_THAT(html, Catch::Contains(id));
    CHECK_THAT(html, !Catch::Contains("<script"));
    CHECK_THAT(html, !Catch::Contains("http://") && !Catch::Contains("https://"));
    CHECK_THAT(html, !Catch::Contains("src=") && !Catch::Contains("href="));
    CHECK_FALSE(std::regex_search(html, std::regex("url\\(")));
}

TEST_CASE("every text from a summary is HTML-escaped in the trend report", "[history][trend]") {
    Trend trend;
    TrendRow row;
    row.record.id = "run<i>1</i>";
    row.record.scenario_name = "<script>alert('x')</script> & co";
    row.record.scenario_hash = "\"hash\"";
    row.record.labels = {{"git", "<b>3f2a</b>"}};
    row.record.started_at = "2026-12-05T23:43:13.123Z";
    row.record.verdict = "fail<br>";
    row.p99 = Estimate{12.5, 11.0, 14.0};
    row.has_band = true;
    trend.rows.push_back(row);
    trend.skipped.emplace_back("/tmp/<x>/summary.json: broken");
    const auto html = render_trend_html(trend, "trend of <script>alert('x')</script> & co");
    CHECK_THAT(html, !Catch::Contains("<script"));
    CHECK_THAT(html, !Catch::Contains("<i>1"));
    CHECK_THAT(html, !Catch::Contains("<b>3f2a"));
    CHECK_THAT(html, !Catch::Contains("<br>"));
    CHECK_THAT(html, !Catch::Contains("<x>"));
    CHECK_THAT(html, Catch::Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"));
    CHECK_THAT(html, Catch::Contains("run&lt;i&gt;1&lt;/i&gt;"));
}
