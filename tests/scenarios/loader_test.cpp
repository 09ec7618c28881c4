#include "scenarios/language/loader.hpp"
#include "thresholds/threshold_expr.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <tuple>

using namespace std::chrono_literals;
using namespace volley;
using namespace volley::scenarios;

namespace {

const std::string kHttpTarget = R"(
target:
  http: {base_url: "http://127.0.0.1:8080"}
)";

Plan load(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
    return load_plan_from_string(yaml, "test.yaml", overrides);
}

std::vector<Diagnostic> errors_of(const std::string& yaml,
                                  const std::vector<std::string>& overrides = {}) {
    try {
        (void)load(yaml, overrides);
    } catch (const ScenarioError& error) {
        return error.diagnostics();
    }
    FAIL("expected a ScenarioError");
    return {};
}

const engine::OpenProfile& open_profile(const Plan& plan) {
    REQUIRE(std::holds_alternative<engine::OpenProfile>(plan.run.profile));
    return std::get<engine::OpenProfile>(plan.run.profile);
}

std::vector<std::string> threshold_texts(const Plan& plan) {
    std::vector<std::string> out;
    for (const auto& threshold : plan.thresholds) out.push_back(threshold.expr);
    return out;
}

// The stress step windows of the plan's analysis settings as (start, end, rate).
using Window = std::tuple<Nanos, Nanos, double>;
std::vector<Window> windows_of(const Plan& plan) {
    std::vector<Window> out;
    for (const auto& step : plan.analysis.steps)
        out.emplace_back(step.start, step.end, step.target_rps);
    return out;
}

}  // namespace

TEST_CASE("a constant rate becomes one stage starting at the rate", "[loader]") {
    const Plan plan = load(kHttpTarget + R"(
name: checkout
seed: 42
load: {rate: 100/s, duration: 30s, arrival: poisson, warmup: 5s, drain: 2s, threads: 3,
       max_in_flight: 500}
requests:
  - {name: home, path: /}
)");
    CHECK(plan.name == "checkout");
    CHECK(plan.type == ScenarioType::custom);
    const auto& open = open_profile(plan);
    CHECK(open.start_rps == 100);
    REQUIRE(open.stages.size() == 1);
    CHECK(open.stages[0].duration == 30s);
    CHECK(open.stages[0].target_rps == 100);
    CHECK(open.arrival == engine::Arrival::poisson);
    CHECK(plan.run.warmup == 5s);
    CHECK(plan.run.drain == 2s);
    CHECK(plan.run.threads == 3);
    CHECK(plan.run.max_in_flight == 500);
    CHECK(plan.run.seed == 42);
    CHECK(plan.run.connections == 64);
    CHECK(plan.run.request_names == std::vector<std::string>{"home"});
    CHECK(plan.thresholds.empty());
}

TEST_CASE("the http target reads every key", "[loader]") {
    const Plan plan = load(R"(
target:
  http:
    base_url: https://api.example.com:8443/v1
    connections: 16
    timeout: 3s
    headers: {Authorization: "Bearer x", Accept: application/json}
    tls: {insecure: true, sni: api.example.com}
    cache: {header: X-Cache, hit: [HIT, STALE]}
load: {rate: 10/s, duration: 1m}
thresholds: [cache_hit_rate > 50%]
)");
    const auto& http = std::get<HttpTargetSpec>(plan.target);
    CHECK(http.base_url == "https://api.example.com:8443/v1");
    CHECK(plan.run.connections == 16);
    CHECK(http.request_timeout == 3s);
    CHECK(http.connect_timeout == 3s);  // min(5s, timeout)
    CHECK(plan.run.drain == 3s);        // default drain = request timeout
    REQUIRE(http.headers.size() == 2);
    CHECK(http.headers[0] == Header{"Authorization", "Bearer x"});
    CHECK(http.insecure);
    CHECK_FALSE(http.verify);
    CHECK(http.sni == "api.example.com");
    REQUIRE(http.cache);
    CHECK(http.cache->header == "X-Cache");
    CHECK(http.cache->hit == std::vector<std::string>{"HIT", "STALE"});
    CHECK(plan.requests.size() == 1);  // default GET /
    CHECK(plan.requests[0].name == "default");
}

TEST_CASE("target headers resolve ${env:...} at load time", "[loader]") {
    const Plan plan = load(R"(
target:
  http:
    base_url: http://127.0.0.1:8080
    headers: {Authorization: "Bearer ${env:VOLLEY_TEST_SURELY_UNSET_TOKEN:-fallback}", X-Literal: "$${x}"}
load: {rate: 1/s, duration: 1s}
)");
    const auto& headers = std::get<HttpTargetSpec>(plan.target).headers;
    REQUIRE(headers.size() == 2);
    CHECK(headers[0].second == "Bearer fallback");
    CHECK(headers[1].second == "${x}");
}

TEST_CASE("the resolver target keeps extra keys for the resolver", "[loader]") {
    const Plan plan = load(R"(
target:
  resolver:
    backend: embedded
    instances: 3
    l1_capacity: 500
    pg_pool_size: 12
    connections: 8
    dataset: {entities: 2000, fanout: 5, depth: 8}
load: {rate: 10/s, duration: 10s}
requests: [{path: /entities/entity_000001/ancestors}]
thresholds: [served_by.L1 > 50%]
)");
    const auto& resolver = std::get<ResolverTargetSpec>(plan.target);
    CHECK(resolver.instances == 3);
    CHECK(resolver.l1_capacity == 500);
    CHECK(resolver.pg_pool_size == 12);
    CHECK(resolver.entities == 2000);
    CHECK(resolver.fanout == 5);
    CHECK(resolver.depth == 8);
    CHECK(resolver.backend == ResolverBackend::embedded);
    CHECK(resolver.dataset == ResolverDataset::generated);
    CHECK(plan.analysis.connections_key == "target.resolver.connections");
    CHECK(plan.run.connections == 8);
    CHECK(plan.requests[0].name == "GET /entities/entity_000001/ancestors");
}

TEST_CASE("the resolver dataset can be named, and typos of known keys are refused", "[loader]") {
    const std::string base = "load: {rate: 1/s, duration: 1s}\nrequests: [{path: /x}]\n";
    const Plan plan = load(base + "target: {resolver: {dataset: geo_seed}}\n");
    CHECK(std::get<ResolverTargetSpec>(plan.target).dataset == ResolverDataset::geo_seed);
    const Plan none = load(base + "target: {resolver: {dataset: none}}\n");
    CHECK(std::get<ResolverTargetSpec>(none.target).dataset == ResolverDataset::none);
    const auto unknown_dataset = errors_of(base + "target: {resolver: {dataset: big}}\n");
    REQUIRE(unknown_dataset.size() == 1);
    CHECK(unknown_dataset[0].key == "target.resolver.dataset");
    CHECK(unknown_dataset[0].line == 3);
    CHECK_THAT(unknown_dataset[0].message, Catch::Contains("unknown dataset 'big'"));
    const auto typo = errors_of(base + "target: {resolver: {instance: 2}}\n");
    REQUIRE(typo.size() == 1);
    CHECK(typo[0].key == "target.resolver.instance");
    CHECK_THAT(typo[0].message, Catch::Contains("did you mean 'instances'"));
    // Keys the resolver target does not read are refused (they used to be kept as text and
    // silently ignored).
    const auto unread = errors_of(base + "target: {resolver: {l2_ttl: 10m, pool: {size: 2}}}\n");
    REQUIRE(unread.size() == 2);
    CHECK(unread[0].key == "target.resolver.l2_ttl");
    CHECK(unread[0].line == 3);
    CHECK(unread[0].column > 1);
    CHECK_THAT(unread[0].message, Catch::Contains("unknown key 'l2_ttl'"));
    CHECK(unread[1].key == "target.resolver.pool");
}

TEST_CASE("stages ramp from start_rate", "[loader]") {
    const Plan plan = load(kHttpTarget + R"(
load:
  start_rate: 10/s
  stages:
    - {duration: 10s, rate: 100/s}
    - {duration: 1m, rate: 6000/m}
    - {duration: 5s, rate: 0}
)");
    const auto& open = open_profile(plan);
    CHECK(open.start_rps == 10);
    REQUIRE(open.stages.size() == 3);
    CHECK(open.stages[1].duration == 1min);
    CHECK(open.stages[1].target_rps == Approx(100));
    CHECK(open.stages[2].target_rps == 0);
}

TEST_CASE("virtual users map into the closed profile", "[loader]") {
    const Plan plan = load(kHttpTarget + R"(
load: {vus: 20, duration: 2m, think: {uniform: [1s, 3s]}, pacing: 5s}
thresholds: [throughput > 10/s]
)");
    REQUIRE(std::holds_alternative<engine::ClosedProfile>(plan.run.profile));
    const auto& closed = std::get<engine::ClosedProfile>(plan.run.profile);
    CHECK(closed.vus == 20);
    CHECK(closed.duration == 2min);
    CHECK(closed.think.kind == engine::ThinkKind::uniform);
    CHECK(closed.think.min == 1s);
    CHECK(closed.think.max == 3s);
    CHECK(closed.pacing == 5s);
    CHECK(plan.run.connections == 20);

    const auto constant = load(kHttpTarget + "load: {vus: 1, duration: 1s, think: 500ms}\n");
    CHECK(std::get<engine::ClosedProfile>(constant.run.profile).think.kind ==
          engine::ThinkKind::constant);
    const auto exponential =
        load(kHttpTarget + "load: {vus: 1, duration: 1s, think: {exponential: 2s}}\n");
    const auto& think = std::get<engine::ClosedProfile>(exponential.run.profile).think;
    CHECK(think.kind == engine::ThinkKind::exponential);
    CHECK(think.mean == 2s);
}

TEST_CASE("type presets fill the profile, thresholds and analysis", "[loader][types]") {
    SECTION("smoke: 5/s for 30 s, error_rate == 0") {
        const Plan plan = load(kHttpTarget + "type: smoke\n");
        const auto& open = open_profile(plan);
        CHECK(open.start_rps == 5);
        REQUIRE(open.stages.size() == 1);
        CHECK(open.stages[0].duration == 30s);
        CHECK(threshold_texts(plan) == std::vector<std::string>{"error_rate == 0"});
        CHECK(plan.thresholds[0].file == "(type: smoke default)");
    }
    SECTION("load: ramps over the first tenth, then holds") {
        const Plan plan = load(kHttpTarget + "type: load\nload: {rate: 400/s, duration: 100s}\n");
        const auto& open = open_profile(plan);
        CHECK(open.start_rps == 0);
        REQUIRE(open.stages.size() == 2);
        CHECK(open.stages[0].duration == 10s);
        CHECK(open.stages[0].target_rps == 400);
        CHECK(open.stages[1].duration == 90s);
        CHECK(open.stages[1].target_rps == 400);
        CHECK(plan.analysis.type == ScenarioType::load);
        CHECK(plan.analysis.hold_start == 10s);
        CHECK(threshold_texts(plan) == std::vector<std::string>{"error_rate < 1%", "p(99) < 1s",
                                                                "throughput >= 95% target"});
    }
    SECTION("stress: a staircase of ramp + hold, windows recorded") {
        const Plan plan = load(kHttpTarget + R"(
type: stress
load: {max_rate: 300/s, steps: 3, step_ramp: 5s, step_duration: 20s}
)");
        const auto& open = open_profile(plan);
        REQUIRE(open.stages.size() == 6);
        CHECK(open.stages[0].duration == 5s);
        CHECK(open.stages[0].target_rps == 100);
        CHECK(open.stages[1].duration == 20s);
        CHECK(open.stages[1].target_rps == 100);
        CHECK(open.stages[5].target_rps == 300);
        CHECK(windows_of(plan) ==
              std::vector<Window>{{5s, 25s, 100}, {30s, 50s, 200}, {55s, 75s, 300}});
        // step_ramp 0s: each step is a jump and its hold holds (a zero stage is a step).
        const Plan steps = load(kHttpTarget + R"(
type: stress
load: {max_rate: 300/s, steps: 3, step_ramp: 0s, step_duration: 20s}
)");
        const auto& stepped = open_profile(steps);
        REQUIRE(stepped.stages.size() == 6);
        CHECK(stepped.stages[0].duration == 0s);
        CHECK(stepped.stages[2].target_rps == 200);
        CHECK(engine::target_rps_at(stepped, 20s + 1ms) == Approx(200));
        CHECK(windows_of(steps) ==
              std::vector<Window>{{0s, 20s, 100}, {20s, 40s, 200}, {40s, 60s, 300}});
    }
    SECTION("spike: baseline, x factor within spike_ramp, baseline") {
        const Plan plan = load(kHttpTarget + R"(
type: spike
load: {baseline: 50/s, factor: 8, baseline_before: 10s, spike_ramp: 2s, spike_duration: 6s,
       baseline_after: 30s}
)");
        const auto& open = open_profile(plan);
        CHECK(open.start_rps == 50);
        REQUIRE(open.stages.size() == 5);
        CHECK(open.stages[1].duration == 2s);
        CHECK(open.stages[1].target_rps == 400);
        CHECK(open.stages[3].target_rps == 50);
        CHECK(plan.analysis.spike_start == 10s);
        CHECK(plan.analysis.spike_peak_start == 12s);
        CHECK(plan.analysis.spike_peak_end == 18s);
        CHECK(plan.analysis.spike_end == Nanos{20s});
        CHECK(plan.analysis.baseline_rps == 50);
        CHECK(plan.analysis.spike_rps == 400);
    }
    SECTION("soak: long steady hold with a short ramp") {
        const Plan plan = load(kHttpTarget + "type: soak\n");
        const auto& open = open_profile(plan);
        REQUIRE(open.stages.size() == 2);
        CHECK(open.stages[0].duration == 2min);
        CHECK(open.stages[0].duration + open.stages[1].duration == 1h);
        CHECK(plan.analysis.hold_start == 2min);
        // A tenth of the 58 min hold, in whole seconds.
        CHECK(plan.analysis.drift_window == 348s);
    }
    SECTION("a written threshold replaces the preset one on the same metric") {
        const Plan plan =
            load(kHttpTarget + "type: load\nthresholds: [error_rate < 0.1%, p(95) < 20ms]\n");
        CHECK(threshold_texts(plan) ==
              std::vector<std::string>{"p(99) < 1s", "throughput >= 95% target",
                                       "error_rate < 0.1%", "p(95) < 20ms"});
    }
    SECTION("default_thresholds: false drops the presets") {
        const Plan plan = load(kHttpTarget + "type: load\ndefault_thresholds: false\n");
        CHECK(plan.thresholds.empty());
    }
    SECTION("stages under type spike give the spike windows") {
        const Plan plan = load(kHttpTarget + R"(
type: spike
load:
  stages: [{duration: 10s, rate: 100/s}, {duration: 2s, rate: 1000/s}, {duration: 10s, rate: 1000/s},
           {duration: 2s, rate: 100/s}, {duration: 20s, rate: 100/s}]
)");
        CHECK(plan.analysis.baseline_rps == 100);
        CHECK(plan.analysis.spike_rps == 1000);
        CHECK(plan.analysis.spike_start == 10s);
        CHECK(plan.analysis.spike_peak_start == 12s);
        CHECK(plan.analysis.spike_peak_end == 22s);
        CHECK(plan.analysis.spike_end == Nanos{24s});
    }
    SECTION("stages under type stress give the step windows from the holds") {
        const Plan plan = load(kHttpTarget + R"(
type: stress
load:
  stages: [{duration: 5s, rate: 100/s}, {duration: 10s, rate: 100/s}, {duration: 5s, rate: 200/s},
           {duration: 10s, rate: 200/s}]
)");
        CHECK(windows_of(plan) == std::vector<Window>{{5s, 15s, 100}, {20s, 30s, 200}});
    }
}

TEST_CASE("the analysis settings are filled for every type, typed", "[loader][types]") {
    SECTION("no type: nothing to analyse beyond the common figures") {
        const Plan plan = load(kHttpTarget + "load: {rate: 10/s, duration: 10s}\n");
        CHECK(plan.analysis.type == ScenarioType::custom);
        CHECK(plan.analysis.steps.empty());
        CHECK_FALSE(plan.analysis.spike_end.has_value());
        CHECK(plan.analysis.connections_key == "target.http.connections");
    }
    SECTION(
        "soak: hold after the written ramp, drift window a tenth of the hold within 10 s..10 min") {
        const Plan plan =
            load(kHttpTarget + "type: soak\nload: {rate: 50/s, duration: 60s, ramp_up: 20s}\n");
        CHECK(plan.analysis.type == ScenarioType::soak);
        CHECK(plan.analysis.hold_start == 20s);
        CHECK(plan.analysis.drift_window == 10s);  // 40 s / 10 = 4 s, at least 10 s
        const Plan long_soak = load(kHttpTarget + "type: soak\nload: {duration: 10h}\n");
        CHECK(long_soak.analysis.drift_window == 10min);
    }
    SECTION("stress and spike presets over --set") {
        const Plan stress =
            load(kHttpTarget + "type: stress\n", {"load.steps=2", "load.step_duration=30s"});
        CHECK(windows_of(stress) == std::vector<Window>{{10s, 40s, 500}, {50s, 80s, 1000}});
        const Plan spike = load(kHttpTarget + "type: spike\n");
        CHECK(spike.analysis.spike_start == 30s);
        CHECK(spike.analysis.spike_peak_start == 35s);
        CHECK(spike.analysis.spike_peak_end == 65s);
        CHECK(spike.analysis.spike_end == Nanos{70s});
        CHECK(spike.analysis.spike_rps == 1000);
    }
    SECTION("a bad preset key is reported where it was written, and no plan is made") {
        const auto errors = errors_of(
            kHttpTarget + "type: stress\nload: {max_rate: 300/s, steps: 3, step_duration: soon}\n");
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].file == "test.yaml");
        CHECK(errors[0].key == "load.step_duration");
        CHECK(errors[0].line == 5);
        CHECK(errors[0].column == 50);  // the value `soon`
        CHECK_THAT(format_diagnostic(errors[0]),
                   Catch::StartsWith("test.yaml:5:50: load.step_duration: "));
    }
}

TEST_CASE("threshold maps keep scope, window and abort settings", "[loader][thresholds]") {
    const Plan plan = load(kHttpTarget + R"(
requests:
  - {name: login, method: post, path: /login, body: '{"u":"x"}', weight: 1, expect: {status: [200, 401]}}
  - {name: home, path: /, weight: 3, expect: {status: 200}}
load: {rate: 10/s, duration: 10s}
thresholds:
  - p(95) < 200ms
  - expr: error_rate < 1%
    request: login
    window: 10s
    abort_on_fail: true
    delay_abort: 30s
)");
    REQUIRE(plan.thresholds.size() == 2);
    const auto& scoped = plan.thresholds[1];
    CHECK(scoped.expr == "error_rate < 1%");
    CHECK(scoped.request == "login");
    CHECK(scoped.window == 10s);
    CHECK(scoped.abort_on_fail);
    CHECK(scoped.delay_abort == 30s);
    CHECK(scoped.file == "test.yaml");
    CHECK(scoped.line == 11);
    CHECK(scoped.column == 11);
    CHECK(plan.requests[0].method == "POST");
    CHECK(plan.requests[0].expect_status == std::vector<int>{200, 401});
    CHECK(plan.requests[1].expect_status == std::vector<int>{200});
    CHECK(plan.requests[1].weight == 3);
}

TEST_CASE("--set overrides any key before validation", "[loader][overrides]") {
    const std::string yaml = R"(
target:
  resolver: {backend: embedded}
load: {rate: 10/s, duration: 30s}
requests:
  - {name: a, path: /a}
  - {name: b, path: /b}
)";
    SECTION("scalars") {
        const Plan plan = load(yaml, {"load.duration=8h", "load.rate=250/s", "name=nightly"});
        CHECK(open_profile(plan).stages.at(0).duration == 8h);
        CHECK(open_profile(plan).stages.at(0).target_rps == 250);
        CHECK(plan.name == "nightly");
    }
    SECTION("list items by index, and appending") {
        const Plan plan = load(yaml, {"requests[1].path=/b2", "requests[2]={name: c, path: /c}"});
        REQUIRE(plan.requests.size() == 3);
        CHECK(plan.requests[1].path == "/b2");
        CHECK(plan.requests[2].name == "c");
    }
    SECTION("switching target kind drops the other one") {
        const Plan plan = load(yaml, {"target.http.base_url=http://127.0.0.1:9000"});
        REQUIRE(std::holds_alternative<HttpTargetSpec>(plan.target));
        CHECK(std::get<HttpTargetSpec>(plan.target).base_url == "http://127.0.0.1:9000");
    }
    SECTION("creating maps on the way and removing keys") {
        const Plan plan = load(yaml, {"output.dir=/tmp/x", "load.rate=~", "load.vus=5"});
        CHECK(plan.output.dir == "/tmp/x");
        CHECK(std::holds_alternative<engine::ClosedProfile>(plan.run.profile));
    }
    SECTION("a bad value is reported at the override") {
        const auto errors = errors_of(yaml, {"load.rate=-5"});
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].file == "--set load.rate=-5");
        CHECK(errors[0].key == "load.rate");
        CHECK(errors[0].line == 0);
        CHECK_THAT(errors[0].message, Catch::Contains("negative"));
        CHECK(format_diagnostic(errors[0]) ==
              "--set load.rate=-5: load.rate: rate '-5' is negative");
    }
    SECTION("malformed overrides") {
        CHECK_THAT(errors_of(yaml, {"load.rate"})[0].message, Catch::Contains("key.path=value"));
        CHECK_THAT(errors_of(yaml, {"load..rate=1"})[0].message, Catch::Contains("not a key path"));
        CHECK_THAT(errors_of(yaml, {"requests[7]={path: /x}"})[0].message, Catch::Contains("gap"));
        CHECK_THAT(errors_of(yaml, {"requests[7].path=/x"})[0].message,
                   Catch::Contains("no item [7]"));
        CHECK_THAT(errors_of(yaml, {"load.rate.x=1"})[0].message, Catch::Contains("not a map"));
    }
}

TEST_CASE("every problem of a file is reported at once, located", "[loader]") {
    const auto errors = errors_of(R"(name: x
target:
  http: {base_url: "ftp://x", connections: 0}
load:
  rate: -3/s
  duration: 30
requests:
  - {path: /a, weight: 0, colour: red}
)");
    REQUIRE(errors.size() == 6);
    auto has = [&](int line, int column, const std::string& key, const std::string& text) {
        return std::any_of(errors.begin(), errors.end(), [&](const Diagnostic& d) {
            return d.line == line && d.column == column && d.key == key &&
                   d.message.find(text) != std::string::npos;
        });
    };
    CHECK(has(3, 20, "target.http.base_url", "http:// or https://"));
    CHECK(has(3, 44, "target.http.connections", "between 1 and"));
    CHECK(has(5, 9, "load.rate", "negative"));
    CHECK(has(6, 13, "load.duration", "no unit"));
    CHECK(has(8, 27, "requests[0].colour", "unknown key"));
    CHECK(has(8, 24, "requests[0].weight", "more than 0"));
}

TEST_CASE("a UTF-8 byte-order mark before the YAML is accepted; positions stay right", "[loader]") {
    const std::string bom = "\xEF\xBB\xBF";
    const Plan plan =
        load(bom + "name: with-bom" + kHttpTarget + "load: {rate: 10/s, duration: 5s}\n");
    CHECK(plan.name == "with-bom");
    const auto errors =
        errors_of(bom + "name: x" + kHttpTarget + "load: {rate: -3/s, duration: 5s}\n");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].key == "load.rate");
    CHECK(errors[0].line == 4);
    CHECK(errors[0].column == 14);
    // The first line's columns do not count the mark either.
    const auto first_line =
        errors_of(bom + "type: nope" + kHttpTarget + "load: {rate: 10/s, duration: 5s}\n");
    REQUIRE(first_line.size() == 1);
    CHECK(first_line[0].key == "type");
    CHECK(first_line[0].line == 1);
    CHECK(first_line[0].column == 7);
}

TEST_CASE("YAML syntax errors become one located diagnostic", "[loader]") {
    const auto errors = errors_of("name: x\nload: {rate: 10/s\n");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line >= 2);
    CHECK_THAT(errors[0].message, Catch::Contains("YAML syntax error"));
}

TEST_CASE("the shipped scenarios validate", "[loader][shipped]") {
    const std::string dir = std::string(VOLLEY_SOURCE_DIR) + "/scenarios/";
    for (const char* name : {"smoke", "load", "stress", "spike", "soak"}) {
        INFO(name);
        const Plan plan = load_plan(dir + name + ".yaml", {});
        CHECK(plan.name == name);
        CHECK(scenario_type_name(plan.type) == name);
        CHECK(std::holds_alternative<ResolverTargetSpec>(plan.target));
        REQUIRE(plan.variables.size() == 1);
        const auto& zipf = std::get<ZipfFeeder>(plan.variables[0].source);
        CHECK(zipf.n == 10000);
        CHECK(zipf.format == "entity_%06d");
        // Short by default: smoke 10..30 s, the others at most 60 s.
        const auto& open = std::get<engine::OpenProfile>(plan.run.profile);
        Nanos total{0};
        for (const auto& stage : open.stages) total += stage.duration;
        if (std::string(name) == "smoke")
            CHECK((total >= 10s && total <= 30s));
        else
            CHECK(total <= 60s);
        CHECK_FALSE(plan.thresholds.empty());
        for (const auto& threshold : plan.thresholds)
            CHECK_NOTHROW(thresholds::parse_threshold_expr(threshold.expr));
    }
    const Plan nightly = load_plan(dir + "soak.yaml", {"load.duration=8h"});
    Nanos total{0};
    for (const auto& stage : std::get<engine::OpenProfile>(nightly.run.profile).stages)
        total += stage.duration;
    CHECK(total == 8h);
}

TEST_CASE("validate_files prints every diagnostic and returns 2 on any error", "[validate]") {
    const std::string dir = std::string(VOLLEY_SOURCE_DIR) + "/scenarios/";
    std::ostringstream ok_out;
    CHECK(validate_files({dir + "smoke.yaml", dir + "load.yaml"}, ok_out) == 0);
    CHECK_THAT(ok_out.str(), Catch::Contains("smoke.yaml: ok"));
    CHECK_THAT(ok_out.str(), Catch::Contains("load.yaml: ok"));

    const std::string broken = std::string(VOLLEY_FIXTURES_DIR) + "/scenarios/broken/";
    std::ostringstream bad_out;
    CHECK(validate_files({dir + "smoke.yaml", broken + "negative_rate.yaml", "/nonexistent.yaml"},
                         bad_out) == 2);
    CHECK_THAT(bad_out.str(), Catch::Contains("negative_rate.yaml:"));
    CHECK_THAT(bad_out.str(), Catch::Contains("load.rate: rate '-100/s' is negative"));
    CHECK_THAT(bad_out.str(), Catch::Contains("/nonexistent.yaml: cannot read the file"));
}

TEST_CASE("the complete examples in docs/scenarios.md validate", "[loader][docs]") {
    // A ```yaml block whose first line is "# <name>.yaml" is a complete scenario.
    std::ifstream in(std::string(VOLLEY_SOURCE_DIR) + "/docs/scenarios.md");
    REQUIRE(in);
    std::string line, block, name;
    bool in_block = false;
    std::size_t examples = 0;
    const std::regex title(R"(# ([a-z_-]+\.yaml))");
    while (std::getline(in, line)) {
        if (!in_block && line == "```yaml") {
            in_block = true;
            block.clear();
            name.clear();
            continue;
        }
        if (in_block && line == "```") {
            in_block = false;
            if (name.empty()) continue;
            INFO(name << ":\n" << block);
            ++examples;
            try {
                (void)load_plan_from_string(
                    block, std::string(VOLLEY_FIXTURES_DIR) + "/scenarios/valid/" + name, {});
            } catch (const ScenarioError& error) {
                FAIL(error.what());
            }
            continue;
        }
        if (in_block) {
            std::smatch match;
            if (block.empty() && std::regex_match(line, match, title)) name = match[1];
            block += line + "\n";
        }
    }
    CHECK(examples >= 6);
}
