// HdrHistogram's own Java HistogramLogProcessor (Debian libhdrhistogram-java) run on a .hlog:
// the totals it prints, to check volley's logs against the reference reader.
#pragma once

#include "integration/support.hpp"

#include <catch2/catch.hpp>

#include <sstream>
#include <string>

namespace volley::testing {

// The accumulated "T:" figures of HistogramLogProcessor's interval log (values in ms).
struct JavaTotals {
    long count = -1;
    double p50 = 0, p90 = 0, p99 = 0, max = 0;
};

inline JavaTotals java_totals(const std::string& hlog, const std::string& tag = "") {
    const std::string out = make_temp_dir("volley-java-") + "/out";
    std::vector<std::string> args{"/usr/bin/java",
                                  "-cp",
                                  "/usr/share/java/hdrhistogram.jar",
                                  "org.HdrHistogram.HistogramLogProcessor",
                                  "-i",
                                  hlog,
                                  "-o",
                                  out,
                                  "-outputValueUnitRatio",
                                  "1000000"};
    if (!tag.empty()) {
        args.emplace_back("-tag");
        args.push_back(tag);
    }
    const auto result = run_process(args, std::chrono::seconds(120));
    REQUIRE(result.exit_code == 0);
    INFO(result.err);
    CHECK(result.err.find("Exception") == std::string::npos);
    std::istringstream lines(read_file(out));
    std::string line, last;
    while (std::getline(lines, line))
        if (line.find(" T:") != std::string::npos) last = line;
    REQUIRE(!last.empty());
    JavaTotals t;
    const auto pos = last.find(" T:");
    std::istringstream fields(last.substr(pos + 3));
    char paren = 0;
    double p999 = 0, p9999 = 0;
    fields >> t.count >> paren >> t.p50 >> t.p90 >> t.p99 >> p999 >> p9999 >> t.max;
    return t;
}

}  // namespace volley::testing
