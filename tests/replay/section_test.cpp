// The `replay:` section of the scenario language.
#include "replay/support.hpp"
#include "scenarios/language/loader.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using namespace volley;
using namespace volley::scenarios;
using namespace volley::replay;
using namespace volley::replay_test;

namespace {

Plan load(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
    return load_plan_from_string(yaml, fixture("scenario.yaml"), overrides);
}

std::vector<Diagnostic> errors_of(const std::string& yaml) {
    try {
        (void)load(yaml);
    } catch (const ScenarioError& error) {
        return error.diagnostics();
    }
    FAIL("expected a ScenarioError");
    return {};
}

bool has_error(const std::vector<Diagnostic>& diagnostics, const std::string& key,
               const std::string& part) {
    for (const auto& d : diagnostics) {
        if (d.key == key && d.message.find(part) != std::string::npos) return true;
    }
    return false;
}

const std::string kTarget =
    "target:\n  http: {base_url: \"http://127.0.0.1:8080\", connections: 16}\n";

}  // namespace

TEST_CASE(
    "a full replay section becomes a plan: routes are the request names, the catch-all last") {
    const auto plan = load(kTarget + R"(
name: nightly-replay
load: {threads: 2, drain: 2s}
replay:
  file: capture.gor.gz            # relative to the scenario
  speed: 4
  loop: 2
  from: 10s
  to: 2m
  max_gap: 5s
  outlier_gap: 30m
  reorder_window: 2s
  sample: 25%
  filters: {methods: [get, POST], include: ['^/entities/'], exclude: ['\.png$']}
  rewrite:
    headers: {set: {X-Replay: "1"}, remove: [Cookie]}
    paths: [{match: '^/v1/', replace: '/v2/'}]
  routes:
    - /entities/*/ancestors
    - {name: writes, path: /entities, method: post, expect: {status: [200, 201]}}
  expect: {status: 200}
thresholds:
  - p(99) < 50ms
  - {expr: error_rate < 1%, request: writes}
)");
    REQUIRE(plan.replay);
    const auto& spec = *plan.replay;
    CHECK(plan.type == ScenarioType::replay);
    CHECK(spec.file == fixture("capture.gor.gz"));
    CHECK(spec.format == ReplayFormat::gor);
    CHECK(spec.speed == 4);
    CHECK(spec.loop == 2);
    CHECK(spec.from == engine::Nanos(10s));
    CHECK(spec.to == engine::Nanos(2min));
    CHECK(spec.max_gap == engine::Nanos(5s));
    CHECK(spec.outlier_gap == engine::Nanos(30min));
    CHECK(spec.reorder_window == engine::Nanos(2s));
    CHECK(spec.sample_ratio == Approx(0.25));
    CHECK(spec.methods == std::vector<std::string>{"GET", "POST"});
    CHECK(spec.remove_headers == std::vector<std::string>{"cookie"});
    REQUIRE(spec.routes.size() == 2);
    CHECK(spec.routes[1].method == "POST");
    CHECK(plan.run.request_names ==
          std::vector<std::string>{"/entities/*/ancestors", "writes", "other"});
    CHECK(plan.requests[0].expect_status == std::vector<int>{200});
    CHECK(plan.requests[1].expect_status == std::vector<int>{200, 201});
    CHECK(plan.run.threads == 2);
    CHECK(plan.run.connections == 16);
    CHECK(plan.run.drain == engine::Nanos(2s));
    const auto& open = std::get<engine::OpenProfile>(plan.run.profile);
    CHECK(open.stages.empty());  // the capture is the schedule
    CHECK(plan.thresholds.size() == 2);
}

TEST_CASE("replay defaults: format from the extension, one catch-all name, type replay allowed") {
    const auto plan = load(kTarget + "type: replay\nreplay: {file: access.log}\n");
    REQUIRE(plan.replay);
    CHECK(plan.replay->format == ReplayFormat::combined);
    CHECK(plan.replay->speed == 1);
    CHECK(plan.replay->outlier_gap == engine::Nanos(1h));
    CHECK(plan.replay->loop == 1);
    CHECK(plan.run.request_names == std::vector<std::string>{"replay"});
    const auto overridden = load(kTarget + "replay: {file: capture.jsonl}\n",
                                 {"replay.speed=2", "replay.catch_all=all"});
    CHECK(overridden.replay->speed == 2);
    CHECK(overridden.run.request_names == std::vector<std::string>{"all"});
}

TEST_CASE("replay sections with mistakes report each one at its key") {
    const auto errors = errors_of(kTarget + R"(
load: {rate: 100/s, threads: 2}
requests: [{path: /}]
replay:
  file: nope.gor
  format: pcap
  speed: 0
  from: 20s
  to: 10s
  sample: 150%
  log_format: "$status"
  filters: {include: ['(unclosed']}
  routes: [/a/x*/b, {name: dup, path: /a}, {name: dup, path: /b}]
)");
    CHECK(has_error(errors, "load.rate", "capture's timeline"));
    CHECK(has_error(errors, "requests", "replay.routes"));
    CHECK(has_error(errors, "replay.file", "cannot read"));
    CHECK(has_error(errors, "replay.format", "unknown format 'pcap'"));
    CHECK(has_error(errors, "replay.speed", ""));
    CHECK(has_error(errors, "replay.to", "must be after from"));
    CHECK(has_error(errors, "replay.sample", "at most 100%"));
    CHECK(has_error(errors, "replay.log_format", "format: combined"));
    CHECK(has_error(errors, "replay.filters.include[0]", "not a valid regex"));
    CHECK(has_error(errors, "replay.routes[0]", "whole segment"));
    CHECK(has_error(errors, "replay.routes[2]", "another route is named 'dup'"));

    const auto unknown_extension = errors_of(kTarget + "replay: {file: make_fixtures.py}\n");
    CHECK(has_error(unknown_extension, "replay.file", "cannot tell the format"));
    const auto typed = errors_of(kTarget + "type: load\nreplay: {file: capture.gor}\n");
    CHECK(has_error(typed, "replay", "remove type: load"));
    const auto no_replay = errors_of(kTarget + "type: replay\nload: {rate: 1/s, duration: 1s}\n");
    CHECK(has_error(no_replay, "type", "unknown type 'replay'"));
}
