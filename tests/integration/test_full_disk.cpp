// A run whose output folder fills up (docs/outputs.md "How files are written"): the disk is
// "full" for files over 4 KiB — the run is started under `ulimit -f 8` (512-byte blocks) with
// SIGXFSZ ignored, so a write past 4096 bytes fails with EFBIG as one past a full disk fails with
// ENOSPC; no mount needed. Every file that fits must be whole, every one that does not must be
// absent and named with the reason, no temporary file may stay, and the run exits 1.
#include "integration/support.hpp"
#include "support/loopback_server.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

using namespace volley::testing;
using namespace std::chrono_literals;

namespace {

constexpr std::uintmax_t kFileSizeLimitBytes = 8 * 512;

// volley with every file it writes limited to kFileSizeLimitBytes; stdout (the console summary,
// larger than the limit) goes to /dev/null, which no file size limit applies to.
ProcessResult run_volley_on_a_small_disk(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/bin/sh", "-c",
                                  "trap '' XFSZ; ulimit -f 8 && exec \"$0\" \"$@\" >/dev/null",
                                  volley_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, 120s);
}

}  // namespace

TEST_CASE("on a full disk the run names each file it could not write, keeps the others whole") {
    LoopbackServer server({});
    const std::string dir = make_temp_dir("volley-full-");
    const auto run = run_volley_on_a_small_disk(
        {"run", "-u", server.url() + "/", "-r", "50", "-d", "3s", "-o", dir});
    INFO(run.err);
    CHECK(run.exit_code == 1);

    std::set<std::string> present;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const auto name = entry.path().filename().string();
        INFO(name);
        CHECK(name.find(".tmp") == std::string::npos);  // no temporary file left behind
        CHECK(entry.file_size() <= kFileSizeLimitBytes);
        present.insert(name);
    }
    std::size_t named = 0;
    for (const std::string name : {"summary.json", "latency.hlog", "report.md", "report.html",
                                   "junit.xml", "timeseries.csv", "latency.hgrm"}) {
        INFO(name);
        const bool reported = run.err.find("error: cannot write " + dir + "/" + name +
                                           ": File too large") != std::string::npos;
        // Each file is either there (whole) or named with the reason, never both or neither.
        CHECK(reported != (present.count(name) == 1));
        if (reported) ++named;
    }
    CHECK(named > 0);           // summary.json and report.html are larger than 4 KiB
    CHECK(present.size() > 0);  // junit.xml and timeseries.csv are not
    CHECK(present.size() + named == 7);
    // The files written are whole: they end where their format ends.
    if (present.count("junit.xml"))
        CHECK(read_file(dir + "/junit.xml").ends_with("</testsuite>\n"));
    if (present.count("timeseries.csv")) {
        const auto csv = read_file(dir + "/timeseries.csv");
        CHECK(csv.ends_with("\n"));
    }
    CHECK(run.err.find("error: writing reports") == std::string::npos);
}
