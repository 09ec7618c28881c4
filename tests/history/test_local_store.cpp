// history/local_store.*: the embedded history store over real run directories.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "history/local_store.hpp"
#include "nightly_runs.hpp"
#include "reports/run_outputs.hpp"
#include "reports/summary_access.hpp"

using namespace volley::history;
using volley::history::testing::copy_results;
using volley::history::testing::nightly_runs;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> ids_of(const RunListing& listing) {
    std::vector<std::string> ids;
    for (const auto& run : listing.runs) ids.push_back(run.id);
    return ids;
}

RunQuery all_of(const std::string& scenario) {
    RunQuery query;
    query.scenario_name = scenario;
    query.last = 0;
    return query;
}

}  // namespace

TEST_CASE(
    "the embedded store lists the runs of a results directory oldest first with their "
    "summary figures",
    "[history][local_store]") {
    const auto& nights = nightly_runs();
    LocalHistoryStore store(nights.root);
    CHECK(store.location() == nights.root.string());
    // A directory that is not a run is passed over silently.
    fs::create_directories(nights.root / "notes");

    const auto listing = store.list(all_of("nightly"));
    CHECK(listing.skipped.empty());
    CHECK(ids_of(listing) == nights.night_ids);
    REQUIRE(listing.runs.size() == 5);
    for (std::size_t i = 0; i < listing.runs.size(); ++i) {
        const auto& run = listing.runs[i];
        const auto summary = volley::reports::read_summary(nights.root / run.id);
        CHECK(run.labels.at("night") == std::to_string(i + 1));
        CHECK(run.dir == nights.root / run.id);
        CHECK(run.scenario_name == "nightly");
        CHECK(run.verdict == (i == 2 ? "fail" : "pass"));
        CHECK(run.figures.requests ==
              static_cast<std::uint64_t>(*volley::reports::number_at(summary, "totals.requests")));
        CHECK(run.figures.p99_ms == volley::reports::number_at(summary, "latency_ms.p99"));
        CHECK(run.figures.throughput_rps ==
              volley::reports::number_at(summary, "totals.throughput_rps"));
        CHECK(run.figures.error_rate == volley::reports::number_at(summary, "totals.error_rate"));
        if (i > 0) CHECK(run.started_unix_s > listing.runs[i - 1].started_unix_s);
    }
    CHECK(listing.runs[0].scenario_hash == listing.runs[4].scenario_hash);
    fs::remove(nights.root / "notes");
}

TEST_CASE("the embedded store filters by scenario name, hash, verdict and keeps the newest N",
          "[history][local_store]") {
    const auto& nights = nightly_runs();
    LocalHistoryStore store(nights.root);
    RunQuery everything;
    everything.last = 0;
    const auto all = store.list(everything);
    REQUIRE(all.runs.size() == 6);
    CHECK(all.runs.back().id == nights.other_id);

    RunQuery by_hash = everything;
    by_hash.scenario_hash = all.runs.back().scenario_hash;
    CHECK(ids_of(store.list(by_hash)) == std::vector<std::string>{nights.other_id});

    RunQuery passing = all_of("nightly");
    passing.passing_only = true;
    CHECK(ids_of(store.list(passing)) ==
          std::vector<std::string>{nights.night_ids[0], nights.night_ids[1], nights.night_ids[3],
                                   nights.night_ids[4]});

    RunQuery last_two = all_of("nightly");
    last_two.last = 2;
    CHECK(ids_of(store.list(last_two)) ==
          std::vector<std::string>{nights.night_ids[3], nights.night_ids[4]});
    RunQuery last_many = all_of("nightly");
    last_many.last = 30;
    CHECK(store.list(last_many).runs.size() == 5);
    CHECK(store.list(all_of("no such scenario")).runs.empty());
}

TEST_CASE(
    "a corrupted summary.json is skipped naming its path; a corrupted latency.hlog fails "
    "sample() naming it while list() still shows the run",
    "[history][local_store]") {
    const auto& nights = nightly_runs();
    const auto root = copy_results("corrupt");
    {
        std::ofstream summary(root / nights.night_ids[1] / "summary.json", std::ios::trunc);
        summary << "{\"schema\": \"volley.summary/v1\", \"scenario\": ";
    }
    {
        std::ofstream hlog(root / nights.night_ids[3] / "latency.hlog", std::ios::app);
        hlog << "0.000,1.000,0.5,NOT-A-HISTOGRAM\n";
    }
    LocalHistoryStore store(root);
    const auto listing = store.list(all_of("nightly"));
    REQUIRE(listing.skipped.size() == 1);
    CHECK_THAT(listing.skipped[0],
               Catch::StartsWith((root / nights.night_ids[1] / "summary.json").string()));
    CHECK(ids_of(listing) == std::vector<std::string>{nights.night_ids[0], nights.night_ids[2],
                                                      nights.night_ids[3], nights.night_ids[4]});
    CHECK_THROWS_AS(store.sample(nights.night_ids[3]), RunReadError);
    CHECK_THROWS_WITH(store.sample(nights.night_ids[3]),
                      Catch::Contains((root / nights.night_ids[3] / "latency.hlog").string()));
    fs::remove_all(root);
}

TEST_CASE("sample() reads a stored run and refuses ids that are not runs of the store",
          "[history][local_store]") {
    const auto& nights = nightly_runs();
    LocalHistoryStore store(nights.root);
    const auto sample = store.sample(nights.night_ids[0]);
    CHECK(sample.record.id == nights.night_ids[0]);
    CHECK(sample.record.labels.at("night") == "1");
    CHECK_FALSE(sample.intervals.empty());
    CHECK(sample.latency.count(kAllRequests) == 1);

    const std::vector<std::string> not_runs{
        "missing-run", "../" + nights.root.filename().string(), "a/b", "..", "", "."};
    for (const auto& id : not_runs) {
        INFO(id);
        CHECK_THROWS_AS(store.sample(id), StoreError);
    }
    CHECK_THROWS_WITH(store.sample("missing-run"),
                      Catch::Contains("missing-run") && Catch::Contains(nights.root.string()));
}

TEST_CASE("a results directory that does not exist lists no runs; a file is a store error",
          "[history][local_store]") {
    const auto missing = fs::temp_directory_path() / "volley-history-never-made";
    fs::remove_all(missing);
    LocalHistoryStore fresh(missing);
    const auto listing = fresh.list(RunQuery{});
    CHECK(listing.runs.empty());
    CHECK(listing.skipped.empty());
    CHECK_FALSE(fs::exists(missing));

    const auto file = fs::temp_directory_path() / "volley-history-a-file";
    { std::ofstream(file) << "x"; }
    LocalHistoryStore not_a_dir(file);
    CHECK_THROWS_WITH(not_a_dir.list(RunQuery{}),
                      Catch::Contains(file.string()) && Catch::Contains("not a directory"));
    fs::remove(file);
}

TEST_CASE(
    "add copies a run in under its name, returns the id of a run already there and of the "
    "same run added again, and suffixes another run of the same name",
    "[history][local_store]") {
    const auto& nights = nightly_runs();
    const auto target =
        fs::temp_directory_path() / ("volley-history-add-" + std::to_string(::getpid()));
    fs::remove_all(target);
    LocalHistoryStore store(target / "history");

    const auto first = nights.root / nights.night_ids[0];
    CHECK(store.add(first) == nights.night_ids[0]);
    CHECK(fs::exists(target / "history" / nights.night_ids[0] / "summary.json"));
    CHECK(fs::exists(target / "history" / nights.night_ids[0] / "latency.hlog"));
    CHECK(store.sample(nights.night_ids[0]).record.started_at == read_run_record(first).started_at);
    // The same run again (also from another copy of its directory): its id, nothing copied.
    CHECK(store.add(first) == nights.night_ids[0]);
    fs::copy(first, target / "elsewhere", fs::copy_options::recursive);
    CHECK(store.add(target / "elsewhere") == nights.night_ids[0]);
    // A run already inside the store directory is its own record.
    CHECK(store.add(target / "history" / nights.night_ids[0]) == nights.night_ids[0]);
    // A different run with the same directory name.
    fs::create_directories(target / "other");
    fs::copy(nights.root / nights.night_ids[1], target / "other" / nights.night_ids[0],
             fs::copy_options::recursive);
    CHECK(store.add(target / "other" / nights.night_ids[0]) == nights.night_ids[0] + "-2");
    const auto listing = store.list(all_of("nightly"));
    CHECK(ids_of(listing) ==
          std::vector<std::string>{nights.night_ids[0], nights.night_ids[0] + "-2"});
    CHECK(listing.runs[1].labels.at("night") == "2");
    // No staging directory is left behind.
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(target / "history")) ++entries;
    CHECK(entries == 2);

    // A directory that is not a run is refused naming its summary.json.
    fs::create_directories(target / "empty");
    CHECK_THROWS_AS(store.add(target / "empty"), RunReadError);
    CHECK_THROWS_WITH(store.add(target / "empty"),
                      Catch::Contains((target / "empty" / "summary.json").string()));
    fs::remove_all(target);
}
