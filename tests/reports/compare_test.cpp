// compare: regressions are flagged by the documented rules, identical runs never regress.
#include <catch2/catch.hpp>

#include "report_test_support.hpp"
#include "reports/compare.hpp"

using namespace volley::reports;
using namespace volley::reports::testing;

namespace {

const MetricComparison& metric(const CompareResult& result, std::string_view name) {
    for (const auto& m : result.metrics) {
        if (m.name == name) return m;
    }
    throw std::runtime_error("no metric " + std::string(name));
}

void scale(boost::json::object& summary, std::string_view section, std::string_view key,
           double factor) {
    auto& value = summary[section].as_object()[key];
    value = value.to_number<double>() * factor;
}

}  // namespace

TEST_CASE("identical runs do not regress", "[reports][compare]") {
    const auto base = load_fixture("summary.json");
    const auto result = compare_runs(base, base, 0.10);
    CHECK_FALSE(result.regressed());
    REQUIRE(result.metrics.size() == 8);
    for (const auto& m : result.metrics) {
        INFO(m.name);
        CHECK(m.compared());
        CHECK(*m.delta() == 0.0);
    }
    CHECK(render_compare_console(result).find("no regression") != std::string::npos);
    CHECK(render_compare_markdown(result).find("**no regression") != std::string::npos);
}

TEST_CASE("a run made slower on purpose regresses", "[reports][compare]") {
    const auto base = load_fixture("summary.json");
    auto slower = base;
    for (const auto* key : {"p50", "p95", "p99", "p999", "max"})
        scale(slower, "latency_ms", key, 1.5);
    const auto result = compare_runs(base, slower, 0.10);
    CHECK(result.regressed());
    CHECK(result.regression_count() == 5);
    CHECK(metric(result, "p99").regressed);
    CHECK(*metric(result, "p99").relative_change() == Approx(0.5));
    CHECK_FALSE(metric(result, "throughput").regressed);
    const auto console = render_compare_console(result);
    CHECK(console.find("REGRESSION in 5 of 8 metrics") != std::string::npos);
    CHECK(console.find("+24.15 ms") != std::string::npos);  // p99 48.30 → 72.45
    CHECK(render_compare_markdown(result).find("REGRESSED (up &gt; 10.00%)") != std::string::npos);
}

TEST_CASE("latency and throughput limits are relative to the base", "[reports][compare]") {
    const auto base = load_fixture("summary.json");
    auto within = base;
    scale(within, "latency_ms", "p95", 1.09);
    scale(within, "totals", "throughput_rps", 0.91);
    CHECK_FALSE(compare_runs(base, within, 0.10).regressed());

    auto beyond = base;
    scale(beyond, "latency_ms", "p95", 1.11);
    scale(beyond, "totals", "throughput_rps", 0.89);
    const auto result = compare_runs(base, beyond, 0.10);
    CHECK(metric(result, "p95").regressed);
    CHECK(metric(result, "throughput").regressed);
    CHECK(result.regression_count() == 2);
    // Faster is never a regression.
    CHECK_FALSE(compare_runs(beyond, base, 0.10).regressed());
}

TEST_CASE("error rate uses max(m × base, 0.1 point)", "[reports][compare]") {
    auto base = load_fixture("summary_nocache.json");
    base["totals"].as_object()["error_rate"] = 0.0;
    auto fresh = base;
    fresh["totals"].as_object()["error_rate"] = 0.0009;  // +0.09 point: under the floor
    CHECK_FALSE(metric(compare_runs(base, fresh, 0.10), "error rate").regressed);
    fresh["totals"].as_object()["error_rate"] = 0.0011;
    CHECK(metric(compare_runs(base, fresh, 0.10), "error rate").regressed);

    base["totals"].as_object()["error_rate"] = 0.05;  // m × base = 0.5 point
    fresh["totals"].as_object()["error_rate"] = 0.054;
    CHECK_FALSE(metric(compare_runs(base, fresh, 0.10), "error rate").regressed);
    fresh["totals"].as_object()["error_rate"] = 0.056;
    CHECK(metric(compare_runs(base, fresh, 0.10), "error rate").regressed);
}

TEST_CASE("cache-hit rate regresses when it drops more than one point", "[reports][compare]") {
    const auto base = load_fixture("summary.json");  // hit rate 0.9781
    auto fresh = base;
    fresh["cache"].as_object()["hit_rate"] = 0.9691;
    CHECK_FALSE(metric(compare_runs(base, fresh, 0.10), "cache-hit rate").regressed);
    fresh["cache"].as_object()["hit_rate"] = 0.9671;
    CHECK(metric(compare_runs(base, fresh, 0.10), "cache-hit rate").regressed);
    // A run without tiers is not compared on the cache and cannot regress on it.
    const auto no_cache = load_fixture("summary_nocache.json");
    const auto without_tiers = compare_runs(base, no_cache, 0.10);
    const auto& hit = metric(without_tiers, "cache-hit rate");
    CHECK_FALSE(hit.compared());
    CHECK_FALSE(hit.regressed);
    CHECK(render_compare_console(without_tiers).find("not compared") != std::string::npos);
}

TEST_CASE("compare output escapes run labels", "[reports][compare][escape]") {
    const auto evil = load_fixture("summary_nocache.json");
    const auto result = compare_runs(evil, evil, 0.10);
    const auto md = render_compare_markdown(result);
    CHECK(md.find("<script") == std::string::npos);
    CHECK(md.find("&lt;script&gt;alert(1)&lt;/script&gt; @ 2025-06-02T08:30:00.000Z") !=
          std::string::npos);
}
