// Java HdrHistogram's HistogramLogProcessor (Debian libhdrhistogram-java 2.1.11) as an
// independent reader of interval logs, for tests: run it on a .hlog and get back what it printed
// (docs/hdr.md §11, §14). scripts/test installs default-jre-headless and libhdrhistogram-java.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace volley::testing {

inline constexpr const char* kHdrHistogramJar = "/usr/share/java/hdrhistogram.jar";

// Empty when `java` runs and the jar is there; otherwise what is missing (for a skip message).
std::string hdr_java_missing();

// One row of the percentile distribution: "       0.020 0.100000000000        96           1.11".
struct JavaPercentileRow {
    std::string value_text;  // as printed (value / outputValueUnitRatio, S decimals)
    double value = 0.0;
    double percentile = 0.0;  // the level printed, 0..1
    std::int64_t total_count = 0;
};

struct JavaHlogReport {
    int exit_code = -1;
    std::string out;  // standard output, verbatim
    std::string err;  // standard error without the JVM's "Picked up ..." notices
    bool timed_out = false;
    // Parsed from `out` (the text layout, not -csv): the "#[StartTime: x" value when printed,
    // the rows, and the footer. parsed is false when `out` is not a complete distribution.
    bool parsed = false;
    std::optional<double> start_time_s;
    std::vector<JavaPercentileRow> rows;
    std::string mean_text, stddev_text, max_text;  // footer numbers as printed
    std::int64_t total_count = 0;
    int buckets = 0;
    int sub_buckets = 0;
};

// Runs `java -cp kHdrHistogramJar org.HdrHistogram.HistogramLogProcessor -i hlog <args>` (UTC
// time zone, US locale) and parses its standard output. args are the tool's own options, e.g.
// {"-tag", "A", "-start", "10", "-end", "20", "-outputValueUnitRatio", "1"}; mind that the
// tool's default ratio is 1e6. Never throws for what the tool does: check exit_code, err and
// parsed. Note that the tool exits 0 after some failures (it stops silently at the first line
// it cannot parse; no selected interval ends in a NullPointerException on stderr).
JavaHlogReport run_histogram_log_processor(
    const std::string& hlog, const std::vector<std::string>& args = {},
    std::chrono::seconds timeout = std::chrono::seconds(120));

}  // namespace volley::testing
