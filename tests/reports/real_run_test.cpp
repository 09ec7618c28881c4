// Every format rendered from real runs (run_fixture.hpp) shows summary.json's figures; the
// type's answer comes first; errors are explained.
#include <catch2/catch.hpp>

#include <map>
#include <sstream>

#include "report_test_support.hpp"
#include "reports/console.hpp"
#include "reports/html_report.hpp"
#include "reports/junit_report.hpp"
#include "reports/markdown_report.hpp"
#include "reports/number_format.hpp"
#include "reports/summary_access.hpp"
#include "reports/timeseries_csv.hpp"
#include "run_fixture.hpp"

using namespace volley::reports;
using namespace volley::reports::testing;

namespace {

// The number after `label` on the first line of `text` that contains it.
std::string after(const std::string& text, const std::string& label) {
    const auto at = text.find(label);
    if (at == std::string::npos) return {};
    const auto end = text.find('\n', at);
    return text.substr(at + label.size(), end - at - label.size());
}

}  // namespace

TEST_CASE("every format rendered from a real run shows summary.json's requests and p99",
          "[reports][real-run]") {
    const auto& summary = run_summary(RunFixture::with_cache);
    const double requests = *number_at(summary, "totals.requests");
    const double p99 = *number_at(summary, "latency_ms.p99");
    REQUIRE(requests > 100);  // the run really ran

    const auto html = render_html(summary);
    const auto latency = html_table(html, "latency");
    const auto* response = row_labelled(latency, "Response time");
    REQUIRE(response != nullptr);
    CHECK(shows((*response)[column_index(latency, "p99")], p99));
    CHECK(html.find("<div class=\"label\">Requests</div><div class=\"value\">" +
                    format_count(requests) + "<") != std::string::npos);

    const auto md = render_markdown(summary);
    const auto figures = markdown_table(md, "Key figures");
    REQUIRE(row_labelled(figures, "Requests") != nullptr);
    CHECK(shows((*row_labelled(figures, "Requests"))[1], requests));
    CHECK(shows((*row_labelled(figures, "p99"))[1], p99));

    const auto junit = parse_xml(render_junit(summary));
    bool run_case = false;
    for (const auto* test : find_all(junit, "testcase")) {
        if (test->attributes.at("name") != "run completed") continue;
        run_case = true;
        const auto& out = find_all(*test, "system-out").at(0)->text;
        CHECK(shows(after(out, "requests "), requests));
        CHECK(shows(after(out, "p99 "), p99));
    }
    CHECK(run_case);

    std::istringstream csv(render_timeseries_csv(summary));
    std::string line;
    std::getline(csv, line);
    const auto header = line;
    std::size_t requests_column = 0;
    for (std::size_t at = 0, column = 0; at != std::string::npos;
         at = header.find(',', at + 1), ++column) {
        if (header.compare(at == 0 ? 0 : at + 1, 9, "requests,") == 0) requests_column = column;
    }
    double csv_requests = 0;
    while (std::getline(csv, line)) {
        std::istringstream cells(line);
        std::string cell;
        for (std::size_t column = 0; std::getline(cells, cell, ','); ++column) {
            if (column == requests_column) csv_requests += std::stod(cell);
        }
    }
    CHECK(csv_requests == requests);

    const auto console = render_console(summary, false);
    CHECK(shows(after(console, "requests      "), requests));
    CHECK(shows(after(console, "response time ").substr(36, 9),
                p99));  // min, p50, p90, p95 (9 each), p99
}

TEST_CASE("the console, report.md and junit.xml explain the errors of a real run",
          "[reports][real-run]") {
    const auto& summary = run_summary(RunFixture::with_cache);
    const auto* by_status = object_at(summary, "errors.by_status");
    REQUIRE(by_status != nullptr);
    CHECK(number_at(*by_status, "503").value_or(0) > 0);
    CHECK(number_at(*by_status, "200").value_or(0) > 0);
    CHECK(number_at(summary, "errors.by_class.http_5xx") ==
          number_at(summary, "outcomes.http_5xx"));
    CHECK(number_at(summary, "errors.by_class.timeout") == number_at(summary, "outcomes.timeout"));
    const auto* first = array_at(summary, "errors.first");
    REQUIRE(first != nullptr);
    REQUIRE(first->size() == 2);

    const auto console = render_console(summary, false);
    const auto five_xx = format_count(*number_at(summary, "outcomes.http_5xx"));
    CHECK(console.find("  statuses      200 ") != std::string::npos);
    CHECK(console.find("http_5xx " + five_xx + ": HTTP 503 Service Unavailable") !=
          std::string::npos);
    CHECK(console.find("timeout " + format_count(*number_at(summary, "outcomes.timeout")) +
                       ": no response within 1s") != std::string::npos);

    const auto md = render_markdown(summary);
    const auto messages = markdown_table(md, "Error messages");
    REQUIRE(messages.size() == 3);
    CHECK(row_labelled(messages, "http_5xx") != nullptr);
    const auto statuses = markdown_table(md, "HTTP statuses");
    REQUIRE(row_labelled(statuses, "503") != nullptr);
    CHECK(shows((*row_labelled(statuses, "503"))[1], *number_at(*by_status, "503")));
    const auto html = render_html(summary);
    CHECK(html_table(html, "error-messages").size() == 3);

    // Empty details (a target that gives none) still render: class and count.
    auto no_detail = summary;
    no_detail["errors"].as_object()["first"] =
        boost::json::array{{{"class", "timeout"}, {"detail", ""}, {"count", 3}}};
    CHECK(render_console(no_detail, false).find("  errors        timeout 3\n") !=
          std::string::npos);
    CHECK(html_table(render_html(no_detail), "error-messages")[1][2] == "—");
}

TEST_CASE("stress: capacity and breaking point come first in every format",
          "[reports][real-run][stress]") {
    const auto& summary = run_summary(RunFixture::stress);
    INFO(boost::json::serialize(summary));
    REQUIRE(number_at(summary, "analysis.capacity_rps") == 40.0);
    REQUIRE(number_at(summary, "analysis.breaking_point_rps") == 60.0);
    const auto* headline = array_at(summary, "analysis.headline");
    REQUIRE(headline != nullptr);
    REQUIRE(headline->size() == 2);
    CHECK(string_at(headline->at(0).as_object(), "key") == "capacity");
    CHECK(string_at(headline->at(1).as_object(), "text").find("p(99) < 100ms") !=
          std::string::npos);
    CHECK(string_at(summary, "analysis.bottleneck.kind") == "target");

    // Console: the verdict, then capacity and breaking point before any other figure.
    const auto console = render_console(summary, false);
    const auto verdict = console.find("verdict: FAIL");
    const auto capacity = console.find("Capacity        40.0/s");
    const auto breaking = console.find("Breaking point  60.0/s");
    const auto requests = console.find("requests      ");
    REQUIRE(verdict != std::string::npos);
    REQUIRE(capacity != std::string::npos);
    REQUIRE(breaking != std::string::npos);
    CHECK(verdict < capacity);
    CHECK(capacity < breaking);
    CHECK(breaking < requests);
    CHECK(console.find("threshold capacity >= 50/s: FAIL") != std::string::npos);

    // report.html: the headline cards before the key figures; the steps are a table.
    const auto html = render_html(summary);
    const auto card = html.find("id=\"headline-capacity\"");
    REQUIRE(card != std::string::npos);
    CHECK(card < html.find("id=\"key-figures\""));
    CHECK(html.find("<div class=\"figure bad\" id=\"headline-capacity\">") != std::string::npos);
    const auto steps = html_table(html, "stress-steps");
    REQUIRE(steps.size() == 4);
    CHECK(steps[3][column_index(steps, "Result")] == "FAIL");
    CHECK(steps[3][column_index(steps, "Failed thresholds")] == "p(99) < 100ms");
    CHECK(html.find("start_s") == std::string::npos);  // no raw JSON
    // The jumps between steps (zero-length stages) are no stages of their own.
    const auto run_rows = html_table(html, "run");
    REQUIRE(row_labelled(run_rows, "Stages") != nullptr);
    CHECK((*row_labelled(run_rows, "Stages"))[1] == "3");
    CHECK(html.find("stage 2 → 40.0 rps") != std::string::npos);
    CHECK(html.find("stage 4") == std::string::npos);

    // report.md: the headline right after the verdict.
    const auto md = render_markdown(summary);
    const auto md_headline = markdown_table(md, "Headline");
    REQUIRE(md_headline.size() == 3);
    CHECK(md_headline[1][1] == "40.0/s");
    CHECK(md_headline[2][1] == "60.0/s");
    CHECK(md.find("## Headline") < md.find("## Key figures"));
    CHECK(markdown_table(md, "Stress steps").size() == 4);
    CHECK(md.find("start_s") == std::string::npos);

    // junit.xml: one volley.analysis case per finding, the capacity one failing.
    const auto junit = parse_xml(render_junit(summary));
    std::map<std::string, bool> analysis_cases;  // name -> failed
    for (const auto* test : find_all(junit, "testcase")) {
        if (test->attributes.at("classname") == "volley.analysis")
            analysis_cases[test->attributes.at("name")] = !find_all(*test, "failure").empty();
    }
    REQUIRE(analysis_cases.size() == 2);
    CHECK(analysis_cases.at("Capacity"));
    CHECK_FALSE(analysis_cases.at("Breaking point"));
}
