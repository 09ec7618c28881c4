#include "scenarios/language/request_source.hpp"
#include "scenarios/language/loader.hpp"
#include "scenarios/language/templates.hpp"

#include <catch2/catch.hpp>

#include "support/allocation_counting.hpp"

#include <cstdlib>
#include <map>
#include <new>
#include <set>

using namespace volley;
using namespace volley::scenarios;

namespace {

Plan plan_of(const std::string& yaml) {
    return load_plan_from_string(
        yaml, std::string(VOLLEY_FIXTURES_DIR) + "/scenarios/valid/inline.yaml", {});
}

const std::string kHeader = R"(
target: {http: {base_url: "http://127.0.0.1:8080"}}
load: {rate: 10/s, duration: 10s}
seed: 99
)";

}  // namespace

TEST_CASE("templates render variables in path, headers and body", "[source]") {
    const Plan plan = plan_of(kHeader + R"(
variables:
  id: {type: counter, start: 7, format: "entity_%06d"}
  region: eu-west-1
  token: ${env:VOLLEY_TEST_SURELY_UNSET_TOKEN:-dev-token}
requests:
  - name: put
    method: PUT
    path: /entities/${id}?again=${id}&r=${region}
    headers: {X-Entity: "${id}", Authorization: "Bearer ${token}"}
    body: '{"id": "${id}", "literal": "$${id}"}'
)");
    TemplatedRequestSource source(plan, 0, 1);
    engine::PreparedRequest out;
    REQUIRE(source.next(out));
    CHECK(out.method == "PUT");
    CHECK(out.target == "/entities/entity_000007?again=entity_000007&r=eu-west-1");
    CHECK(out.headers == "X-Entity: entity_000007\r\nAuthorization: Bearer dev-token\r\n");
    CHECK(out.body == R"({"id": "entity_000007", "literal": "${id}"})");
    CHECK(out.static_key == 0);
    CHECK(out.name_index == 0);
    REQUIRE(source.next(out));
    CHECK(out.target == "/entities/entity_000008?again=entity_000008&r=eu-west-1");
}

TEST_CASE("values are encoded for where they land; filters override", "[source][encoding]") {
    const Plan plan = plan_of(kHeader + R"(
variables:
  q: {type: list, values: ["red socks"]}
  amp: {type: list, values: ["a&b=c"]}
  quote: {type: list, values: ['say "hi"\']}
  cafe: {type: list, values: ["café"]}
  slash: {type: list, values: [a/b]}
  n: {type: range, from: 5, to: 5}
  region: eu west
requests:
  - name: json
    method: POST
    path: /items/${slash}/${q}?q=${q}&x=${amp}&raw=${slash|raw}&c=${cafe}&r=${region}&e=${env:VOLLEY_TEST_SURELY_UNSET:-a+b}
    headers: {Content-Type: application/json; charset=utf-8, X-Q: "${q}", X-Enc: "${amp|url}"}
    body: '{"q": "${quote}", "n": ${n}, "c": "${cafe}", "raw": "${q|raw}", "u": "${amp|url}", "e": "x\"${quote}"}'
)");
    TemplatedRequestSource source(plan, 0, 1);
    engine::PreparedRequest out;
    REQUIRE(source.next(out));
    CHECK(out.target ==
          "/items/a%2Fb/red%20socks?q=red%20socks&x=a%26b%3Dc&raw=a/"
          "b&c=caf%C3%A9&r=eu%20west&e=a%2Bb");
    CHECK(
        out.headers ==
        "Content-Type: application/json; charset=utf-8\r\nX-Q: red socks\r\nX-Enc: a%26b%3Dc\r\n");
    CHECK(
        out.body ==
        R"({"q": "say \"hi\"\\", "n": 5, "c": "café", "raw": "red socks", "u": "a%26b%3Dc", "e": "x\"say \"hi\"\\"})");
}

TEST_CASE("bodies: text is raw, forms are percent-encoded, the target's Content-Type counts",
          "[source][encoding]") {
    const Plan plan = plan_of(R"(
target: {http: {base_url: "http://127.0.0.1:8080", headers: {Content-Type: application/problem+json}}}
load: {rate: 10/s, duration: 10s}
variables:
  q: {type: list, values: ['red "socks"']}
requests:
  - {name: inherited, method: POST, path: /a, body: '{"q": "${q}"}'}
  - {name: text, method: POST, path: /b, headers: {Content-Type: text/plain}, body: 'q=${q}'}
  - {name: form, method: POST, path: /c, headers: {content-type: application/x-www-form-urlencoded}, body: 'q=${q}&j=${q|json}'}
)");
    // The body of request `index` alone (the mix draws by weight).
    const auto body_of = [&](std::size_t index) {
        Plan single = plan;
        single.requests = {plan.requests[index]};
        TemplatedRequestSource source(single, 0, 1);
        engine::PreparedRequest out;
        REQUIRE(source.next(out));
        return std::string(out.body);
    };
    CHECK(body_of(0) == R"({"q": "red \"socks\""})");
    CHECK(body_of(1) == R"(q=red "socks")");
    CHECK(body_of(2) == R"(q=red%20%22socks%22&j=red \"socks\")");
}

TEST_CASE("template positions: path then query; JSON string literals across literal parts",
          "[encoding]") {
    const auto path = tokenize_template("/a/${x}?b=${y}&c=${z|raw}");
    const auto path_positions = token_positions(path, Field::path, BodyKind::text);
    REQUIRE(path_positions.size() == 6);
    CHECK(path_positions[1] == Position::path);
    CHECK(path_positions[3] == Position::query);
    CHECK(path[5].filter == Filter::raw);
    CHECK(encoding_for(path_positions[5], path[5].filter) == Encoding::raw);
    const auto body = tokenize_template(R"({"a": "\"${x}", "b": ${y}, "c": "${z}"})");
    const auto body_positions = token_positions(body, Field::body, BodyKind::json);
    REQUIRE(body_positions.size() == 7);
    CHECK(body_positions[1] == Position::json_string);
    CHECK(body_positions[3] == Position::json_value);
    CHECK(body_positions[5] == Position::json_string);
    CHECK(token_positions(body, Field::body, BodyKind::text)[1] == Position::body);
    CHECK(token_positions(body, Field::header, BodyKind::json)[1] == Position::header);
    CHECK_THROWS_WITH(tokenize_template("${x|upper}"), Catch::Contains("unknown filter 'upper'"));
    const auto env = tokenize_template("${env:X:-a|b}");  // '|b' belongs to the default
    CHECK(env[0].env_default == "a|b");
    CHECK(tokenize_template("${env:X:-a|b|url}")[0].filter == Filter::url);
    std::string out;
    append_encoded(out, std::string("\x01\t\xC3\xA9", 4), Encoding::json);
    CHECK(out == "\\u0001\\t\xC3\xA9");
    CHECK_FALSE(placement_problem("a\r\nb", Position::header, Encoding::raw).empty());
    CHECK(placement_problem("a\r\nb", Position::header, Encoding::url).empty());
    CHECK_FALSE(placement_problem("a b", Position::path, Encoding::raw).empty());
    CHECK(placement_problem("a b", Position::body, Encoding::raw).empty());
}

TEST_CASE("requests without templates are static and keyed", "[source]") {
    const Plan plan = plan_of(kHeader + R"(
variables:
  id: {type: counter}
  host: example
requests:
  - {name: templated, path: "/a/${id}", weight: 1}
  - {name: constant_only, path: "/b/${host}", headers: {Accept: text/plain}, weight: 1}
)");
    TemplatedRequestSource source(plan, 0, 1);
    engine::PreparedRequest out;
    bool saw[2] = {false, false};
    for (int i = 0; i < 200; ++i) {
        REQUIRE(source.next(out));
        saw[out.name_index] = true;
        if (out.name_index == 1) {
            CHECK(out.static_key == 2);
            CHECK(out.target == "/b/example");
            CHECK(out.headers == "Accept: text/plain\r\n");
        } else {
            CHECK(out.static_key == 0);
        }
    }
    CHECK(saw[0]);
    CHECK(saw[1]);
}

TEST_CASE("the weighted mix follows the weights and the seed", "[source]") {
    const Plan plan = plan_of(kHeader + R"(
requests:
  - {name: a, path: /a, weight: 3}
  - {name: b, path: /b, weight: 1}
  - {name: c, path: /c, weight: 0.5}
)");
    auto sequence = [&](std::size_t worker) {
        TemplatedRequestSource source(plan, worker, 2);
        engine::PreparedRequest out;
        std::vector<std::uint32_t> names;
        for (int i = 0; i < 45000; ++i) {
            REQUIRE(source.next(out));
            names.push_back(out.name_index);
        }
        return names;
    };
    const auto worker0 = sequence(0);
    CHECK(worker0 == sequence(0));  // deterministic per (seed, worker)
    CHECK(worker0 != sequence(1));  // workers differ
    std::map<std::uint32_t, double> counts;
    for (const auto name : worker0) counts[name] += 1;
    // Expected shares 3/4.5, 1/4.5, 0.5/4.5; 45000 draws: standard errors below 0.3%.
    CHECK(counts[0] / 45000 == Approx(3 / 4.5).margin(0.01));
    CHECK(counts[1] / 45000 == Approx(1 / 4.5).margin(0.01));
    CHECK(counts[2] / 45000 == Approx(0.5 / 4.5).margin(0.01));
}

TEST_CASE("templating does not allocate per request once warmed up", "[source][alloc]") {
    const Plan plan = plan_of(kHeader + R"(
variables:
  id: {type: zipf, n: 10000, format: "entity_%06d"}
  n: {type: counter, start: 1000000}
  page: {type: range, from: 1, to: 50}
  color: {type: list, values: [red, green, blue], mode: random}
  user: {type: csv, file: ../data/users.csv, mode: random}
  trace: {type: uuid}
requests:
  - name: ancestors
    path: /entities/${id}/ancestors?page=${page}
    headers: {X-Trace: "${trace}", X-User: "${user.name}"}
    weight: 5
  - name: post
    method: POST
    path: /orders/${n}
    headers: {Content-Type: application/json}
    body: '{"user": "${user.name}", "password": "${user.password}", "color": "${color}"}'
    weight: 2
  - {name: static, path: /healthz, weight: 1}
)");
    TemplatedRequestSource source(plan, 0, 1);
    engine::PreparedRequest out;
    for (int i = 0; i < 1000; ++i) REQUIRE(source.next(out));  // warm-up

    std::size_t bytes = 0;
    counting = true;
    allocations = 0;
    for (int i = 0; i < 20000; ++i) {
        if (!source.next(out)) break;
        bytes += out.target.size() + out.headers.size() + out.body.size();
    }
    const std::size_t counted = allocations;
    counting = false;
    CHECK(counted == 0);
    CHECK(bytes > std::size_t{20000} * 10);

    // The counter itself works: a fresh string allocates.
    counting = true;
    allocations = 0;
    std::string probe(1000, 'x');
    const std::size_t probe_allocations = allocations;
    counting = false;
    CHECK(probe_allocations >= 1);
}

TEST_CASE("drawing among the requests active at an instant does not allocate",
          "[source][alloc][during]") {
    const Plan plan = plan_of(kHeader + R"(
variables:
  id: {type: zipf, n: 10000, format: "entity_%06d"}
requests:
  - {name: a, path: '/a/${id}', during: [0s, 4s]}
  - {name: b, path: '/b/${id}', during: [2s, 10s], weight: 2}
  - {name: c, path: /c, during: [3s, 10s]}
)");
    TemplatedRequestSource source(plan, 0, 1);
    engine::PreparedRequest out;
    for (int i = 0; i < 1000; ++i) REQUIRE(source.next_at(engine::Nanos{i * 10'000'000LL}, out));
    std::set<std::uint32_t> seen;
    counting = true;
    allocations = 0;
    for (int i = 0; i < 20000; ++i) {
        if (!source.next_at(engine::Nanos{(i % 1000) * 10'000'000LL}, out)) break;
        seen.insert(out.name_index);  // allocates only for the first of each name
    }
    const std::size_t counted = allocations;
    counting = false;
    CHECK(counted <= 3);
    CHECK(seen.size() == 3);
}
