// Interval logs written by other tools (tests/fixtures/hlog: HdrHistogram's own test logs, V0,
// V1 and V2 encodings, a tagged log) give, through volley, exactly what Java's
// HistogramLogProcessor prints for them (docs/hdr.md §14), with windows, tags and its options;
// both through the library and through `volley report FILE.hlog`.
// Needs java and libhdrhistogram-java: CTest runs this through java_or_skip.sh, which reports
// the test as skipped without them; run directly without them, it fails.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "reports/hlog_report.hpp"
#include "support/hdr_java.hpp"
#include "support/process.hpp"

using namespace volley::reports;
using namespace volley::testing;

namespace {

const std::string kFixtures = std::string(VOLLEY_FIXTURES_DIR) + "/hlog/";

struct Case {
    std::string file;
    std::vector<std::string> java_args;    // HistogramLogProcessor's options
    std::vector<std::string> volley_args;  // the same for `volley report FILE`
    HlogReportOptions options;             // the same for the library
    // Java's log to compare with, when it is not `file` (see untagged_copy()).
    std::string java_file = "";
};

// The log without its Tag= lines. Java 2.1.11's -correctLogWithKnownCoordinatedOmission drops
// the tag of every corrected interval (new Histogram(source) does not copy it), so on a tagged
// log it sums the other tags' lines into the untagged report. volley keeps the tags: its report
// of the tagged log equals Java's of the log without them.
std::string untagged_copy(const std::string& file) {
    std::string copy = make_temp_dir("volley-hlog-untagged-") + "/" + file;
    std::istringstream in(read_file(kFixtures + file));
    std::ofstream out(copy);
    for (std::string line; std::getline(in, line);) {
        if (!line.starts_with("Tag=")) out << line << '\n';
    }
    return copy;
}

HlogReportOptions with(std::optional<std::string> tag, double start, double end, int ticks,
                       double ratio, bool csv = false, std::int64_t expected_interval = 0) {
    HlogReportOptions o;
    o.tag = std::move(tag);
    o.start_s = start;
    o.end_s = end;
    o.percentiles_ticks_per_half = ticks;
    o.output_value_unit_ratio = ratio;
    o.csv = csv;
    o.expected_interval = expected_interval;
    return o;
}

constexpr double kNoEnd = std::numeric_limits<double>::max();

std::vector<Case> cases() {
    std::vector<Case> all;
    for (const char* file :
         {"jHiccup-2.0.1.logV0.hlog", "jHiccup-2.0.6.logV1.hlog", "jHiccup-2.0.7S.logV2.hlog",
          "tagged-Log.logV2.hlog", "ycsb.logV1.hlog"}) {
        all.push_back({file, {}, {}, HlogReportOptions{}});
        all.push_back({file,
                       {"-outputValueUnitRatio", "1"},
                       {"--output-value-unit-ratio", "1"},
                       with(std::nullopt, 0, kNoEnd, 5, 1)});
        all.push_back(
            {file,
             {"-percentilesOutputTicksPerHalf", "10", "-outputValueUnitRatio", "1000"},
             {"--percentiles-output-ticks-per-half", "10", "--output-value-unit-ratio", "1000"},
             with(std::nullopt, 0, kNoEnd, 10, 1000)});
        all.push_back({file,
                       {"-start", "10", "-end", "40.5"},
                       {"--start", "10", "--end", "40.5"},
                       with(std::nullopt, 10, 40.5, 5, 1e6)});
        all.push_back({file, {"-csv"}, {"--csv"}, with(std::nullopt, 0, kNoEnd, 5, 1e6, true)});
        const bool tagged_log = std::string(file) == "tagged-Log.logV2.hlog";
        all.push_back({file,
                       {"-correctLogWithKnownCoordinatedOmission", "100000000"},
                       {"--correct-co", "100000000"},
                       with(std::nullopt, 0, kNoEnd, 5, 1e6, false, 100000000),
                       tagged_log ? untagged_copy(file) : ""});
    }
    const std::string tagged = "tagged-Log.logV2.hlog";
    all.push_back({tagged, {"-tag", "A"}, {"--tag", "A"}, with("A", 0, kNoEnd, 5, 1e6)});
    all.push_back({tagged,
                   {"-tag", "A", "-start", "5", "-end", "20", "-outputValueUnitRatio", "1"},
                   {"--tag", "A", "--start", "5", "--end", "20", "--output-value-unit-ratio", "1"},
                   with("A", 5, 20, 5, 1)});
    return all;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::string joined(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += " " + w;
    return out;
}

// Line for line, so a difference names its line.
void check_same_lines(const std::string& ours, const std::string& java) {
    const auto a = lines_of(ours);
    const auto b = lines_of(java);
    CHECK(a.size() == b.size());
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
        INFO("line " << i + 1);
        CHECK(a[i] == b[i]);
    }
}

// HistogramLogProcessor's report of a case, run once per case for both test cases (a JVM start
// is about a second).
JavaHlogReport java_report(const Case& c) {
    static std::map<std::string, JavaHlogReport> reports;
    const std::string file = c.java_file.empty() ? kFixtures + c.file : c.java_file;
    const std::string key = file + joined(c.java_args);
    auto found = reports.find(key);
    if (found == reports.end())
        found = reports.emplace(key, run_histogram_log_processor(file, c.java_args)).first;
    const JavaHlogReport& java = found->second;
    INFO(java.err);
    REQUIRE(java.exit_code == 0);
    REQUIRE(java.err.empty());
    if (c.java_args.empty() || c.java_args.front() != "-csv") REQUIRE(java.parsed);
    return java;
}

}  // namespace

TEST_CASE("foreign logs: the library prints what HistogramLogProcessor prints", "[hdr][java]") {
    INFO(hdr_java_missing());
    REQUIRE(hdr_java_missing().empty());
    for (const Case& c : cases()) {
        INFO(c.file << " with" << joined(c.java_args));
        const JavaHlogReport java = java_report(c);
        const HlogReport report = read_hlog_report(kFixtures + c.file, c.options);
        CHECK(report.warnings.empty());
        REQUIRE(report.accumulated);
        if (java.parsed) CHECK(report.accumulated->total_count() == java.total_count);
        check_same_lines(render_hlog_report(report, c.options), java.out);
    }
}

TEST_CASE("foreign logs: volley report FILE.hlog prints what HistogramLogProcessor prints",
          "[hdr][java][cli]") {
    INFO(hdr_java_missing());
    REQUIRE(hdr_java_missing().empty());
    const std::vector<Case> all = cases();
    for (const Case& c : all) {
        INFO("volley report " << c.file << joined(c.volley_args));
        const JavaHlogReport java = java_report(c);
        std::vector<std::string> argv = {volley_binary(), "report", kFixtures + c.file};
        argv.insert(argv.end(), c.volley_args.begin(), c.volley_args.end());
        const ProcessResult ours = run_process(argv, std::chrono::seconds(60));
        INFO(ours.err);
        REQUIRE(ours.exit_code == 0);
        CHECK(ours.err.empty());
        check_same_lines(ours.out, java.out);
    }
}
