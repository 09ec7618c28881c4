#include "support/hdr_java.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string_view>

#include "support/process.hpp"

namespace volley::testing {

namespace {

// `java` on PATH (run_process does not search it); empty when there is none.
std::string java_path() {
    const char* path = std::getenv("PATH");
    std::string_view dirs = path ? path : "/usr/bin";
    while (!dirs.empty()) {
        const std::size_t colon = dirs.find(':');
        const std::filesystem::path candidate =
            std::filesystem::path(dirs.substr(0, colon)) / "java";
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
        if (colon == std::string_view::npos) break;
        dirs.remove_prefix(colon + 1);
    }
    return "";
}

}  // namespace

std::string hdr_java_missing() {
    if (!std::filesystem::exists(kHdrHistogramJar)) {
        return std::string(kHdrHistogramJar) +
               " is missing (apt-get install -y libhdrhistogram-java)";
    }
    const std::string java = java_path();
    if (java.empty()) return "java is not on PATH (apt-get install -y default-jre-headless)";
    const ProcessResult version = run_process({java, "-version"}, std::chrono::seconds(60));
    if (version.exit_code != 0)
        return "java does not run (apt-get install -y default-jre-headless)";
    return "";
}

namespace {

// Fills the parsed fields of `report` from its standard output.
void parse_distribution(JavaHlogReport& report) {
    static const std::regex start_time(
        R"(^#\[StartTime: ([0-9.]+) \(seconds since epoch\), .*\]$)");
    static const std::regex row(
        R"(^ *([0-9.]+|NaN|Infinity) ([0-9.]+) +([0-9]+)(?: +(?:[0-9.]+|Infinity))?$)");
    static const std::regex mean(
        R"(^#\[Mean += +([0-9.]+|NaN), StdDeviation += +([0-9.]+|NaN)\]$)");
    static const std::regex max(R"(^#\[Max += +([0-9.]+), Total count += +([0-9]+)\]$)");
    static const std::regex buckets(R"(^#\[Buckets += +([0-9]+), SubBuckets += +([0-9]+)\]$)");
    static const std::regex header(R"(^ +Value +Percentile +TotalCount 1/\(1-Percentile\)$)");
    std::istringstream in(report.out);
    bool header_seen = false;
    bool mean_seen = false;
    bool max_seen = false;
    bool buckets_seen = false;
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (line.empty()) continue;
        if (std::regex_match(line, m, start_time)) {
            report.start_time_s = std::stod(m[1].str());
        } else if (std::regex_match(line, header)) {
            header_seen = true;
        } else if (std::regex_match(line, m, row)) {
            report.rows.push_back(
                {m[1].str(), std::stod(m[1].str()), std::stod(m[2].str()), std::stoll(m[3].str())});
        } else if (std::regex_match(line, m, mean)) {
            report.mean_text = m[1].str();
            report.stddev_text = m[2].str();
            mean_seen = true;
        } else if (std::regex_match(line, m, max)) {
            report.max_text = m[1].str();
            report.total_count = std::stoll(m[2].str());
            max_seen = true;
        } else if (std::regex_match(line, m, buckets)) {
            report.buckets = std::stoi(m[1].str());
            report.sub_buckets = std::stoi(m[2].str());
            buckets_seen = true;
        } else {
            return;  // not the text layout: parsed stays false
        }
    }
    report.parsed = header_seen && mean_seen && max_seen && buckets_seen;
}

}  // namespace

JavaHlogReport run_histogram_log_processor(const std::string& hlog,
                                           const std::vector<std::string>& args,
                                           std::chrono::seconds timeout) {
    std::vector<std::string> argv = {java_path(),
                                     "-Duser.timezone=UTC",
                                     "-Duser.language=en",
                                     "-Duser.country=US",
                                     "-cp",
                                     kHdrHistogramJar,
                                     "org.HdrHistogram.HistogramLogProcessor",
                                     "-i",
                                     hlog};
    argv.insert(argv.end(), args.begin(), args.end());
    const ProcessResult run = run_process(argv, timeout);
    JavaHlogReport report;
    report.exit_code = run.exit_code;
    report.timed_out = run.timed_out;
    report.out = run.out;
    std::istringstream errors(run.err);
    for (std::string line; std::getline(errors, line);) {
        if (!line.starts_with("Picked up ")) report.err += line + '\n';
    }
    parse_distribution(report);
    return report;
}

}  // namespace volley::testing
