// junit.xml: well-formed, escaped, one case per threshold plus the run case.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "report_test_support.hpp"
#include "reports/junit_report.hpp"

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
  const auto suite = parse_xml(render_junit(load_fixture("summary.json")));
  REQUIRE(suite.name == "testsuite");
  const auto counts = count_cases(suite);
  CHECK(counts.cases == 6);   // 5 thresholds + the run
  CHECK(counts.failed == 2);  // p(99) < 40ms and cache_hit_rate > 99%
  CHECK(suite.attributes.at("tests") == "6");
  CHECK(suite.attributes.at("failures") == "2");
  CHECK(suite.attributes.at("errors") == "0");

  const auto* p99 = case_named(suite, "p(99) < 40ms");
  REQUIRE(p99 != nullptr);
  const auto failures = find_all(*p99, "failure");
  REQUIRE(failures.size() == 1);
  CHECK(failures[0]->attributes.at("message") == "actual 48.30 ms vs limit < 40ms");
  const auto* scoped = case_named(suite, "[POST /entities] p(99) < 100ms");
  REQUIRE(scoped != nullptr);
  CHECK(find_all(*scoped, "failure").empty());
  // The verdict is fail because thresholds failed: the run case itself passes.
  const auto* run = case_named(suite, "run completed");
  REQUIRE(run != nullptr);
  CHECK(find_all(*run, "failure").empty());
  CHECK(run->attributes.at("time") == "30.0");
}

TEST_CASE("junit.xml escapes names and stays well-formed", "[reports][junit][escape]") {
  const auto xml = render_junit(load_fixture("summary_nocache.json"));
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
  auto summary = load_fixture("summary_nocache.json");
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
  CHECK(render_junit(interrupted).find("the run did not complete: interrupted: SIGINT &lt;ctrl-c&gt;") !=
        std::string::npos);

  auto empty = summary;
  empty["totals"].as_object()["requests"] = 0;
  CHECK(run_failure(empty) == "no_requests");

  auto no_verdict = summary;
  no_verdict.erase("verdict");
  CHECK(run_failure(no_verdict) == "no_verdict");
}

TEST_CASE("junit.xml passes xmllint when it is installed", "[reports][junit]") {
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) {
    WARN("xmllint not installed; the in-process XML check above still ran");
    return;
  }
  for (const auto* fixture : {"summary.json", "summary_nocache.json"}) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("volley-junit-" + std::to_string(::getpid()) + "-" + fixture + ".xml");
    std::ofstream(path) << render_junit(load_fixture(fixture));
    const int status = std::system(("xmllint --noout '" + path.string() + "'").c_str());
    std::filesystem::remove(path);
    INFO(fixture);
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
  CHECK(parse_xml("<?xml version=\"1.0\"?>\n<a x=\"&lt;\">t&amp;<b/></a>").attributes.at("x") == "<");
}
