// Our interval logs read by Java's HistogramLogProcessor (Debian libhdrhistogram-java 2.1.11):
// no complaint on stderr, every interval counted, and the same numbers as ours (docs/hdr.md §12,
// §9.3).
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "engine/hdr_histogram.hpp"
#include "reference_vectors.hpp"
#include "reports/hgrm.hpp"
#include "reports/hlog.hpp"

using volley::engine::HdrHistogram;
using namespace volley::reports;
using namespace volley::hdr_test;
namespace fs = std::filesystem;

namespace {

constexpr const char* kJar = "/usr/share/java/hdrhistogram.jar";

bool java_available() {
    return fs::exists(kJar) && std::system("java -version >/dev/null 2>&1") == 0;
}

struct ToolRun {
    int exit_status = -1;
    std::string stderr_text;  // without the JVM's "Picked up ..." notices
    std::string interval_log;
    std::string hgrm;
};

// Runs HistogramLogProcessor -i log -o out <args>; out and out.hgrm are read back.
ToolRun run_processor(const fs::path& log, const fs::path& out, const std::string& args) {
    const std::string command = "java -Duser.language=en -Duser.country=US -cp " +
                                std::string(kJar) + " org.HdrHistogram.HistogramLogProcessor -i '" +
                                log.string() + "' -o '" + out.string() + "' " + args + " >'" +
                                out.string() + ".stdout' 2>'" + out.string() + ".stderr'";
    ToolRun run;
    const int status = std::system(command.c_str());
    run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::istringstream errors(read_text_file(out.string() + ".stderr"));
    for (std::string line; std::getline(errors, line);) {
        if (!line.starts_with("Picked up ")) run.stderr_text += line + '\n';
    }
    if (fs::exists(out)) run.interval_log = read_text_file(out);
    if (fs::exists(out.string() + ".hgrm")) run.hgrm = read_text_file(out.string() + ".hgrm");
    return run;
}

// The .hgrm text without the tool's two leading "#[Overall ..." / "#[StartTime: ..." lines.
std::string without_tool_preamble(const std::string& hgrm) {
    std::size_t start = 0;
    for (int i = 0; i < 2 && start != std::string::npos; ++i) {
        REQUIRE(hgrm.compare(start, 2, "#[") == 0);
        start = hgrm.find('\n', start);
        if (start != std::string::npos) ++start;
    }
    return start == std::string::npos ? std::string() : hgrm.substr(start);
}

struct IntervalRow {
    std::int64_t count;
    double p50, p90, max;
};

// "10.000: I:10000 ( 5003.000 9007.000 10007.000 ) T:..." rows of the tool's interval log.
std::vector<IntervalRow> interval_rows(const std::string& interval_log) {
    static const std::regex row(
        R"(^\s*-?[0-9][0-9.]*: I:([0-9]+) \(\s*([0-9.]+)\s+([0-9.]+)\s+([0-9.]+) \))");
    std::vector<IntervalRow> rows;
    std::istringstream in(interval_log);
    for (std::string line; std::getline(in, line);) {
        std::smatch match;
        if (std::regex_search(line, match, row)) {
            rows.push_back({std::stoll(match[1]), percentile_key(match[2].str()),
                            percentile_key(match[3].str()), percentile_key(match[4].str())});
        }
    }
    return rows;
}

// "#[Max     =   100031.000, Total count    =        30665]" -> {max text, total}.
std::pair<std::string, std::int64_t> footer_max_and_total(const std::string& hgrm) {
    static const std::regex footer(R"(#\[Max\s+=\s+([0-9.]+), Total count\s+=\s+([0-9]+)\])");
    std::smatch match;
    REQUIRE(std::regex_search(hgrm, match, footer));
    return {match[1].str(), std::stoll(match[2].str())};
}

// Deterministic latency-like values in ns: mostly 50 µs .. 50 ms, a few multi-second stalls.
HdrHistogram interval_values(std::uint64_t seed, int samples) {
    HdrHistogram h = HdrHistogram::latency_ns();
    std::uint64_t state = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    for (int i = 0; i < samples; ++i) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        const std::uint64_t r = state >> 33;
        std::int64_t value = 50'000 + static_cast<std::int64_t>(r % 50'000'000);
        if (r % 97 == 0) value *= 100;
        h.record(value);
    }
    return h;
}

}  // namespace

TEST_CASE("HistogramLogProcessor reads our log with the same numbers", "[hdr][java]") {
    // scripts/test installs both; without them this check must fail, not pass unseen.
    INFO("java or " << kJar << " not installed (apt-get install -y libhdrhistogram-java)");
    REQUIRE(java_available());
    const fs::path dir =
        fs::temp_directory_path() / ("volley_hdr_java_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path log_path = dir / "latency.hlog";

    std::vector<HdrHistogram> untagged;
    std::vector<HdrHistogram> db;
    {
        HlogWriter writer(log_path, 1700000000.5, {"values in nanoseconds; corrected: no"});
        for (int second = 0; second < 6; ++second) {
            untagged.push_back(second == 3
                                   ? HdrHistogram::latency_ns()
                                   : interval_values(static_cast<std::uint64_t>(second), 2000));
            writer.write_interval(std::nullopt, second, 1.0, untagged.back());
            if (second % 2 == 0) {
                db.push_back(interval_values(100U + static_cast<std::uint64_t>(second), 300));
                writer.write_interval("db", second, 1.0, db.back());
            }
        }
        writer.flush();
    }
    const HlogContents log = read_hlog(log_path);
    const auto check_series = [&](const std::string& out_name, const std::string& args,
                                  std::optional<std::string> tag,
                                  const std::vector<HdrHistogram>& intervals) {
        INFO("HistogramLogProcessor " << args);
        const ToolRun run = run_processor(log_path, dir / out_name, args);
        CHECK(run.exit_status == 0);
        CHECK(run.stderr_text.empty());
        const auto accumulated = accumulate(log, tag);
        REQUIRE(accumulated);
        const auto [max_text, total] = footer_max_and_total(run.hgrm);
        CHECK(total == accumulated->total_count());
        CHECK(max_text == format_fixed_java(static_cast<double>(accumulated->max()), 3));
        CHECK(without_tool_preamble(run.hgrm) == percentile_distribution(*accumulated));

        const std::vector<IntervalRow> rows = interval_rows(run.interval_log);
        REQUIRE(rows.size() == intervals.size());
        for (std::size_t i = 0; i < rows.size(); ++i) {
            INFO("interval " << i);
            CHECK(rows[i].count == intervals[i].total_count());
            CHECK(rows[i].p50 == static_cast<double>(intervals[i].value_at_percentile(50)));
            CHECK(rows[i].p90 == static_cast<double>(intervals[i].value_at_percentile(90)));
            CHECK(rows[i].max == static_cast<double>(intervals[i].max()));
        }
        return *accumulated;
    };
    const HdrHistogram all =
        check_series("untagged", "-outputValueUnitRatio 1", std::nullopt, untagged);
    check_series("db", "-outputValueUnitRatio 1 -tag db", "db", db);

    // The CSV variant and a unit ratio (the tool's default, ns -> ms) give our text too.
    const ToolRun csv = run_processor(log_path, dir / "csv", "-outputValueUnitRatio 1 -csv");
    CHECK(csv.exit_status == 0);
    CHECK(csv.stderr_text.empty());
    CHECK(without_tool_preamble(csv.hgrm) == percentile_distribution_csv(all));
    const ToolRun ms = run_processor(log_path, dir / "ms", "-outputValueUnitRatio 1000000");
    CHECK(ms.exit_status == 0);
    CHECK(ms.stderr_text.empty());
    CHECK(without_tool_preamble(ms.hgrm) == percentile_distribution(all, 5, 1e6));
    fs::remove_all(dir);
}
