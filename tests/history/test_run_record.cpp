// history/run_record.*: a run directory read back as the history sees it.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "history/run_record.hpp"
#include "history_runs.hpp"
#include "reports/run_outputs.hpp"
#include "reports/summary_access.hpp"

using namespace volley::history;

namespace {

IntervalHistogram interval_of(double start_s, std::initializer_list<std::int64_t> values_ns) {
    IntervalHistogram interval;
    interval.start_s = start_s;
    interval.length_s = 1.0;
    for (const auto v : values_ns) interval.histogram.record(v);
    return interval;
}

}  // namespace

TEST_CASE("merge_window adds exactly the intervals that start inside the window", "[history]") {
    RunSample sample;
    sample.latency[kAllRequests] = {interval_of(0, {1'000'000}),
                                    interval_of(1, {2'000'000, 3'000'000}),
                                    interval_of(2, {9'000'000})};
    const auto window = merge_window(sample, kAllRequests, 1.0, 2.0);
    REQUIRE(window);
    CHECK(window->total_count() == 2);
    CHECK(window->max() == window->highest_equivalent_value(3'000'000));
    const auto all = merge_window(sample, kAllRequests, 0.0, 3.0);
    REQUIRE(all);
    CHECK(all->total_count() == 4);
    CHECK_FALSE(merge_window(sample, kAllRequests, 5.0, 6.0));
    CHECK_FALSE(merge_window(sample, "unknown", 0.0, 3.0));
}

TEST_CASE("a real run directory reads back with its labels, hash, intervals and histograms",
          "[history]") {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("volley-history-record-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    testing::FakeRunOptions options;
    options.labels = {{"git", "3f2a9c1"}, {"night", "7"}};
    options.duration = "3s";
    REQUIRE(testing::make_run_dir(dir, options) == 0);

    const auto sample = read_run_sample(dir);
    const auto summary = volley::reports::read_summary(dir);
    CHECK(sample.record.id == dir.filename().string());
    CHECK(sample.record.scenario_name == "nightly");
    CHECK(sample.record.scenario_hash.size() == 16);
    CHECK(sample.record.labels ==
          std::map<std::string, std::string>{{"git", "3f2a9c1"}, {"night", "7"}});
    CHECK(sample.record.verdict == "pass");
    CHECK(sample.record.figures.requests ==
          static_cast<std::uint64_t>(*volley::reports::number_at(summary, "totals.requests")));
    CHECK(sample.record.figures.p99_ms == volley::reports::number_at(summary, "latency_ms.p99"));
    REQUIRE(sample.intervals.size() >= 3);
    std::uint64_t interval_requests = 0;
    for (const auto& interval : sample.intervals) interval_requests += interval.requests;
    CHECK(interval_requests == sample.record.figures.requests);

    // The whole run re-aggregated from its interval histograms is the run's own summary.
    REQUIRE(sample.latency.count(kAllRequests) == 1);
    REQUIRE(sample.latency.count("get") == 1);
    const auto all = merge_window(sample, kAllRequests, 0.0, 1e9);
    REQUIRE(all);
    CHECK(static_cast<std::uint64_t>(all->total_count()) == sample.record.figures.requests);
    CHECK(all->value_at_percentile(99.0) / 1e6 ==
          Approx(*volley::reports::number_at(summary, "latency_ms.p99")).epsilon(1e-9));

    // The same run with other labels and another output directory is the same scenario.
    const auto other = dir.string() + "-b";
    std::filesystem::remove_all(other);
    options.labels = {{"night", "8"}};
    REQUIRE(testing::make_run_dir(other, options) == 0);
    CHECK(read_run_record(other).scenario_hash == sample.record.scenario_hash);
    // A different rate is a different scenario.
    const auto faster = dir.string() + "-c";
    std::filesystem::remove_all(faster);
    options.rate_rps = 300;
    options.duration = "1s";
    REQUIRE(testing::make_run_dir(faster, options) == 0);
    CHECK(read_run_record(faster).scenario_hash != sample.record.scenario_hash);
    for (const auto& d : {dir.string(), other, faster}) std::filesystem::remove_all(d);
}

TEST_CASE("a corrupted summary or histogram log is refused naming the file", "[history]") {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("volley-history-corrupt-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    testing::FakeRunOptions options;
    options.duration = "1s";
    REQUIRE(testing::make_run_dir(dir, options) == 0);
    {
        std::ofstream hlog(dir / "latency.hlog", std::ios::app);
        hlog << "0.000,1.000,0.5,NOT-A-HISTOGRAM\n1.0,1.0\n";
    }
    CHECK_THROWS_WITH(read_run_sample(dir), Catch::Contains((dir / "latency.hlog").string()));
    CHECK_NOTHROW(read_run_record(dir));  // the record needs the summary only
    {
        std::ofstream summary(dir / "summary.json", std::ios::trunc);
        summary << "{\"schema\": \"volley.summary/v1\", \"scenario\": ";
    }
    CHECK_THROWS_WITH(read_run_record(dir), Catch::Contains((dir / "summary.json").string()));
    std::filesystem::remove_all(dir);
}
