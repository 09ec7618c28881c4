// The k6 examples translated into volley (docs/k6.md, docs/examples/k6/*.yaml) keep what the
// JavaScript had: the stages' durations and targets, the iteration as a journey with its
// requests in order, every check by name, every threshold. The k6 sources are those of
// github.com/grafana/k6 at commit 87883075ccd5e3d3fb961a860b3d6e422bbc353b:
// examples/stages.js, examples/thresholds.js, README.md ("Example script") and
// examples/thresholds_readme_example.js. Each expectation below quotes the JS it stands for.
#include "scenarios/language/loader.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <variant>
#include <vector>

using namespace volley;
using namespace volley::scenarios;
using namespace std::chrono_literals;

namespace {

std::string example(const std::string& file) {
    return std::string(VOLLEY_SOURCE_DIR) + "/docs/examples/k6/" + file;
}

struct ExpectedStage {
    engine::Nanos duration;
    double rps;
};

void check_stages(const Plan& plan, double start_rps, const std::vector<ExpectedStage>& expected) {
    REQUIRE(std::holds_alternative<engine::OpenProfile>(plan.run.profile));
    const auto& open = std::get<engine::OpenProfile>(plan.run.profile);
    CHECK(open.start_rps == Approx(start_rps));
    REQUIRE(open.stages.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO("stage " << i);
        CHECK(open.stages[i].duration == expected[i].duration);
        CHECK(open.stages[i].target_rps == Approx(expected[i].rps));
    }
}

struct ExpectedStep {
    std::string name, method, path;
    std::vector<std::string> checks;
};

// The single journey "default" (k6's default function) with these steps, in order.
void check_journey(const Plan& plan, const std::vector<ExpectedStep>& expected) {
    REQUIRE(plan.journeys.size() == 1);
    const JourneySpec& journey = plan.journeys[0];
    CHECK(journey.name == "default");
    CHECK(plan.mix_requests == 0);  // no request beside the journey
    REQUIRE(journey.steps.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO("step " << expected[i].name);
        const StepSpec& step = journey.steps[i];
        CHECK(step.name == expected[i].name);
        const RequestSpec& request = plan.requests.at(step.request);
        CHECK(request.name == "default." + expected[i].name);
        CHECK(request.method == expected[i].method);
        CHECK(request.path == expected[i].path);
        std::vector<std::string> check_names;
        for (const CheckRule& check : step.checks) {
            check_names.push_back(check.name);
            // Every status check of these scripts is `r.status === 200` (or `== 200`).
            if (check.kind == CheckKind::status) CHECK(check.statuses == std::vector<int>{200});
        }
        CHECK(check_names == expected[i].checks);
    }
}

std::vector<std::string> threshold_exprs(const Plan& plan) {
    std::vector<std::string> exprs;
    for (const ThresholdSpec& threshold : plan.thresholds) exprs.push_back(threshold.expr);
    return exprs;
}

}  // namespace

TEST_CASE("k6 examples/stages.js: three VU stages and a checked GET", "[k6]") {
    const Plan plan = load_plan(example("stages.yaml"), {});
    CHECK(std::get<HttpTargetSpec>(plan.target).base_url == "http://127.0.0.1:8090");
    // 1 VU = 10/s; k6 starts from 1 VU.
    check_stages(plan, 10,
                 {{10s, 50},  // { duration: "10s", target: 5 }
                  {5s, 50},   // { duration: "5s", target: 5 }
                  {5s, 0}});  // { duration: "5s", target: 0 }
    check_journey(plan, {{"home", "GET", "/", {"status is 200"}}});  // http.get + check
    const CheckRule& check = plan.journeys[0].steps[0].checks[0];
    CHECK(check.kind == CheckKind::status);  // (r) => r.status === 200
    CHECK(check.statuses == std::vector<int>{200});
    CHECK(plan.thresholds.empty());
}

TEST_CASE("k6 examples/thresholds.js: a GET, a form POST and two duration thresholds", "[k6]") {
    const Plan plan = load_plan(example("thresholds.yaml"), {});
    // No load options in the script: k6 runs one iteration of one VU; here one arrival.
    const auto& open = std::get<engine::OpenProfile>(plan.run.profile);
    CHECK(engine::expected_requests(open) == Approx(1));
    check_journey(plan, {{"get", "GET", "/", {}},          // http.get("http://httpbin.org/")
                         {"post", "POST", "/post", {}}});  // http.post(".../post", {data: …})
    const RequestSpec& post = plan.requests.at(plan.journeys[0].steps[1].request);
    CHECK(post.body == "data=some+data");  // k6 form-encodes {data: "some data"}
    CHECK(post.headers ==
          std::vector<Header>{{"Content-Type", "application/x-www-form-urlencoded"}});
    CHECK(threshold_exprs(plan) ==
          std::vector<std::string>{
              "p(95) < 500ms",                    // http_req_duration: ["p(95)<500"]
              "max{step:default.post} < 1000ms",  // "http_req_duration{name:…/post}": ["max<1000"]
          });
}

TEST_CASE("k6 README example: stages, a checked GET, sleep(1), p(99) < 3000", "[k6]") {
    const Plan plan = load_plan(example("readme.yaml"), {});
    // 1 VU = 1/s (one request, then sleep(1)); k6 starts from 1 VU.
    check_stages(plan, 1,
                 {{30s, 15},   // { duration: "30s", target: 15 }
                  {1min, 15},  // { duration: "1m", target: 15 }
                  {20s, 0}});  // { duration: "20s", target: 0 }
    check_journey(plan, {{"home", "GET", "/", {"status was 200"}}});
    CHECK(threshold_exprs(plan) == std::vector<std::string>{"p(99) < 3s"});

    SECTION("the closed model of docs/k6.md: 15 VUs, sleep(1) as think time") {
        const Plan closed =
            load_plan(example("readme.yaml"), {"load.stages=~", "load.start_rate=~", "load.vus=15",
                                               "load.duration=1m50s", "load.think=1s"});
        REQUIRE(std::holds_alternative<engine::ClosedProfile>(closed.run.profile));
        const auto& users = std::get<engine::ClosedProfile>(closed.run.profile);
        CHECK(users.vus == 15);
        CHECK(users.duration == 110s);  // 30s + 1m + 20s
        CHECK(users.think.kind == engine::ThinkKind::constant);
        CHECK(users.think.min == 1s);  // sleep(1)
    }
}

TEST_CASE("k6 examples/thresholds_readme_example.js: stages, a group, tagged thresholds", "[k6]") {
    const Plan plan = load_plan(example("thresholds-readme.yaml"), {});
    // 1 VU = 15/m (one iteration of about 4 s); k6 starts from 1 VU.
    check_stages(plan, 0.25,
                 {{1min, 12.5},  // { target: 50, duration: "1m" }
                  {210s, 12.5},  // { target: 50, duration: "3m30s" }
                  {30s, 0}});    // { target: 0, duration: "30s" }
    check_journey(plan, {{"home", "GET", "/test.k6.io/", {"status is 200", "content is present"}},
                         // group("Static Assets"): the batch, one request after the other
                         {"site-css",
                          "GET",
                          "/test.k6.io/static/css/site.css",
                          {"Static Assets: status is 200 (site.css)"}},
                         {"favicon",
                          "GET",
                          "/test.k6.io/static/favicon.ico",
                          {"Static Assets: status is 200 (favicon.ico)"}},
                         {"prisms-js", "GET", "/test.k6.io/static/js/prisms.js", {}}});
    const auto& steps = plan.journeys[0].steps;
    CHECK(steps[0].checks[1].kind == CheckKind::body_contains);
    CHECK(steps[0].checks[1].subject == "This is a replacement of the service ");
    for (std::size_t i = 1; i < 4; ++i) {  // { tags: { staticAsset: "yes" } } and the group
        CHECK(plan.requests.at(steps[i].request).tags ==
              std::vector<thresholds::Tag>{{"staticAsset", "yes"}, {"group", "Static_Assets"}});
    }
    CHECK(plan.requests.at(steps[0].request).tags.empty());
    CHECK(threshold_exprs(plan) == std::vector<std::string>{
                                       "p(95) < 750ms",                   // "p(95)<750"
                                       "p(99){staticAsset:yes} < 500ms",  // {staticAsset:yes}
                                       "checks > 99%",                    // "rate<0.01"
                                       "checks >= 95%",                   // "rate<=0.05"
                                   });
    CHECK_FALSE(plan.thresholds[2].abort_on_fail);
    CHECK(plan.thresholds[3].abort_on_fail);  // abortOnFail: true

    SECTION("the closed model of docs/k6.md: sleep(2..5 s) as think time") {
        const Plan closed = load_plan(example("thresholds-readme.yaml"),
                                      {"load.stages=~", "load.start_rate=~", "load.vus=50",
                                       "load.duration=5m", "load.think={uniform: [2s, 5s]}"});
        const auto& users = std::get<engine::ClosedProfile>(closed.run.profile);
        CHECK(users.vus == 50);
        CHECK(users.think.kind == engine::ThinkKind::uniform);  // Math.random() * 3 + 2
        CHECK(users.think.min == 2s);
        CHECK(users.think.max == 5s);
    }
}
