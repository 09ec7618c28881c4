// Distributed runs end to end (docs/distributed.md): segments started together on one wall-clock
// second, merged by `volley merge`, against one process at the full rate; the merge's refusals;
// `--segments N --local`.
#include "integration/java_hdr.hpp"
#include "integration/support.hpp"
#include "support/loopback_server.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <future>

using namespace volley::testing;
using namespace std::chrono_literals;

namespace {

using WallClock = std::chrono::system_clock;

// A whole second at least `ahead` from now, and its RFC 3339 text.
std::pair<WallClock::time_point, std::string> start_time(std::chrono::seconds ahead) {
    const auto now = WallClock::now();
    const auto whole = std::chrono::ceil<std::chrono::seconds>(now) + ahead;
    return {whole, fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(WallClock::to_time_t(whole)))};
}

// Milliseconds from now until `at` (the server's stall is relative to its start).
std::chrono::milliseconds until(WallClock::time_point at) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(at - WallClock::now());
}

double requests_of(const std::string& dir) { return at(read_summary(dir), {"totals", "requests"}); }

// Runs segments i of n (one process each, concurrently) with these arguments.
std::vector<ProcessResult> run_segments(const std::vector<std::string>& args, std::size_t n,
                                        const std::string& root, const std::string& start_at) {
    std::vector<std::future<ProcessResult>> running;
    running.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        auto argv = args;
        for (const auto& extra :
             {std::string("--segment"), fmt::format("{}/{}", i, n), std::string("--start-at"),
              start_at, std::string("-o"), fmt::format("{}/segment-{}", root, i)})
            argv.push_back(extra);
        running.push_back(std::async(std::launch::async, [argv] { return run_volley(argv); }));
    }
    std::vector<ProcessResult> results;
    results.reserve(running.size());
    for (auto& r : running) results.push_back(r.get());
    return results;
}

}  // namespace

TEST_CASE("4 segments started together and merged are the run of one process at the full rate") {
    // Each run: 1000 requests/s for 6 s; the server holds every request arriving in [3.0 s,
    // 3.5 s) of the run until 3.5 s.
    const double rate = 1000, duration_s = 6;
    const auto stall = 500ms;
    const std::vector<std::string> load{"run", "-r", "1000", "-d", "6s",
                                        "-c",  "20", "-t",   "1",  "-q"};

    // One process at the full rate.
    const std::string single_dir = make_temp_dir("volley-dist-single-");
    double single_p99 = 0, single_rate = 0;
    {
        LoopbackServer server({.stall_at = 3000ms, .stall_for = stall});
        auto args = load;
        args.insert(args.begin() + 1, {"-u", server.url()});
        args.insert(args.end(), {"-o", single_dir});
        const auto run = run_volley(args);
        INFO(run.err);
        REQUIRE(run.exit_code == 0);
        const auto summary = read_summary(single_dir);
        CHECK(server.requests() == static_cast<std::uint64_t>(at(summary, {"totals", "sent"})));
        single_p99 = at(summary, {"latency_ms", "p99"});
        single_rate = at(summary, {"totals", "throughput_rps"});
    }

    // Four segments, one process each, started at the same whole second.
    const std::string root = make_temp_dir("volley-dist-");
    const auto [start, start_text] = start_time(3s);
    LoopbackServer server({.stall_at = until(start) + 3000ms, .stall_for = stall});
    auto args = load;
    args.insert(args.begin() + 1, {"-u", server.url()});
    const auto segments = run_segments(args, 4, root, start_text);
    double segment_requests = 0;
    std::vector<double> sent;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        INFO("segment " << i << ": " << segments[i].err);
        REQUIRE(segments[i].exit_code == 0);
        const auto dir = fmt::format("{}/segment-{}", root, i);
        REQUIRE(std::filesystem::exists(dir + "/segment.json"));
        const auto summary = read_summary(dir);
        CHECK(at(summary, {"segment", "index"}) == i);
        CHECK(at(summary, {"segment", "count"}) == 4);
        segment_requests += at(summary, {"totals", "requests"});
        sent.push_back(at(summary, {"totals", "sent"}));
    }
    // Uniform arrivals split k mod 4: the segments' shares differ by one arrival at most.
    CHECK(*std::max_element(sent.begin(), sent.end()) -
              *std::min_element(sent.begin(), sent.end()) <=
          1);
    CHECK(segment_requests == Approx(rate * duration_s).margin(rate * duration_s * 0.01));
    const std::string merged_dir = root + "/merged";
    const auto merge = run_volley({"merge", root, "-o", merged_dir, "-q"});
    INFO(merge.err);
    REQUIRE(merge.exit_code == 0);
    const auto merged = read_summary(merged_dir);

    // Totals exact: the merge adds the segments, and they are what the server answered.
    const double merged_requests = at(merged, {"totals", "requests"});
    CHECK(merged_requests == segment_requests);
    CHECK(server.requests() == static_cast<std::uint64_t>(at(merged, {"totals", "sent"})));
    CHECK(at(merged, {"merged", "segments"}) == 4);
    // The rate within 2% of the single process's.
    CHECK(at(merged, {"totals", "throughput_rps"}) == Approx(single_rate).epsilon(0.02));
    // The stall in the merged p99 as in the single run's. Requests intended during the stall
    // wait for its end: response times spread evenly over (0, stall], so the slowest 1% of all
    // are the earliest of those: p99 = stall x (1 - 0.01 x total / stalled).
    const double stall_ms = std::chrono::duration<double, std::milli>(stall).count();
    const double expected_p99 = stall_ms * (1 - 0.01 * merged_requests / (stall_ms / 1000 * rate));
    CHECK(at(merged, {"latency_ms", "p99"}) == Approx(expected_p99).epsilon(0.1));
    CHECK(single_p99 == Approx(expected_p99).epsilon(0.1));
    CHECK(at(merged, {"latency_ms", "max"}) == Approx(stall_ms).epsilon(0.1));

    // The merged latency.hlog, read by HdrHistogram's own HistogramLogProcessor, has the merged
    // summary's count and percentiles (to the histogram's resolution).
    const auto java = java_totals(merged_dir + "/latency.hlog");
    CHECK(java.count == static_cast<long>(merged_requests));
    CHECK(java.p99 == Approx(at(merged, {"latency_ms", "p99"})).epsilon(0.002));
    CHECK(java.max == Approx(at(merged, {"latency_ms", "max"})).epsilon(0.002));
}

TEST_CASE("volley merge refuses a duplicated, a missing and a foreign segment with exit 2") {
    LoopbackServer server({});
    const std::string root = make_temp_dir("volley-dist-refuse-");
    const std::vector<std::string> args{"run", "-u", server.url(), "-r", "100", "-d", "1s", "-q"};
    const auto [start, start_text] = start_time(2s);
    for (const auto& run : run_segments(args, 2, root, start_text)) {
        INFO(run.err);
        REQUIRE(run.exit_code == 0);
    }
    // The same load at another rate is another scenario.
    const std::string other = root + "/other";
    auto other_args = args;
    other_args[4] = "200";
    for (const auto& extra : {"--segment", "1/2", "-o"}) other_args.emplace_back(extra);
    other_args.push_back(other);
    const auto other_run = run_volley(other_args);
    INFO(other_run.err);
    REQUIRE(other_run.exit_code == 0);

    const auto seg0 = root + "/segment-0", seg1 = root + "/segment-1";
    const auto twice = run_volley({"merge", seg0, seg0, "-o", root + "/m1", "-q"});
    CHECK(twice.exit_code == 2);
    CHECK(twice.err.find("segment 0/2 appears twice") != std::string::npos);
    const auto missing = run_volley({"merge", seg0, "-o", root + "/m2", "-q"});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("segments missing: 1 (of 2)") != std::string::npos);
    const auto foreign = run_volley({"merge", seg0, other, "-o", root + "/m3", "-q"});
    CHECK(foreign.exit_code == 2);
    CHECK(foreign.err.find("another scenario") != std::string::npos);
    for (const char* m : {"/m1", "/m2", "/m3"})
        CHECK_FALSE(std::filesystem::exists(root + m + "/summary.json"));
    // And the two real halves merge.
    const auto good = run_volley({"merge", seg0, seg1, "-o", root + "/m4", "-q"});
    INFO(good.err);
    CHECK(good.exit_code == 0);
    CHECK(requests_of(root + "/m4") == requests_of(seg0) + requests_of(seg1));

    // A merged run is a run of the same scenario as one process with the same flags: compare and
    // report take it unchanged.
    const std::string single = root + "/single";
    auto single_args = args;
    single_args.insert(single_args.end(), {"-o", single});
    REQUIRE(run_volley(single_args).exit_code == 0);
    const auto compare = run_volley({"compare", single, root + "/m4"});
    INFO(compare.out << compare.err);
    CHECK((compare.exit_code == 0 || compare.exit_code == 99));
    CHECK(compare.err.find("different scenarios") == std::string::npos);
    const auto hash = [](const boost::json::object& summary) {
        return std::string(summary.at("scenario").as_object().at("hash").as_string());
    };
    CHECK(hash(read_summary(root + "/m4")) == hash(read_summary(single)));
    CHECK(run_volley({"report", root + "/m4"}).exit_code == 0);
}

TEST_CASE("--segments N --local runs N processes on this machine and merges them") {
    LoopbackServer server({});
    const std::string root = make_temp_dir("volley-dist-local-");
    const auto run = run_volley({"run", "-u", server.url(), "-r", "300", "-d", "2s", "--segments",
                                 "3", "--local", "-q", "-o", root});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    double segments = 0;
    for (int i = 0; i < 3; ++i) segments += requests_of(fmt::format("{}/segment-{}", root, i));
    const auto merged = read_summary(root + "/merged");
    CHECK(at(merged, {"totals", "requests"}) == segments);
    CHECK(server.requests() == static_cast<std::uint64_t>(at(merged, {"totals", "sent"})));
    CHECK(at(merged, {"totals", "requests"}) == Approx(600).margin(6));
}

TEST_CASE("the segment flags: i/n checked, and the index of --segments from JOB_COMPLETION_INDEX") {
    const std::vector<std::string> quick{"run", "-u", "http://127.0.0.1:1/", "-r", "10", "-d",
                                         "1s",  "-q"};
    const auto with = [&](std::initializer_list<std::string> extra) {
        auto args = quick;
        args.insert(args.end(), extra);
        return run_volley(args);
    };
    const auto out_of_range = with({"--segment", "4/4"});
    CHECK(out_of_range.exit_code == 2);
    CHECK(out_of_range.err.find("--segment: \"4/4\": the index must be below the count") !=
          std::string::npos);
    const auto malformed = with({"--segment", "two"});
    CHECK(malformed.exit_code == 2);
    CHECK(malformed.err.find("expected i/n") != std::string::npos);
    const auto disagree = with({"--segment", "1/4", "--segments", "3"});
    CHECK(disagree.exit_code == 2);
    CHECK(disagree.err.find("disagree") != std::string::npos);
    const auto no_index = with({"--segments", "3"});
    CHECK(no_index.exit_code == 2);
    CHECK(no_index.err.find("JOB_COMPLETION_INDEX") != std::string::npos);
    CHECK(with({"--local"}).exit_code == 2);

    // A Kubernetes Indexed Job sets JOB_COMPLETION_INDEX in each pod.
    LoopbackServer server({});
    const std::string dir = make_temp_dir("volley-dist-index-");
    ::setenv("JOB_COMPLETION_INDEX", "2", 1);
    const auto indexed = run_volley(
        {"run", "-u", server.url(), "-r", "30", "-d", "1s", "-q", "--segments", "3", "-o", dir});
    const auto bad_index = run_volley({"run", "-u", server.url(), "-r", "30", "-d", "1s", "-q",
                                       "--segments", "2", "-o", dir + "-bad"});
    ::unsetenv("JOB_COMPLETION_INDEX");
    INFO(indexed.err);
    REQUIRE(indexed.exit_code == 0);
    const auto summary = read_summary(dir);
    CHECK(at(summary, {"segment", "index"}) == 2);
    CHECK(at(summary, {"segment", "count"}) == 3);
    CHECK(std::filesystem::exists(dir + "/segment.json"));
    CHECK(bad_index.exit_code == 2);
    CHECK(bad_index.err.find("JOB_COMPLETION_INDEX=\"2\" is not an index from 0 to 1") !=
          std::string::npos);
}
