// history/baseline.*: --baseline RUN | last-pass | last:N against a store (the fake).
#include <catch2/catch.hpp>

#include "fakes/fake_history_store.hpp"
#include "history/baseline.hpp"

using namespace volley::history;
using volley::testing::FakeHistoryStore;

namespace {

RunSample run(std::string id, double started_unix_s, std::string verdict,
              std::string hash = "aaaaaaaaaaaaaaaa") {
    RunSample sample;
    sample.record.id = std::move(id);
    sample.record.scenario_name = "nightly";
    sample.record.scenario_hash = std::move(hash);
    sample.record.started_unix_s = started_unix_s;
    sample.record.started_at = std::to_string(started_unix_s);
    sample.record.verdict = std::move(verdict);
    return sample;
}

std::vector<std::string> ids(const Baseline& baseline) {
    std::vector<std::string> out;
    for (const auto& r : baseline.runs) out.push_back(r.record.id);
    return out;
}

}  // namespace

TEST_CASE("--baseline is parsed into a run, last-pass or last:N", "[history][baseline]") {
    CHECK(parse_baseline("last-pass").kind == BaselineSpec::Kind::last_pass);
    const auto last7 = parse_baseline("last:7");
    CHECK(last7.kind == BaselineSpec::Kind::last_n);
    CHECK(last7.count == 7);
    const auto named = parse_baseline("results/smoke-20261201T010000Z");
    CHECK(named.kind == BaselineSpec::Kind::run);
    CHECK(named.run == "results/smoke-20261201T010000Z");
    for (const char* bad : {"", "last:", "last:0", "last:-3", "last:7x", "last:x"})
        CHECK_THROWS_WITH(parse_baseline(bad), Catch::Contains("--baseline"));
}

TEST_CASE("last-pass and last:N take the newest earlier passing runs of the same scenario hash",
          "[history][baseline]") {
    FakeHistoryStore store;
    store.put(run("n1", 100, "pass"));
    store.put(run("n2", 200, "fail"));
    store.put(run("n3", 300, "pass"));
    store.put(run("other", 350, "pass", "bbbbbbbbbbbbbbbb"));
    store.put(run("n4", 400, "pass"));
    store.put(run("n5", 500, "pass"));  // the run being judged
    store.skipped = {"results/broken/summary.json: not valid JSON"};
    const auto fresh = store.sample("n5").record;

    const auto last_pass = resolve_baseline(parse_baseline("last-pass"), store, fresh);
    CHECK(ids(last_pass) == std::vector<std::string>{"n4"});
    CHECK(last_pass.skipped == store.skipped);

    const auto last3 = resolve_baseline(parse_baseline("last:3"), store, fresh);
    CHECK(ids(last3) == std::vector<std::string>{"n1", "n3", "n4"});  // n2 failed, "other" differs
    const auto last9 = resolve_baseline(parse_baseline("last:9"), store, fresh);
    CHECK(ids(last9).size() == 3);
    CHECK_THAT(last9.description, Catch::Contains("fewer"));

    const auto named = resolve_baseline(parse_baseline("n2"), store, fresh);
    CHECK(ids(named) == std::vector<std::string>{"n2"});
    CHECK_THROWS_AS(resolve_baseline(parse_baseline("n9"), store, fresh), UnknownRunError);

    // The first run of a scenario has no baseline.
    const auto first = store.sample("n1").record;
    CHECK_THROWS_WITH(resolve_baseline(parse_baseline("last-pass"), store, first),
                      Catch::Contains("no earlier passing run"));
    CHECK_THROWS_AS(resolve_baseline(parse_baseline("last:3"), store, first), NoEarlierRunError);
}

TEST_CASE("a baseline run that cannot be read is skipped, named, and an older one takes its place",
          "[history][baseline]") {
    FakeHistoryStore store;
    store.put(run("n1", 100, "pass"));
    store.put(run("n2", 200, "pass"));
    store.put(run("n3", 300, "pass"));
    store.put(run("n4", 400, "pass"));
    store.unreadable = {"n3"};
    const auto fresh = store.sample("n4").record;
    const auto last2 = resolve_baseline(parse_baseline("last:2"), store, fresh);
    CHECK(ids(last2) == std::vector<std::string>{"n1", "n2"});
    REQUIRE(last2.skipped.size() == 1);
    CHECK_THAT(last2.skipped.front(), Catch::Contains("n3/latency.hlog"));
    CHECK_THAT(last2.description, Catch::Contains("(n1, n2)"));
    // Runs there but none readable: not a first night, an error of the history.
    store.unreadable = {"n1", "n2", "n3"};
    try {
        (void)resolve_baseline(parse_baseline("last-pass"), store, fresh);
        FAIL("no baseline was expected");
    } catch (const NoEarlierRunError&) {
        FAIL("unreadable runs are not a first night");
    } catch (const NoBaselineError& e) {
        CHECK_THAT(e.what(), Catch::Contains("no readable earlier passing run"));
    }
}
