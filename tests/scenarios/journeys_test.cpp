// Journeys in the scenario language and at run time (docs/scenarios.md "journeys"): the loader's
// plan and catalog, and the journey source driven step by step with hand-made responses — values
// extracted and placed, cookies kept, checks and extraction errors counted, repeat/while, once
// and if, feeders drawn once per journey.
#include "scenarios/language/loader.hpp"
#include "scenarios/language/request_source.hpp"

#include <catch2/catch.hpp>

#define VOLLEY_ALLOCATION_COUNTERS_ONLY
#include "support/allocation_counting.hpp"

#include <map>
#include <string>

using namespace volley;
using namespace volley::scenarios;
using Next = engine::FlowDecision::Next;

namespace {

Plan plan_of(const std::string& yaml) {
    return load_plan_from_string(
        yaml, std::string(VOLLEY_FIXTURES_DIR) + "/scenarios/valid/inline.yaml", {});
}

class CountingCounters final : public engine::SourceCounters {
public:
    void count(std::size_t counter, std::uint64_t amount) override { counts[counter] += amount; }
    std::map<std::size_t, std::uint64_t> counts;
};

// A completion carrying a response (the view must outlive the call).
engine::Completion answered(std::uint16_t status, const engine::ResponseView& view,
                            engine::Outcome outcome = engine::Outcome::ok) {
    engine::Completion completion(outcome, 0, status);
    completion.response = &view;
    return completion;
}

const std::string kShop = R"(
target: {http: {base_url: "http://127.0.0.1:8080/api"}}
load: {rate: 10/s, duration: 10s}
variables:
  uid: {type: counter, start: 1}
requests:
  - {name: home, path: /, weight: 0.000001}
journeys:
  - name: shop
    weight: 1000000
    tags: {area: store}
    steps:
      - name: login
        method: POST
        path: /login
        headers: {Content-Type: application/json}
        body: '{"user": "user${uid}"}'
        extract:
          token: {json: $.token}
          sid: {header: X-Session}
        check:
          - {name: got token, json: $.token}
          - {name: is 200, status: 200}
      - name: list
        path: /items?user=${uid}
        auth: {bearer: "${token}"}
        headers: {X-Session: "${sid}"}
        tags: {op: read}
        repeat: 3
        while: $.next
        extract:
          next: {json: $.next, default: ""}
        think: 250ms
      - name: logout
        path: /logout/${uid}
)";

}  // namespace

TEST_CASE("journeys load into steps named journey.step with a catalog", "[journeys]") {
    const Plan plan = plan_of(kShop);
    REQUIRE(plan.journeys.size() == 1);
    CHECK(plan.mix_requests == 1);
    REQUIRE(plan.requests.size() == 4);
    CHECK(plan.requests[1].name == "shop.login");
    CHECK(plan.requests[3].name == "shop.logout");
    CHECK(plan.run.request_names.size() == 4);
    CHECK(plan.run.flow_names == std::vector<std::string>{"shop"});
    const auto& catalog = plan.catalog;
    REQUIRE(catalog.journeys.size() == 1);
    CHECK(catalog.journeys[0].steps == std::vector<std::size_t>{1, 2, 3});
    CHECK_FALSE(catalog.request_journey[0].has_value());
    CHECK(catalog.request_journey[2] == std::optional<std::size_t>(0));
    CHECK(catalog.request_tags[2] ==
          std::vector<thresholds::Tag>{{"area", "store"}, {"op", "read"}});
    REQUIRE(catalog.checks.size() == 2);
    CHECK(catalog.checks[0].name == "got token");
    CHECK(catalog.extract_error_counter[1].has_value());
    CHECK_FALSE(catalog.extract_error_counter[3].has_value());
    CHECK(plan.run.counter_names.size() == 2 * 2 + 2);  // 2 checks, 2 steps that extract
    CHECK(plan.journeys[0].steps[1].think.min == std::chrono::milliseconds(250));
}

TEST_CASE("a journey carries values, cookies and feeders from step to step", "[journeys]") {
    const Plan plan = plan_of(kShop);
    TemplatedRequestSource source(plan, 0, 1);
    CountingCounters counters;
    engine::PreparedRequest out;

    REQUIRE(source.begin(3, out));
    CHECK(out.flow == 0);
    CHECK(out.name_index == 1);
    CHECK(out.capture_response);
    CHECK(out.target == "/login");
    CHECK(out.body == R"({"user": "user1"})");

    const engine::ResponseView login{"X-Session: s-1\nSet-Cookie: sid=abc; Path=/api\n",
                                     R"({"token": "t 1", "user": "user1"})"};
    auto decision = source.after_completion(3, answered(200, login), counters);
    CHECK(decision.next == Next::step);
    CHECK(decision.think == engine::Nanos{0});
    CHECK(counters.counts[plan.catalog.checks[0].pass_counter] == 1);
    CHECK(counters.counts[plan.catalog.checks[1].pass_counter] == 1);

    REQUIRE(source.next_step(3, out));
    CHECK(out.name_index == 2);
    CHECK(out.target == "/items?user=1");  // the same uid as step 1: drawn once per journey
    CHECK(out.headers == "X-Session: s-1\r\nAuthorization: Bearer t 1\r\nCookie: sid=abc\r\n");

    // while: $.next is truthy -> the step again, 250 ms later; then null -> the next step.
    const engine::ResponseView page1{"", R"({"items": [1], "next": "/items?page=2"})"};
    decision = source.after_completion(3, answered(200, page1), counters);
    CHECK(decision.next == Next::step);
    CHECK(decision.think == std::chrono::milliseconds(250));
    REQUIRE(source.next_step(3, out));
    CHECK(out.name_index == 2);
    const engine::ResponseView last{"", R"({"items": [2], "next": null})"};
    decision = source.after_completion(3, answered(200, last), counters);
    CHECK(decision.next == Next::step);
    REQUIRE(source.next_step(3, out));
    CHECK(out.name_index == 3);
    CHECK(out.target == "/logout/1");
    CHECK(source.after_completion(3, answered(200, last), counters).next == Next::end_ok);

    // The next journey (open model) is a new user: next uid, no cookie.
    REQUIRE(source.begin(3, out));
    CHECK(out.body == R"({"user": "user2"})");
    CHECK(out.headers.find("Cookie") == std::string_view::npos);
}

TEST_CASE("repeat bounds a while loop", "[journeys]") {
    const Plan plan = plan_of(kShop);
    TemplatedRequestSource source(plan, 0, 1);
    CountingCounters counters;
    engine::PreparedRequest out;
    REQUIRE(source.begin(0, out));
    const engine::ResponseView login{"X-Session: s\n", R"({"token": "t"})"};
    REQUIRE(source.after_completion(0, answered(200, login), counters).next == Next::step);
    const engine::ResponseView more{"", R"({"next": "/more"})"};
    for (int run = 1; run <= 3; ++run) {
        REQUIRE(source.next_step(0, out));
        CHECK(out.name_index == 2);
        REQUIRE(source.after_completion(0, answered(200, more), counters).next == Next::step);
    }
    REQUIRE(source.next_step(0, out));
    CHECK(out.name_index == 3);  // repeat: 3 reached although next is still set
}

TEST_CASE("a missing value ends the journey as an extract_error of its step", "[journeys]") {
    const Plan plan = plan_of(kShop);
    TemplatedRequestSource source(plan, 0, 1);
    CountingCounters counters;
    engine::PreparedRequest out;
    REQUIRE(source.begin(0, out));
    const engine::ResponseView no_token{"X-Session: s\n", R"({"error": "who?"})"};
    CHECK(source.after_completion(0, answered(200, no_token), counters).next == Next::end_failed);
    CHECK(counters.counts[*plan.catalog.extract_error_counter[1]] == 1);
    CHECK(counters.counts[plan.catalog.checks[0].fail_counter] == 1);  // got token
    CHECK(counters.counts[plan.catalog.checks[1].pass_counter] == 1);  // is 200
}

TEST_CASE("a failed step ends its journey; checks are still counted", "[journeys]") {
    const Plan plan = plan_of(kShop);
    TemplatedRequestSource source(plan, 0, 1);
    CountingCounters counters;
    engine::PreparedRequest out;
    REQUIRE(source.begin(0, out));
    const engine::ResponseView error{"", "busy"};
    CHECK(source.after_completion(0, answered(503, error, engine::Outcome::http_5xx), counters)
              .next == Next::end_failed);
    CHECK(counters.counts[plan.catalog.checks[1].fail_counter] == 1);  // is 200
    CHECK(counters.counts.count(*plan.catalog.extract_error_counter[1]) == 0);
}

TEST_CASE("closed model: once steps run in a virtual user's first journey only", "[journeys]") {
    const Plan plan = plan_of(R"(
target: {http: {base_url: "http://127.0.0.1:8080"}}
load: {vus: 2, duration: 10s}
journeys:
  - name: session
    steps:
      - name: login
        path: /login
        once: true
        extract: {token: {json: $.token}}
      - name: admin
        path: /admin
        if: token
        auth: {basic: {user: admin, password: "${token}"}}
      - name: home
        path: /home
)");
    TemplatedRequestSource source(plan, 0, 1);
    CountingCounters counters;
    engine::PreparedRequest out;
    REQUIRE(source.begin(0, out));
    CHECK(out.target == "/login");
    const engine::ResponseView login{"", R"({"token": "s3cret"})"};
    REQUIRE(source.after_completion(0, answered(200, login), counters).next == Next::step);
    REQUIRE(source.next_step(0, out));
    CHECK(out.target == "/admin");
    CHECK(out.headers == "Authorization: Basic YWRtaW46czNjcmV0\r\n");  // admin:s3cret
    REQUIRE(source.after_completion(0, answered(200, login), counters).next == Next::step);
    REQUIRE(source.next_step(0, out));
    REQUIRE(source.after_completion(0, answered(200, login), counters).next == Next::end_ok);
    // The same VU again: logged in already, the token kept.
    REQUIRE(source.begin(0, out));
    CHECK(out.target == "/admin");
    // Another VU has not logged in.
    REQUIRE(source.begin(1, out));
    CHECK(out.target == "/login");
}

TEST_CASE("after warm-up a journey step allocates nothing for JSON path and header extraction",
          "[journeys]") {
    // Cookies off (the jar may keep new strings); extraction by JSON path and header, a status
    // and a JSON check, a bearer token placed in a header and the path.
    const Plan plan = plan_of(R"(
target: {http: {base_url: "http://127.0.0.1:8080"}}
load: {rate: 10/s, duration: 10s}
journeys:
  - name: api
    cookies: false
    steps:
      - name: login
        path: /login
        extract:
          token: {json: $.auth.token}
          trace: {header: X-Trace}
        check:
          - {name: ok, status: 200}
          - {name: has token, json: $.auth.token}
      - name: use
        path: /items/${token}
        auth: {bearer: "${token}"}
        headers: {X-Trace: "${trace}"}
)");
    TemplatedRequestSource source(plan, 0, 1);
    CountingCounters counters;
    engine::PreparedRequest out;
    const engine::ResponseView login{"Content-Type: application/json\r\nX-Trace: abc-123-a-trace-id-longer-than-small-strings\r\n",
                                     R"({"user": {"name": "x"}, "auth": {"token": "tok-42-a-token-longer-than-any-small-string"}})"};
    const engine::ResponseView done{"", "{}"};
    const auto journey = [&] {
        REQUIRE(source.begin(0, out));
        REQUIRE(source.after_completion(0, answered(200, login), counters).next == Next::step);
        REQUIRE(source.next_step(0, out));
        REQUIRE(source.after_completion(0, answered(200, done), counters).next == Next::end_ok);
    };
    journey();  // warm-up: buffers and per-slot state grow once
    counting = true;
    allocations = 0;
    for (int i = 0; i < 100; ++i) journey();
    const std::size_t counted = allocations;
    counting = false;
    CHECK(counted == 0);
    CHECK(out.target == "/items/tok-42-a-token-longer-than-any-small-string");
    CHECK(out.headers == "X-Trace: abc-123-a-trace-id-longer-than-small-strings\r\nAuthorization: Bearer tok-42-a-token-longer-than-any-small-string\r\n");
    CHECK(counters.counts[plan.catalog.checks[1].pass_counter] == 101);
}
