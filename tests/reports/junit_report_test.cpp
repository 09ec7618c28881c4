// junit.xml: well-formed, escaped, one case per threshold plus the run case.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "report_test_support.hpp"
#include "reports/junit_report.hpp"
#include "reports/number_format.hpp"
#include "reports/summary_access.hpp"
#include "run_fixture.hpp"

using namespace volley::reports;
using namespace volley::reports::testing;

namespace {

struct Counts {
    std::size_t cases = 0, failed = 0;
};

Counts count_cases(const XmlElement& suite) {
    Counts counts;
    for (const auto* test : find_all(suite, "testcase")) {
        ++counts.cases;
        if (!find_all(*test, "failure").empty()) ++counts.failed;
    }
    return counts;
}

const XmlElement* case_named(const XmlElement& suite, const std::string& name) {
    for (const auto* test : find_all(suite, "testcase")) {
        if (test->attributes.at("name") == name) return test;
    }
    return nullptr;
}

}  // namespace

TEST_CASE("junit.xml parses back with the expected passed and failed cases", "[reports][junit]") {
    const auto& summary = run_summary(RunFixture::with_cache);
    const auto suite = parse_xml(render_junit(summary));
    REQUIRE(suite.name == "testsuite");
    const auto& thresholds = summary.at("thresholds").as_array();
    std::size_t failing = 0;
    for (const auto& t : thresholds) failing += t.at("pass").as_bool() ? 0 : 1;
    REQUIRE(failing >= 2);  // error_rate < 1% and cache_hit_rate > 99%
    const auto counts = count_cases(suite);
    CHECK(counts.cases == thresholds.size() + 1);  // the thresholds + the run
    CHECK(counts.failed == failing);
    CHECK(suite.attributes.at("tests") == std::to_string(thresholds.size() + 1));
    CHECK(suite.attributes.at("failures") == std::to_string(failing));
    CHECK(suite.attributes.at("errors") == "0");

    const auto* errors = case_named(suite, "error_rate < 1%");
    REQUIRE(errors != nullptr);
    const auto failures = find_all(*errors, "failure");
    REQUIRE(failures.size() == 1);
    CHECK(failures[0]->attributes.at("message") ==
          "actual " + format_number(*number_at(thresholds[1].as_object(), "actual")) +
              "% vs limit < 1%");
    const auto* scoped = case_named(suite, "[POST /entities] p(99) < 1s");
    REQUIRE(scoped != nullptr);
    CHECK(find_all(*scoped, "failure").empty());
    // The verdict is fail because thresholds failed: the run case itself passes.
    const auto* run = case_named(suite, "run completed");
    REQUIRE(run != nullptr);
    CHECK(find_all(*run, "failure").empty());
    CHECK(run->attributes.at("time") == format_seconds(*number_at(summary, "duration_s")));
    // Its output explains the errors: statuses and the first messages.
    const auto out = find_all(*run, "system-out");
    REQUIRE(out.size() == 1);
    CHECK(out[0]->text.find("HTTP statuses: 200 ") != std::string::npos);
    CHECK(out[0]->text.find("error: http_5xx ") != std::string::npos);
    CHECK(out[0]->text.find(": HTTP 503 Service Unavailable") != std::string::npos);
    CHECK(out[0]->text.find("error: timeout ") != std::string::npos);
}

TEST_CASE("junit.xml escapes names and stays well-formed", "[reports][junit][escape]") {
    const auto xml = render_junit(run_summary(RunFixture::no_cache));
    CHECK(xml.find("<script") == std::string::npos);
    const auto suite = parse_xml(xml);
    CHECK(suite.attributes.at("name") == "volley: <script>alert(1)</script>");
    const auto counts = count_cases(suite);
    CHECK(counts.cases == 3);
    CHECK(counts.failed == 0);
    bool has_target = false;
    for (const auto* property : find_all(suite, "property")) {
        if (property->attributes.at("name") == "target") {
            has_target = property->attributes.at("value") == "https://example.test/?a=1&b=<2>";
        }
    }
    CHECK(has_target);
}

TEST_CASE("the run case fails when the run itself is not trustworthy", "[reports][junit]") {
    auto summary = run_summary(RunFixture::no_cache);
    const auto run_failure = [](const boost::json::object& s) -> std::string {
        const auto suite = parse_xml(render_junit(s));
        const auto* run = case_named(suite, "run completed");
        if (run == nullptr) return "missing run case";
        const auto failures = find_all(*run, "failure");
        return failures.empty() ? "" : failures[0]->attributes.at("type");
    };
    CHECK(run_failure(summary).empty());

    auto failed_without_threshold = summary;
    failed_without_threshold["verdict"] = "fail";
    CHECK(run_failure(failed_without_threshold) == "verdict");

    auto interrupted = summary;
    interrupted["stop"] = {{"reason", "interrupted"}, {"detail", "SIGINT <ctrl-c>"}};
    CHECK(run_failure(interrupted) == "incomplete");
    CHECK(render_junit(interrupted)
              .find("the run did not complete: interrupted: SIGINT &lt;ctrl-c&gt;") !=
          std::string::npos);

    auto empty = summary;
    empty["totals"].as_object()["requests"] = 0;
    CHECK(run_failure(empty) == "no_requests");

    // A summary without a verdict is not rendered: parsing it names the key.
    auto no_verdict = summary;
    no_verdict.erase("verdict");
    CHECK_THROWS_WITH(run_failure(no_verdict), "test summary: verdict: missing");
}

TEST_CASE("junit.xml passes xmllint when it is installed", "[reports][junit]") {
    if (std::system("command -v xmllint >/dev/null 2>&1") != 0) {
        WARN("xmllint not installed; the in-process XML check above still ran");
        return;
    }
    for (const auto fixture : {RunFixture::with_cache, RunFixture::no_cache, RunFixture::stress}) {
        const auto path = std::filesystem::temp_directory_path() /
                          ("volley-junit-" + std::to_string(::getpid()) + "-" +
                           std::to_string(static_cast<int>(fixture)) + ".xml");
        std::ofstream(path) << render_junit(run_summary(fixture));
        const int status = std::system(("xmllint --noout '" + path.string() + "'").c_str());
        std::filesystem::remove(path);
        INFO(static_cast<int>(fixture));
        CHECK(status == 0);
    }
}

TEST_CASE("the test XML parser rejects what is not well-formed", "[reports][junit]") {
    CHECK_THROWS(parse_xml("<a><b></a></b>"));
    CHECK_THROWS(parse_xml("<a x=1/>"));
    CHECK_THROWS(parse_xml("<a>1 < 2</a>"));
    CHECK_THROWS(parse_xml("<a>AT&T</a>"));
    CHECK_THROWS(parse_xml("<a x=\"1\" x=\"2\"/>"));
    CHECK_THROWS(parse_xml("<a/><b/>"));
    CHECK(parse_xml("<?xml version=\"1.0\"?>\n<a x=\"&lt;\">t&amp;<b/></a>").attributes.at("x") ==
          "<");
}
