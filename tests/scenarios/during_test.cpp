// requests[].during (docs/scenarios.md "requests"): the loader's checks, and the real engine on a
// manual clock drawing each request only in its window (open model: sent and dropped arrivals;
// closed model: VU iterations), deterministically for a seed.
#include "fakes/fake_target.hpp"
#include "fakes/stepped_run.hpp"
#include "resolver/datagen.hpp"
#include "scenarios/language/loader.hpp"
#include "scenarios/language/request_source.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <mutex>
#include <vector>

using namespace volley;
using namespace volley::scenarios;
using namespace std::chrono_literals;
using volley::testing::FakeResponse;
using volley::testing::FakeTarget;
using volley::testing::ManualClock;
using volley::testing::run_stepped;

namespace {

Plan plan_of(const std::string& yaml) { return load_plan_from_string(yaml, "during.yaml", {}); }

std::vector<Diagnostic> errors_of(const std::string& yaml) {
    try {
        (void)plan_of(yaml);
    } catch (const ScenarioError& error) {
        return error.diagnostics();
    }
    FAIL("expected a ScenarioError");
    return {};
}

const std::string kTarget = "target: {http: {base_url: 'http://127.0.0.1:8080'}}\n";

// Every draw the worker made, with the arrival's intended start (run time).
struct Draw {
    engine::Nanos intended{0};
    std::uint32_t name = 0;
    bool timed = true;  // false: drawn through next()/begin(), without a time
};

// Forwards to a TemplatedRequestSource and records each draw.
class RecordingSource final : public engine::RequestSource {
public:
    RecordingSource(const Plan& plan, std::size_t worker, std::size_t workers,
                    std::vector<Draw>& draws, std::mutex& mutex)
        : inner_(plan, worker, workers), draws_(draws), mutex_(mutex) {}
    bool next(engine::PreparedRequest& out) override { return keep(inner_.next(out), {}, out); }
    bool begin(std::size_t slot, engine::PreparedRequest& out) override {
        return keep(inner_.begin(slot, out), {}, out);
    }
    bool next_at(engine::Nanos intended, engine::PreparedRequest& out) override {
        return keep(inner_.next_at(intended, out), intended, out);
    }
    bool begin_at(std::size_t slot, engine::Nanos intended, engine::PreparedRequest& out) override {
        return keep(inner_.begin_at(slot, intended, out), intended, out);
    }

private:
    bool keep(bool drawn, std::optional<engine::Nanos> intended,
              const engine::PreparedRequest& out) {
        const std::lock_guard lock(mutex_);
        if (drawn)
            draws_.push_back(
                Draw{intended.value_or(engine::Nanos{-1}), out.name_index, intended.has_value()});
        return drawn;
    }
    TemplatedRequestSource inner_;
    std::vector<Draw>& draws_;
    std::mutex& mutex_;
};

struct Run {
    explicit Run(engine::RunResult r, std::vector<Draw> d)
        : result(std::move(r)), draws(std::move(d)) {}
    engine::RunResult result;
    std::vector<Draw> draws;
};

Run run_plan(const Plan& plan, FakeTarget& target) {
    std::vector<Draw> draws;
    std::mutex mutex;
    engine::RunSpec spec = plan.run;
    spec.handle_signals = false;
    ManualClock clock;
    engine::RunInputs inputs{target,
                             [&](std::size_t worker, std::size_t workers) {
                                 return std::make_unique<RecordingSource>(plan, worker, workers,
                                                                          draws, mutex);
                             },
                             {},
                             {}};
    engine::RunResult result = run_stepped(spec, inputs, clock);
    return Run(std::move(result), std::move(draws));
}

std::uint64_t count(const engine::RunResult& result, std::size_t request, engine::Outcome o) {
    return result.totals.per_request[request].outcomes[static_cast<std::size_t>(o)];
}

// Checks that every draw lies in its request's window (profile time = intended - warm-up;
// warm-up arrivals draw as at 0).
void check_windows(const Plan& plan, const std::vector<Draw>& draws) {
    for (const Draw& draw : draws) {
        REQUIRE(draw.timed);
        const auto& during = plan.requests.at(draw.name).during;
        const engine::Nanos t = std::max(engine::Nanos{0}, draw.intended - plan.run.warmup);
        INFO("request " << draw.name << " drawn at " << t.count() << " ns of the profile");
        CHECK((!during || during->contains(t)));
    }
}

}  // namespace

TEST_CASE("during: the open model draws each request only in its window", "[during]") {
    const Plan plan = plan_of(kTarget + R"(
load: {rate: 10/s, duration: 10s, warmup: 2s, threads: 2}
seed: 7
requests:
  - {name: first, path: /a, during: [0s, 4s]}
  - {name: second, path: /b, during: [4s, 10s], weight: 3}
  - {name: late, path: /c, during: [6s, 10s]}
)");
    REQUIRE(plan.requests[0].during);
    CHECK(plan.requests[0].during->until == 4s);
    FakeTarget target([](engine::Nanos) { return FakeResponse{5ms}; });
    const Run run = run_plan(plan, target);
    check_windows(plan, run.draws);
    // Uniform arrivals every 100 ms of the profile: 40 in [0, 4s), all `first`; 20 in [4s, 6s),
    // all `second`; 40 in [6s, 10s) shared 3:1 by `second` and `late`.
    CHECK(count(run.result, 0, engine::Outcome::ok) == 40);
    const auto second = count(run.result, 1, engine::Outcome::ok);
    const auto late = count(run.result, 2, engine::Outcome::ok);
    CHECK(second + late == 60);
    CHECK(late > 0);
    CHECK(second > late);
    // Warm-up arrivals (not recorded) drew as at the profile's start.
    std::size_t warmup_draws = 0;
    for (const Draw& draw : run.draws) {
        if (draw.intended < plan.run.warmup) {
            ++warmup_draws;
            CHECK(draw.name == 0);
        }
    }
    CHECK(warmup_draws == 20);

    // The same seed draws the same requests at the same instants.
    FakeTarget again([](engine::Nanos) { return FakeResponse{5ms}; });
    auto sorted = [](std::vector<Draw> draws) {
        std::sort(draws.begin(), draws.end(), [](const Draw& a, const Draw& b) {
            return a.intended != b.intended ? a.intended < b.intended : a.name < b.name;
        });
        std::vector<std::pair<std::int64_t, std::uint32_t>> out;
        for (const auto& d : draws) out.emplace_back(d.intended.count(), d.name);
        return out;
    };
    CHECK(sorted(run_plan(plan, again).draws) == sorted(run.draws));
}

TEST_CASE("during: dropped arrivals are drawn in their window too", "[during]") {
    // One connection, room for one waiting arrival, answers after 1 s: most arrivals drop.
    const Plan plan = plan_of(R"(
target: {http: {base_url: 'http://127.0.0.1:8080', connections: 1}}
load: {rate: 10/s, duration: 4s, max_in_flight: 2}
requests:
  - {name: early, path: /a, during: [0s, 2s]}
  - {name: later, path: /b, during: [2s, 4s]}
)");
    FakeTarget target([](engine::Nanos) { return FakeResponse{1s}; });
    const Run run = run_plan(plan, target);
    check_windows(plan, run.draws);
    CHECK(count(run.result, 0, engine::Outcome::dropped) > 0);
    CHECK(count(run.result, 1, engine::Outcome::dropped) > 0);
    std::uint64_t drawn = 0;
    for (std::size_t r = 0; r < 2; ++r) {
        drawn += run.result.totals.per_request[r].completed() +
                 count(run.result, r, engine::Outcome::dropped) +
                 count(run.result, r, engine::Outcome::cancelled) +
                 count(run.result, r, engine::Outcome::unsent);
    }
    CHECK(drawn == 40);  // every arrival, sent or dropped, was drawn (and drawn in its window)
}

TEST_CASE("during: the closed model draws each VU iteration in its window", "[during]") {
    const Plan plan = plan_of(kTarget + R"(
load: {vus: 2, duration: 6s, pacing: 200ms}
requests:
  - {name: early, path: /a, during: [0s, 3s]}
  - {name: later, path: /b, during: [3s, 6s]}
)");
    FakeTarget target([](engine::Nanos) { return FakeResponse{10ms}; });
    const Run run = run_plan(plan, target);
    check_windows(plan, run.draws);
    // Two VUs, an iteration every 200 ms: 15 each per 3 s window.
    CHECK(count(run.result, 0, engine::Outcome::ok) == 30);
    CHECK(count(run.result, 1, engine::Outcome::ok) == 30);
}

TEST_CASE("during: without windows the mix is unchanged, with them next() draws as at 0",
          "[during]") {
    const std::string requests = R"(
load: {rate: 10/s, duration: 10s}
requests:
  - {name: a, path: /a, weight: 2}
  - {name: b, path: /b}
)";
    const Plan plain = plan_of(kTarget + requests);
    TemplatedRequestSource timed(plain, 0, 1);
    TemplatedRequestSource untimed(plain, 0, 1);
    engine::PreparedRequest x;
    engine::PreparedRequest y;
    for (int i = 0; i < 200; ++i) {
        REQUIRE(timed.next_at(engine::Nanos{i * 50'000'000LL}, x));
        REQUIRE(untimed.next(y));
        CHECK(x.name_index == y.name_index);
    }
    const Plan windowed = plan_of(kTarget + R"(
load: {rate: 10/s, duration: 10s}
requests:
  - {name: a, path: /a, during: [0s, 5s]}
  - {name: b, path: /b, during: [5s, 10s]}
)");
    TemplatedRequestSource source(windowed, 0, 1);
    for (int i = 0; i < 20; ++i) {
        REQUIRE(source.next(x));
        CHECK(x.name_index == 0);
        REQUIRE(source.next_at(7s, x));
        CHECK(x.name_index == 1);
        REQUIRE(source.next_at(12s, x));  // past the end: as at the last instant
        CHECK(x.name_index == 1);
    }
}

TEST_CASE("during: the loader's checks, located", "[during][loader]") {
    const std::string load = "load: {rate: 10/s, duration: 10s}\n";
    SECTION("FROM must precede UNTIL") {
        const auto errors = errors_of(kTarget + load + R"(requests:
  - {name: a, path: /a, during: [5s, 5s]}
  - {name: b, path: /b}
)");
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].key == "requests[0].during");
        CHECK(errors[0].line == 4);
        CHECK(errors[0].column == 33);
        CHECK(errors[0].message == "FROM (5s) must be before UNTIL (5s)");
    }
    SECTION("the window lies within the profile") {
        const auto errors = errors_of(kTarget + load + R"(requests:
  - {name: a, path: /a, during: [5s, 11s]}
  - {name: b, path: /b}
)");
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].key == "requests[0].during");
        CHECK(errors[0].message.find("ends at 11s, after the profile's end (10s") !=
              std::string::npos);
    }
    SECTION("two durations in a list") {
        for (const char* bad : {"15s", "[0s]", "[0s, 5s, 10s]", "{from: 0s}"}) {
            INFO(bad);
            const auto errors =
                errors_of(kTarget + load + "requests:\n  - {name: a, path: /a, during: " + bad +
                          "}\n  - {name: b, path: /b}\n");
            REQUIRE(errors.size() == 1);
            CHECK(errors[0].key == "requests[0].during");
            CHECK(errors[0].message.find("expected [FROM, UNTIL]") == 0);
        }
        const auto errors = errors_of(kTarget + load + R"(requests:
  - {name: a, path: /a, during: [soon, 5s]}
  - {name: b, path: /b}
)");
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].key == "requests[0].during[0]");
    }
    SECTION("every instant of the profile has an active request") {
        const auto errors = errors_of(kTarget + load + R"(requests:
  - {name: a, path: /a, during: [0s, 4s]}
  - {name: b, path: /b, during: [6s, 10s]}
)");
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].key == "requests");
        CHECK(errors[0].line == 4);
        CHECK(errors[0].message.find("no request is active from 4s to 6s of the profile") == 0);
        const auto tail = errors_of(kTarget + load + R"(requests:
  - {name: a, path: /a, during: [0s, 4s]}
)");
        REQUIRE(tail.size() == 1);
        CHECK(tail[0].message.find("from 4s to 10s") != std::string::npos);
    }
    SECTION("a --set of the duration is checked as loaded") {
        const auto errors = [&] {
            try {
                (void)load_plan_from_string(kTarget + load + R"(requests:
  - {name: a, path: /a, during: [0s, 10s]}
)",
                                            "during.yaml", {"load.duration=20s"});
            } catch (const ScenarioError& error) {
                return error.diagnostics();
            }
            return std::vector<Diagnostic>{};
        }();
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].message.find("from 10s to 20s") != std::string::npos);
    }
    SECTION("journeys and their steps refuse during") {
        const auto errors = errors_of(kTarget + load + R"(journeys:
  - name: j
    during: [0s, 5s]
    steps:
      - {path: /a, during: [0s, 5s]}
)");
        REQUIRE(errors.size() == 2);
        CHECK(errors[0].key == "journeys[0].during");
        CHECK(errors[0].message.find("during applies to requests[] only") == 0);
        CHECK(errors[1].key == "journeys[0].steps[0].during");
    }
    SECTION("journeys cover every instant: windows on requests beside them need no cover") {
        const Plan plan = plan_of(kTarget + load + R"(requests:
  - {name: a, path: /a, during: [0s, 4s]}
journeys:
  - name: j
    steps:
      - {path: /b}
)");
        REQUIRE(plan.requests[0].during);
    }
}

TEST_CASE("the shipped n-plus-one scenario isolates its two requests on depth-4 ids",
          "[during][shipped]") {
    const Plan plan = load_plan(std::string(VOLLEY_SOURCE_DIR) + "/scenarios/n-plus-one.yaml", {});
    REQUIRE(plan.requests.size() == 2);
    REQUIRE(plan.requests[0].during);
    REQUIRE(plan.requests[1].during);
    CHECK(plan.requests[0].path.ends_with("/ancestors/naive"));
    CHECK(plan.requests[0].during->until == plan.requests[1].during->from);
    // The ids the feeder renders are exactly the depth-4 level of the tree `volley resolver
    // init --entities 100000 --fanout 10 --depth 6` loads (depth = number of ancestors).
    REQUIRE(plan.variables.size() == 1);
    const auto& zipf = std::get<ZipfFeeder>(plan.variables[0].source);
    CHECK(zipf.format == "entity_%06d");
    const auto rows = resolver::generate_tree({100000, 10, 6});
    std::size_t at_depth_4 = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto depth = std::count(rows[i].path.begin(), rows[i].path.end(), '.');
        const bool in_feeder =
            static_cast<std::int64_t>(i) >= zipf.first &&
            static_cast<std::int64_t>(i) < zipf.first + static_cast<std::int64_t>(zipf.n);
        if (depth == 4) ++at_depth_4;
        if (in_feeder != (depth == 4)) {
            INFO(rows[i].entity_id << " at depth " << depth);
            FAIL("the feeder's range and the depth-4 level differ");
        }
    }
    CHECK(at_depth_4 == zipf.n);
}
