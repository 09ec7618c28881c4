// report.html: self-contained, escaped, and showing the same figures as summary.json.
#include <catch2/catch.hpp>

#include <regex>

#include "report_test_support.hpp"
#include "reports/html_report.hpp"
#include "reports/number_format.hpp"
#include "reports/report_tables.hpp"
#include "reports/summary_access.hpp"
#include "run_fixture.hpp"

using namespace volley::reports;
using namespace volley::reports::testing;

namespace {

// Every (latency key, column heading) pair the latency table shows.
const std::vector<std::pair<std::string, std::string>> latency_columns{
    {"min", "min"}, {"mean", "mean"}, {"p50", "p50"},    {"p90", "p90"},
    {"p95", "p95"}, {"p99", "p99"},   {"p999", "p99.9"}, {"max", "max"}};

// The value text of the key-figure card labelled `label`.
std::string key_figure(const std::string& html, const std::string& label) {
    const std::regex card("<div class=\"label\">" + label +
                          "</div><div class=\"value\">([^<]*)</div>");
    std::smatch match;
    if (!std::regex_search(html, match, card)) return {};
    return decode_entities(match[1].str());
}

}  // namespace

TEST_CASE("report.html is self-contained: no script, no external reference", "[reports][html]") {
    for (const auto fixture : {RunFixture::with_cache, RunFixture::no_cache, RunFixture::stress}) {
        const auto html = render_html(run_summary(fixture));
        INFO(static_cast<int>(fixture));
        CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
        CHECK(html.find("</html>") != std::string::npos);
        CHECK(html.find("<meta charset=\"utf-8\">") != std::string::npos);
        CHECK(html.find("@media print") != std::string::npos);
        CHECK_FALSE(std::regex_search(html, std::regex("<script", std::regex::icase)));
        CHECK_FALSE(std::regex_search(
            html, std::regex("<(link|img|iframe|object|embed)\\b", std::regex::icase)));
        CHECK_FALSE(std::regex_search(html, std::regex(R"(<[a-zA-Z][^>]*\s(src|href)\s*=)")));
        CHECK_FALSE(std::regex_search(html, std::regex(R"(url\(|@import|@font-face)")));
        CHECK(html.find("<svg") != std::string::npos);
    }
}

TEST_CASE("report.html escapes every string taken from the summary", "[reports][html][escape]") {
    const auto html = render_html(run_summary(RunFixture::no_cache));
    CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    CHECK(html.find("<title>volley · &lt;script&gt;alert(1)&lt;/script&gt; · PASS</title>") !=
          std::string::npos);
    CHECK(html.find("&lt;img src=x onerror=alert(2)&gt;") != std::string::npos);
    CHECK(html.find("https://example.test/?a=1&amp;b=&lt;2&gt;") != std::string::npos);
    CHECK(html.find("scenarios/&lt;evil&gt;.yaml") != std::string::npos);
    CHECK(html.find("alert(1)</") == std::string::npos);
    CHECK(html.find("<img") == std::string::npos);

    const auto with_cache = render_html(run_summary(RunFixture::with_cache));
    CHECK(with_cache.find("search `q` | &lt;b&gt;bold&lt;/b&gt; &amp; &#39;x&#39; &quot;y&quot;") !=
          std::string::npos);
    CHECK(with_cache.find("<b>bold") == std::string::npos);
}

TEST_CASE("report.html latency table equals summary.json", "[reports][html][figures]") {
    const auto summary = run_summary(RunFixture::with_cache);
    const auto table = html_table(render_html(summary), "latency");
    REQUIRE(table.size() == 5);  // header + response, service, schedule lag, connection wait
    for (const auto& [label, prefix] : std::vector<std::pair<std::string, std::string>>{
             {"Response time", "latency_ms"}, {"Service time", "service_time_ms"}}) {
        const auto* row = row_labelled(table, label);
        REQUIRE(row != nullptr);
        for (const auto& [key, heading] : latency_columns) {
            INFO(label << " " << heading << " shows " << (*row)[column_index(table, heading)]);
            CHECK(shows((*row)[column_index(table, heading)],
                        *number_at(summary, prefix + "." + key)));
        }
    }
    const auto* lag = row_labelled(table, "Schedule lag");
    REQUIRE(lag != nullptr);
    CHECK(shows((*lag)[column_index(table, "p99")], *number_at(summary, "schedule_lag_ms.p99")));
    CHECK((*lag)[column_index(table, "mean")] == "—");
    const auto* wait = row_labelled(table, "Connection wait");
    REQUIRE(wait != nullptr);
    for (const auto* key : {"p50", "p90", "p99", "max"}) {
        INFO(key);
        CHECK(shows((*wait)[column_index(table, key)],
                    *number_at(summary, std::string("connection_wait_ms.") + key)));
    }
}

TEST_CASE("report.html key figures equal summary.json", "[reports][html][figures]") {
    const auto summary = run_summary(RunFixture::with_cache);
    const auto html = render_html(summary);
    CHECK(shows(key_figure(html, "Requests"), *number_at(summary, "totals.requests")));
    CHECK(shows(key_figure(html, "Throughput"), *number_at(summary, "totals.throughput_rps")));
    CHECK(shows(key_figure(html, "Error rate"), *number_at(summary, "totals.error_rate"), true));
    CHECK(shows(key_figure(html, "Dropped"), *number_at(summary, "totals.dropped")));
    for (const auto* p : {"p50", "p95", "p99", "max"}) {
        INFO(p);
        CHECK(shows(key_figure(html, p), *number_at(summary, std::string("latency_ms.") + p)));
    }
    CHECK(shows(key_figure(html, "Cache-hit rate"), *number_at(summary, "cache.hit_rate"), true));
}

TEST_CASE("report.html per-request table equals summary.json", "[reports][html][figures]") {
    const auto summary = run_summary(RunFixture::with_cache);
    const auto table = html_table(render_html(summary), "requests");
    const auto& requests = summary.at("requests").as_array();
    REQUIRE(table.size() == requests.size() + 1);
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const auto& request = requests[i].as_object();
        const auto& row = table[i + 1];
        INFO(string_at(request, "name"));
        CHECK(row[0] == string_at(request, "name"));
        CHECK(shows(row[column_index(table, "Requests")], *number_at(request, "requests")));
        CHECK(shows(row[column_index(table, "Errors")], *number_at(request, "errors")));
        CHECK(
            shows(row[column_index(table, "Error rate")], *number_at(request, "error_rate"), true));
        CHECK(shows(row[column_index(table, "Throughput (rps)")],
                    *number_at(request, "throughput_rps")));
        for (const auto* p : {"p50", "p95", "p99", "max"}) {
            CHECK(shows(row[column_index(table, std::string(p) + " (ms)")],
                        *number_at(request, std::string("latency_ms.") + p)));
        }
    }
    for (std::size_t i = 0; i < requests.size(); ++i) {
        CHECK(shows(table[i + 1][column_index(table, "Hit rate")],
                    *number_at(requests[i].as_object(), "cache.hit_rate"), true));
    }
}

TEST_CASE("report.html thresholds, outcomes and cache tables equal summary.json",
          "[reports][html][figures]") {
    const auto summary = run_summary(RunFixture::with_cache);
    const auto html = render_html(summary);
    const auto thresholds = html_table(html, "thresholds");
    const auto& expected = summary.at("thresholds").as_array();
    REQUIRE(thresholds.size() == expected.size() + 1);
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const auto& threshold = expected[i].as_object();
        CHECK(thresholds[i + 1][0].find(string_at(threshold, "expr")) != std::string::npos);
        CHECK(shows(thresholds[i + 1][1], *number_at(threshold, "actual")));
        CHECK(thresholds[i + 1][2] == (threshold.at("pass").as_bool() ? "pass" : "FAIL"));
        // The actual carries the unit of the limit.
        const auto unit = string_at(threshold, "unit");
        const auto actual = format_number(*number_at(threshold, "actual"));
        CHECK(thresholds[i + 1][1] == (unit == "%" ? actual + "%" : actual + " " + unit));
        const auto request = string_at(threshold, "request");
        CHECK(thresholds[i + 1][0] == (request.empty()
                                           ? string_at(threshold, "expr")
                                           : "[" + request + "] " + string_at(threshold, "expr")));
    }
    CHECK(row_labelled(thresholds, "[POST /entities] p(99) < 1s") != nullptr);

    const auto outcomes = html_table(html, "outcomes");
    for (const auto* name : {"ok", "http_4xx", "http_5xx", "timeout", "reset", "dropped"}) {
        const auto* row = row_labelled(outcomes, name);
        REQUIRE(row != nullptr);
        CHECK(shows((*row)[1], *number_at(summary, std::string("outcomes.") + name)));
    }

    const auto cache = html_table(html, "cache");
    for (const auto* tier : {"L1", "L2", "L3", "L4"}) {
        const auto* row = row_labelled(cache, tier);
        REQUIRE(row != nullptr);
        CHECK(shows((*row)[2], *number_at(summary, std::string("cache.served_by.") + tier), true));
    }
}

TEST_CASE("report.html shows cache sections only when the target reports tiers",
          "[reports][html]") {
    const auto with_cache = render_html(run_summary(RunFixture::with_cache));
    CHECK(with_cache.find("<section id=\"cache\">") != std::string::npos);
    CHECK(with_cache.find("Cache-hit rate and served-by share per interval") != std::string::npos);
    const auto without = render_html(run_summary(RunFixture::no_cache));
    CHECK(without.find("<section id=\"cache\">") == std::string::npos);
    CHECK(without.find("Cache-hit rate") == std::string::npos);
    CHECK(html_table(without, "requests")[0].back() != "Hit rate");
}

TEST_CASE("report.html charts: stage boundaries, spectrum axis, generator sentence",
          "[reports][html]") {
    const auto html = render_html(run_summary(RunFixture::with_cache));
    CHECK(html.find("stage 2 → 120.0 rps") != std::string::npos);
    CHECK(html.find("stage 3 → 180.0 rps") != std::string::npos);
    CHECK(html.find(">99.9%</text>") != std::string::npos);  // 1/(1-p) axis ticks
    CHECK(html.find("response time</text>") != std::string::npos);
    CHECK(html.find("service time</text>") != std::string::npos);
    const auto& summary = run_summary(RunFixture::with_cache);
    const bool late =
        bool_at(summary, "analysis.bottleneck.evidence.late_generator").value_or(true);
    const auto kind = string_at(summary, "analysis.bottleneck.kind");
    if (kind != "generator") {
        // The generator section says whether the generator was late, from the bottleneck evidence.
        CHECK(html.find(late ? "was a little late" : "kept up with the schedule") !=
              std::string::npos);
        CHECK(html.find("class=\"bottleneck\"") == std::string::npos);
    }
    CHECK(render_html(run_summary(RunFixture::no_cache))
              .find("TLS certificate verification is disabled") != std::string::npos);
}

TEST_CASE("report.html shows the red generator banner only when the generator was the bottleneck",
          "[reports][html]") {
    for (const auto fixture : {RunFixture::with_cache, RunFixture::no_cache, RunFixture::stress}) {
        const auto& summary = run_summary(fixture);
        const auto kind = string_at(summary, "analysis.bottleneck.kind");
        INFO(kind);
        REQUIRE(kind != "");
        const auto html = render_html(summary);
        CHECK((html.find("class=\"bottleneck\"") != std::string::npos) == (kind == "generator"));
        CHECK(html.find("<strong>Bottleneck: " + kind + ".</strong>") != std::string::npos);
        // Splitting the load over generators (docs/distributed.md) is advice for a
        // generator-bound run only.
        CHECK((html.find("--segment i/n") != std::string::npos) == (kind == "generator"));
    }
    auto bound = run_summary(RunFixture::no_cache);
    bound["analysis"].as_object()["bottleneck"] = {
        {"kind", "generator"},
        {"text", "The load generator was the bottleneck: <lag>."},
        {"suggestion", "More -t."}};
    const auto html = render_html(bound);
    CHECK(html.find("<p class=\"bottleneck\" id=\"bottleneck\"><strong>Bottleneck: "
                    "generator.</strong> The load "
                    "generator was the bottleneck: &lt;lag&gt;.") != std::string::npos);
    const auto generator = html.substr(html.find("<section id=\"generator\">"));
    CHECK(generator.find("<p class=\"bottleneck\">") != std::string::npos);
}

TEST_CASE("report.html is not rendered from a summary with keys missing", "[reports][html]") {
    // The renderers take the typed summary; a partial summary.json is refused where it is parsed,
    // naming the first key it lacks (run_summary_test.cpp has the full list).
    CHECK_THROWS_WITH(render_html(boost::json::object{{"schema", "volley.summary/v1"}}),
                      "test summary: volley_version: missing");
    // An unnamed scenario without intervals still renders, with its charts saying "no data".
    auto summary = run_summary(RunFixture::no_cache);
    summary["scenario"].as_object()["name"] = "";
    summary["intervals"] = boost::json::array{};
    const auto html = render_html(summary);
    CHECK(html.find("(unnamed scenario)") != std::string::npos);
    CHECK(html.find("no data") != std::string::npos);
    CHECK(html.find("</html>") != std::string::npos);
}

TEST_CASE("threshold actual values carry their unit and detail", "[reports][html]") {
    const auto summary = run_summary(RunFixture::with_cache);
    const auto thresholds = html_table(render_html(summary), "thresholds");
    const auto& expected = summary.at("thresholds").as_array();
    for (std::size_t i = 0; i < expected.size(); ++i) {
        CHECK(thresholds[i + 1][column_index(thresholds, "Detail")] ==
              string_at(expected[i].as_object(), "detail"));
    }
    // The windowed threshold says how many windows it judged.
    CHECK(string_at(expected[2].as_object(), "detail").find("windows of 1 s failed") !=
          std::string::npos);
    const auto actual_of = [](const char* unit, std::optional<double> value) {
        ThresholdResult threshold;
        threshold.expr = "x";
        threshold.actual = value;
        threshold.unit = unit;
        return threshold_actual(threshold);
    };
    CHECK(actual_of("% target", 99.1) == "99.10% of target");
    CHECK(actual_of("count", 12.0) == "12");
    CHECK(actual_of("rps", 998.66) == "998.7 rps");
    CHECK(actual_of("ms", std::nullopt) == "—");
}

TEST_CASE("report.html says when the run did not complete", "[reports][html]") {
    auto summary = run_summary(RunFixture::with_cache);
    CHECK(render_html(summary).find("did not complete") == std::string::npos);
    // Stop reasons render generically, whatever the engine calls them.
    summary["stop"] = {{"reason", "target_unreachable"}, {"detail", "connection refused"}};
    CHECK(render_html(summary).find(
              "The run did not complete (target_unreachable: connection refused)") !=
          std::string::npos);
    summary["stop"] = {{"reason", "interrupted"}, {"detail", "SIGINT"}};
    const auto html = render_html(summary);
    CHECK(html.find("<strong>Notice:</strong> The run did not complete (interrupted: SIGINT)") !=
          std::string::npos);
    const auto run = html_table(html, "run");
    const auto* stopped = row_labelled(run, "Stopped");
    REQUIRE(stopped != nullptr);
    CHECK((*stopped)[1] == "interrupted: SIGINT");
}

TEST_CASE("the spectrum chart plots both histograms from percent levels", "[reports][html]") {
    const auto summary = run_summary(RunFixture::with_cache);
    const auto rows = spectrum_rows(summary, "response");
    REQUIRE(rows.size() == summary.at("latency_spectrum").at("response").as_array().size());
    CHECK(rows.front().fraction == 0.0);
    CHECK(rows[1].fraction == Approx(0.1));  // stored as 10.0 (percent)
    CHECK(rows.back().fraction == 1.0);
    CHECK(rows.back().value_ms == *number_at(summary, "latency_ms.max"));

    const auto html = render_html(summary);
    const auto start = html.find("Latency spectrum: response and service time by percentile");
    REQUIRE(start != std::string::npos);
    const auto figure = html.substr(start, html.find("</figure>", start) - start);
    CHECK(figure.find("no data") == std::string::npos);
    std::size_t lines = 0;
    for (auto at = figure.find("<path d=\"M"); at != std::string::npos;
         at = figure.find("<path d=\"M", at + 1)) {
        ++lines;
    }
    CHECK(lines == 3);  // the axis frame and the two series
}
