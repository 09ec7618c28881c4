#include "reports/junit_report.hpp"

#include <vector>

#include <fmt/format.h>

#include "reports/number_format.hpp"
#include "reports/report_tables.hpp"
#include "reports/text_escape.hpp"

namespace volley::reports {
namespace {

struct TestCase {
    std::string classname;
    std::string name;
    std::string time_s = "0";
    std::string failure_type{};     // "" when the case passed
    std::string failure_message{};  // one line
    std::string failure_detail{};   // element text
    std::string system_out{};
};

// One case per analysis finding (analysis.headline), failing when a threshold on it failed.
std::vector<TestCase> analysis_cases(const RunSummary& summary, bool& any_failed) {
    std::vector<TestCase> cases;
    for (const auto& item : headline_items(summary)) {
        TestCase test{"volley.analysis", item.label};
        test.system_out = fmt::format("{}: {}", item.value, item.text);
        std::string thresholds;
        for (const auto& t : item.thresholds) thresholds += (thresholds.empty() ? "" : "; ") + t;
        if (!thresholds.empty()) test.system_out += "\nthresholds: " + thresholds;
        if (item.failed) {
            any_failed = true;
            test.failure_type = "threshold";
            test.failure_message = fmt::format("{} {}: {}", item.label, item.value, thresholds);
            test.failure_detail =
                fmt::format("{} {} ({})\n{}", item.label, item.value, item.text, thresholds);
        }
        cases.push_back(std::move(test));
    }
    return cases;
}

// True when analysis.headline has an item with this key (its thresholds show there).
bool in_headline(const RunSummary& summary, const std::string& key) {
    for (const auto& item : headline_items(summary)) {
        if (item.key == key) return true;
    }
    return false;
}

std::vector<TestCase> threshold_cases(const RunSummary& summary, bool& any_failed) {
    std::vector<TestCase> cases;
    for (const auto& threshold : summary.thresholds) {
        if (is_analysis_threshold(threshold) && in_headline(summary, *threshold.analysis)) continue;
        TestCase test{"volley.thresholds", threshold_label(threshold)};
        const auto actual = threshold_actual(threshold);
        const auto limit = threshold_limit(threshold.expr);
        if (threshold.builtin) {
            // The run's own checks (reports/run_checks.hpp) are listed only when they failed; their
            // detail says what happened, there is no limit to compare with.
            any_failed = true;
            test.classname = "volley.run";
            test.failure_type = "check";
            test.failure_message = threshold.detail;
            test.failure_detail = fmt::format("{} failed: {}", test.name, test.failure_message);
        } else if (threshold.pass) {
            test.system_out = fmt::format("actual {} (limit {})", actual, limit);
        } else {
            any_failed = true;
            test.failure_type = "threshold";
            test.failure_message = fmt::format("actual {} vs limit {}", actual, limit);
            test.failure_detail =
                fmt::format("threshold {} failed: actual {}, limit {}", test.name, actual, limit);
            if (!threshold.detail.empty()) test.failure_detail += "\n" + threshold.detail;
        }
        cases.push_back(std::move(test));
    }
    return cases;
}

// One case per journey and per check, listed for CI's test view. They never fail: checks and
// failed journeys are counts, the verdict is the thresholds' (`checks{NAME} > 99%`,
// `journeys_failed{journey:NAME} < 1%` get their own cases above, failing when they fail).
std::vector<TestCase> journey_cases(const RunSummary& summary) {
    std::vector<TestCase> cases;
    for (const auto& journey : summary.journeys) {
        TestCase test{"volley.journeys", journey.name};
        test.system_out = fmt::format(
            "started {}, completed {}, failed {}, dropped {}, interrupted {}; duration p50 {} ms, "
            "p95 {} ms, p99 {} ms, max {} ms",
            format_count(static_cast<double>(journey.started)),
            format_count(static_cast<double>(journey.completed)),
            format_count(static_cast<double>(journey.failed)),
            format_count(static_cast<double>(journey.dropped)),
            format_count(static_cast<double>(journey.interrupted)),
            format_ms(journey.duration_ms.p50), format_ms(journey.duration_ms.p95),
            format_ms(journey.duration_ms.p99), format_ms(journey.duration_ms.max));
        cases.push_back(std::move(test));
    }
    for (const auto& check : summary.checks) {
        TestCase test{"volley.checks", check.name};
        test.system_out = fmt::format("step {}: passed {}, failed {} (pass rate {})", check.step,
                                      format_count(static_cast<double>(check.passed)),
                                      format_count(static_cast<double>(check.failed)),
                                      format_optional(check.rate, &format_percent));
        cases.push_back(std::move(test));
    }
    return cases;
}

TestCase run_case(const RunSummary& summary, bool any_threshold_failed) {
    TestCase test{"volley.run", "run completed"};
    test.time_s = format_seconds(summary.duration_s);
    const auto& totals = summary.totals;
    const auto& stop_reason = summary.stop.reason;
    // An early end the plan expects (stop.expected, e.g. a csv feeder with on_exhausted: end_run)
    // is the run's planned end.
    const bool expected_end =
        summary.stop.expected.value_or(false) && stop_reason == "source_exhausted";
    if (!stop_reason.empty() && stop_reason != "completed" && !expected_end) {
        test.failure_type = "incomplete";
        test.failure_message = "the run did not complete: " + stop_text(summary);
    } else if (totals.requests == 0) {
        test.failure_type = "no_requests";
        test.failure_message = "the run sent no requests, so nothing was measured";
    } else if (summary.verdict == Verdict::fail && !any_threshold_failed) {
        test.failure_type = "verdict";
        test.failure_message = "verdict is fail although no threshold failed";
    }
    test.failure_detail = test.failure_message;
    test.system_out = fmt::format(
        "requests {}, throughput {} rps (target {} rps), error rate {}, dropped {}, p99 {} ms. {}",
        format_count(static_cast<double>(totals.requests)), format_rps(totals.throughput_rps),
        format_rps(totals.target_rps), format_percent(totals.error_rate),
        format_count(static_cast<double>(totals.dropped)), format_ms(summary.latency_ms.p99),
        bottleneck_sentence(summary));
    if (const auto statuses = status_breakdown(summary); !statuses.empty()) {
        test.system_out += "\nHTTP statuses: " + statuses;
    }
    for (const auto& message : error_messages(summary)) test.system_out += "\nerror: " + message;
    return test;
}

std::string property(std::string_view name, const std::string& value) {
    return fmt::format("    <property name=\"{}\" value=\"{}\"/>\n", name, escape_markup(value));
}

}  // namespace

std::string render_junit(const RunSummary& summary) {
    bool any_threshold_failed = false;
    auto cases = analysis_cases(summary, any_threshold_failed);
    for (auto& test : threshold_cases(summary, any_threshold_failed))
        cases.push_back(std::move(test));
    for (auto& test : journey_cases(summary)) cases.push_back(std::move(test));
    cases.push_back(run_case(summary, any_threshold_failed));
    std::size_t failures = 0;
    for (const auto& test : cases) failures += test.failure_type.empty() ? 0 : 1;

    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    xml += fmt::format(
        "<testsuite name=\"volley: {}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" "
        "time=\"{}\" timestamp=\"{}\">\n  <properties>\n",
        escape_markup(scenario_title(summary)), cases.size(), failures,
        format_seconds(summary.duration_s), escape_markup(summary.started_at));
    xml += property("scenario.type", summary.scenario.type);
    xml += property("scenario.file", summary.scenario.file);
    xml += property("target", summary.target.url);
    xml += property("verdict", summary.verdict == Verdict::pass ? "pass" : "fail");
    xml += property("volley_version", summary.volley_version);
    xml += "  </properties>\n";
    for (const auto& test : cases) {
        xml += fmt::format("  <testcase classname=\"{}\" name=\"{}\" time=\"{}\">\n",
                           escape_markup(test.classname), escape_markup(test.name), test.time_s);
        if (!test.failure_type.empty()) {
            xml +=
                fmt::format("    <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                            escape_markup(test.failure_type), escape_markup(test.failure_message),
                            escape_markup(test.failure_detail));
        }
        if (!test.system_out.empty()) {
            xml += fmt::format("    <system-out>{}</system-out>\n", escape_markup(test.system_out));
        }
        xml += "  </testcase>\n";
    }
    xml += "</testsuite>\n";
    return xml;
}

}  // namespace volley::reports
