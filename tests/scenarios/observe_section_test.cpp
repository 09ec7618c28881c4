// The observe: section (docs/observe.md) and `observed.*` thresholds as the loader reads them.
#include "scenarios/language/loader.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace volley;
using namespace volley::scenarios;

namespace {

const std::string kBase = R"(
target:
  http: {base_url: "http://127.0.0.1:8080"}
load: {rate: 10/s, duration: 5s}
)";

Plan load(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
    return load_plan_from_string(kBase + yaml, "test.yaml", overrides);
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

bool has_error(const std::vector<Diagnostic>& errors, int line, const std::string& key,
               const std::string& part) {
    return std::any_of(errors.begin(), errors.end(), [&](const Diagnostic& d) {
        return d.line == line && d.key == key && d.message.find(part) != std::string::npos;
    });
}

}  // namespace

TEST_CASE("observe: every source is read into the typed spec") {
    const Plan plan = load(R"(
observe:
  timeout: 250ms
  prometheus:
    - http://127.0.0.1:9100/metrics
    - {url: "http://127.0.0.1:8080/metrics", metrics: [resolver_requests_total, rss_bytes]}
  redis: {url: "redis://127.0.0.1:6379", key_patterns: ["anc:*"], scan_limit: 5000, key_sample: 50}
  postgres: {url: "postgresql://volley@127.0.0.1:5432/volley", n_plus_one: 3, statements: 7}
  process: {name: postgres}
)");
    const auto& spec = plan.observe;
    CHECK(spec.timeout == std::chrono::milliseconds(250));
    REQUIRE(spec.prometheus.size() == 2);
    CHECK(spec.prometheus[0].url == "http://127.0.0.1:9100/metrics");
    CHECK(spec.prometheus[0].metrics.empty());
    CHECK(spec.prometheus[1].metrics ==
          std::vector<std::string>{"resolver_requests_total", "rss_bytes"});
    REQUIRE(spec.redis);
    CHECK(spec.redis->key_patterns == std::vector<std::string>{"anc:*"});
    CHECK(spec.redis->scan_limit == 5000);
    CHECK(spec.redis->key_sample == 50);
    REQUIRE(spec.postgres);
    CHECK(spec.postgres->n_plus_one_calls_per_request == 3);
    CHECK(spec.postgres->statements_kept == 7);
    REQUIRE(spec.process);
    CHECK(spec.process->name == "postgres");
    CHECK_FALSE(spec.process->pid);
}

TEST_CASE("observe: is not part of the scenario's identity") {
    const Plan plain = load("");
    const Plan observed = load("observe: {process: {pid: 1}}\n");
    CHECK(plain.scenario_hash == observed.scenario_hash);
    CHECK(plain.observe.empty());
}

TEST_CASE("a malformed observe: section is refused at file:line:col with its key") {
    // kBase has 4 lines (its first is empty), so the section starts on line 5.
    const auto errors = errors_of(R"(observe:
  redis: {url: "http://127.0.0.1:6379"}
  postgres: {url: "postgresql://x@127.0.0.1/db", n_plus_1: 3}
  process: {pid: 12, name: postgres}
  prometheus: [{url: "127.0.0.1:9100"}]
  timout: 1s
)");
    CHECK(has_error(errors, 6, "observe.redis.url", "not a URL this source reads"));
    CHECK(has_error(errors, 7, "observe.postgres.n_plus_1", "n_plus_one"));
    CHECK(has_error(errors, 8, "observe.process", "exactly one of pid"));
    CHECK(has_error(errors, 9, "observe.prometheus[0].url", "not a URL"));
    CHECK(has_error(errors, 10, "observe.timout", "timeout"));
    for (const auto& error : errors) CHECK(error.column > 0);
}

TEST_CASE("an empty observe: section names what it could hold") {
    const auto errors = errors_of("observe: {}\n");
    CHECK(has_error(errors, 5, "observe", "names no source"));
}

TEST_CASE("observed thresholds name a series the observe: section writes") {
    const Plan plan = load(R"(
observe:
  redis: {url: "redis://127.0.0.1:6379", key_patterns: ["anc:*"]}
  postgres: {url: "postgresql://x@127.0.0.1/db"}
  process: {pid: 1}
requests: [{name: naive, path: /a}]
thresholds:
  - observed.redis.hit_rate > 95%
  - observed.postgres.queries_per_request{request:naive} <= 5
  - observed.process.rss_slope < 10MB/h
  - observed.redis.keys{pattern:anc:*} < 1000
  - {expr: observed.postgres.transactions < 500/s, window: 10s}
)");
    CHECK(plan.thresholds.size() == 5);

    const auto errors = errors_of(R"(
observe:
  redis: {url: "redis://127.0.0.1:6379"}
requests: [{name: naive, path: /a}]
thresholds:
  - observed.redis.hitrate > 95%
  - observed.postgres.queries_per_request <= 5
  - observed.redis.hit_rate_slope < 1/h
  - observed.redis.keys{pattern:x:*} < 10
  - observed.redis.hit_rate{request:naive} > 1%
  - {expr: observed.redis.ops > 10/s, abort_on_fail: true}
  - observed.prom.up > 0
)");
    CHECK(has_error(errors, 10, "thresholds[0]", "writes no series 'hitrate'"));
    CHECK(has_error(errors, 11, "thresholds[1]", "observes no postgres"));
    CHECK(has_error(errors, 12, "thresholds[2]", "no level"));
    CHECK(has_error(errors, 13, "thresholds[3]", "key_patterns does not list 'x:*'"));
    CHECK(has_error(errors, 14, "thresholds[4]", "has no labels"));
    CHECK(has_error(errors, 15, "thresholds[5].abort_on_fail", "judged at the end"));
    CHECK(has_error(errors, 16, "thresholds[6]", "no Prometheus endpoint"));
}

TEST_CASE("--observe flags' overrides build the same spec as the file") {
    const Plan plan = load("", {"observe.redis.url=redis://127.0.0.1:6379",
                                "observe.prometheus=[\"http://127.0.0.1:1/metrics\"]",
                                "observe.process.name=redis-server"});
    REQUIRE(plan.observe.redis);
    CHECK(plan.observe.redis->url == "redis://127.0.0.1:6379");
    REQUIRE(plan.observe.prometheus.size() == 1);
    REQUIRE(plan.observe.process);
    CHECK(plan.observe.process->name == "redis-server");
}

TEST_CASE("observed Prometheus series: a listed family, its quantiles and a summary's parts") {
    const Plan plan = load(R"(
observe:
  prometheus: [{url: "http://127.0.0.1:9100/metrics", metrics: [rpc_seconds, up]}]
thresholds:
  - observed.prom.up > 0
  - observed.prom.rpc_seconds.p99 < 0.2
  - observed.prom.rpc_seconds.mean < 0.1
  - observed.prom.rpc_seconds.rate > 10/s
)");
    CHECK(plan.thresholds.size() == 4);
    const auto errors = errors_of(R"(
observe:
  prometheus: [{url: "http://127.0.0.1:9100/metrics", metrics: [up]}]
thresholds:
  - observed.prom.rpc_seconds.p99 < 0.2
)");
    CHECK(has_error(errors, 9, "thresholds[0]", "lists the metric 'rpc_seconds'"));
}

TEST_CASE("queries per request take a request's tag as their label") {
    const Plan plan = load(R"(
observe: {postgres: {url: "postgresql://x@127.0.0.1/db"}}
requests:
  - {name: a, path: /a, tags: {kind: read}}
  - {name: b, path: /b, tags: {kind: write}}
thresholds:
  - observed.postgres.queries_per_request{kind:read} <= 2
)");
    CHECK(plan.thresholds.size() == 1);
    const auto errors = errors_of(R"(
observe: {postgres: {url: "postgresql://x@127.0.0.1/db"}}
requests:
  - {name: a, path: /a, tags: {kind: read}}
thresholds:
  - observed.postgres.queries_per_request{kind:delete} <= 2
)");
    CHECK(has_error(errors, 10, "thresholds[0]", "no request has the tag kind: delete"));
}
