// Journey checks and extracts against a response (status, headers as received, body): header
// lookup, every check condition and extract source, regex compile errors, and no allocation in
// header_value after warm-up.
#define VOLLEY_ALLOCATION_COUNTERS_ONLY
#include "support/allocation_counting.hpp"

#include "scenarios/language/response_checks.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using volley::scenarios::CheckSpec;
using volley::scenarios::ExtractSpec;
using volley::scenarios::header_value;
using volley::scenarios::HeaderValues;
using volley::scenarios::JsonExtractor;

namespace {

constexpr std::string_view kHeaders =
    "Content-Type: application/json\r\n"
    "server:   demo/1.2  \r\n"
    "Set-Cookie: a=1; Path=/\r\n"
    "X-Empty:\r\n"
    "set-cookie: b=2\n"
    "X-Session: s-42\n"
    "Content-Type: text/plain\n";

constexpr std::string_view kBody =
    R"({"token": "tok\u0065n-9", "user": "alice", "count": 3, "next": null, "id": "id=77"})";

bool check(const CheckSpec& spec, int status = 200, std::string_view headers = kHeaders,
           std::string_view body = kBody) {
    JsonExtractor json;
    return spec.evaluate(status, headers, body, json);
}

std::optional<std::string> extract(const ExtractSpec& spec, int status = 200,
                                   std::string_view headers = kHeaders,
                                   std::string_view body = kBody) {
    JsonExtractor json;
    const auto value = spec.evaluate(status, headers, body, json);
    if (!value) return std::nullopt;
    return std::string(*value);
}

std::string refusal(auto&& build) {
    try {
        build();
    } catch (const std::invalid_argument& error) {
        return error.what();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("header_value: first occurrence, case-insensitive, trimmed", "[response_checks]") {
    CHECK(header_value(kHeaders, "content-type") == "application/json");
    CHECK(header_value(kHeaders, "SERVER") == "demo/1.2");
    CHECK(header_value(kHeaders, "X-Empty") == "");
    CHECK(header_value(kHeaders, "x-session") == "s-42");  // a "\n" line
    CHECK_FALSE(header_value(kHeaders, "X-Missing").has_value());
    CHECK_FALSE(header_value(kHeaders, "Content").has_value());  // whole names only
    CHECK_FALSE(header_value("", "Server").has_value());
    CHECK(header_value("NoColonLine\nA: 1", "A") == "1");  // a last line without newline
    CHECK_FALSE(header_value("A: 1\nB 2\n", "B 2").has_value());
}

TEST_CASE("HeaderValues: every value of a name, in order", "[response_checks]") {
    std::vector<std::string_view> cookies;
    for (std::string_view value : HeaderValues(kHeaders, "Set-Cookie")) cookies.push_back(value);
    CHECK(cookies == std::vector<std::string_view>{"a=1; Path=/", "b=2"});
    std::vector<std::string_view> none;
    for (std::string_view value : HeaderValues(kHeaders, "X-None")) none.push_back(value);
    CHECK(none.empty());
    const HeaderValues types(kHeaders, "content-type");
    CHECK(std::distance(types.begin(), types.end()) == 2);
}

TEST_CASE("checks: status in a set", "[response_checks]") {
    const auto ok = CheckSpec::status_in("ok", {200, 201});
    CHECK(ok.name == "ok");
    CHECK(check(ok, 200));
    CHECK(check(ok, 201));
    CHECK_FALSE(check(ok, 204));
    CHECK_FALSE(check(ok, 0));
}

TEST_CASE("checks: headers exist, are absent, equal, match", "[response_checks]") {
    CHECK(check(CheckSpec::header_exists("has", "x-session")));
    CHECK(check(CheckSpec::header_exists("empty counts", "X-Empty")));
    CHECK_FALSE(check(CheckSpec::header_exists("has", "X-Missing")));
    CHECK(check(CheckSpec::header_exists("absent", "X-Missing", false)));
    CHECK_FALSE(check(CheckSpec::header_exists("absent", "Server", false)));

    CHECK(check(CheckSpec::header_equals("eq", "Server", "demo/1.2")));
    CHECK_FALSE(check(CheckSpec::header_equals("eq", "Server", "Demo/1.2")));  // values exact
    CHECK_FALSE(check(CheckSpec::header_equals("eq", "X-Missing", "")));

    CHECK(check(CheckSpec::header_matches("re", "Server", "demo.*")));
    CHECK(check(CheckSpec::header_matches("re", "Server", "[0-9]\\.[0-9]")));  // search
    CHECK_FALSE(check(CheckSpec::header_matches("re", "Server", "^1\\.2")));
    CHECK_FALSE(check(CheckSpec::header_matches("re", "X-Missing", ".*")));
}

TEST_CASE("checks: body contains, matches, size", "[response_checks]") {
    CHECK(check(CheckSpec::body_contains("c", "alice")));
    CHECK_FALSE(check(CheckSpec::body_contains("c", "bob")));
    CHECK(check(CheckSpec::body_contains("c", "")));
    CHECK(check(CheckSpec::body_matches("m", "tok[a-z\\\\0-9]+")));
    CHECK(check(CheckSpec::body_matches("m", "\"count\": [0-9]+")));
    CHECK_FALSE(check(CheckSpec::body_matches("m", "^alice")));
    CHECK_FALSE(check(CheckSpec::body_matches("m", "x"), 200, kHeaders, ""));

    CHECK(check(CheckSpec::body_size("s", std::nullopt, kBody.size())));
    CHECK_FALSE(check(CheckSpec::body_size("s", std::nullopt, kBody.size() - 1)));
    CHECK(check(CheckSpec::body_size("s", kBody.size(), std::nullopt)));
    CHECK_FALSE(check(CheckSpec::body_size("s", kBody.size() + 1, std::nullopt)));
    CHECK(check(CheckSpec::body_size("s", 0, 0), 204, kHeaders, ""));
}

TEST_CASE("checks: JSON paths exist, are absent, equal", "[response_checks]") {
    CHECK(check(CheckSpec::json_exists("has token", "$.token")));
    CHECK(check(CheckSpec::json_exists("null exists", "$.next")));
    CHECK_FALSE(check(CheckSpec::json_exists("missing", "$.nope")));
    CHECK(check(CheckSpec::json_exists("absent", "$.nope", false)));
    CHECK_FALSE(check(CheckSpec::json_exists("absent", "$.token", false)));
    CHECK_FALSE(check(CheckSpec::json_exists("malformed", "$"), 200, kHeaders, "{oops"));
    CHECK(check(CheckSpec::json_exists("malformed: absent", "$.a", false), 200, kHeaders, "{"));

    CHECK(check(CheckSpec::json_equals("user", "$.user", "alice")));
    CHECK(check(CheckSpec::json_equals("unescaped", "$.token", "token-9")));
    CHECK(check(CheckSpec::json_equals("number as written", "$.count", "3")));
    CHECK_FALSE(check(CheckSpec::json_equals("user", "$.user", "bob")));
    CHECK_FALSE(check(CheckSpec::json_equals("missing", "$.nope", "")));
}

TEST_CASE("extracts: json, header, regex, status, defaults", "[response_checks]") {
    CHECK(extract(ExtractSpec::from_json("token", "$.token")) == "token-9");
    CHECK(extract(ExtractSpec::from_json("count", "$.count")) == "3");
    CHECK_FALSE(extract(ExtractSpec::from_json("x", "$.nope")).has_value());
    CHECK(extract(ExtractSpec::from_json("x", "$.nope", "fallback")) == "fallback");
    CHECK(extract(ExtractSpec::from_json("x", "$.a", "d"), 200, kHeaders, "not json") == "d");

    CHECK(extract(ExtractSpec::from_header("session", "x-session")) == "s-42");
    CHECK_FALSE(extract(ExtractSpec::from_header("x", "X-Missing")).has_value());
    CHECK(extract(ExtractSpec::from_header("x", "X-Missing", "none")) == "none");

    CHECK(extract(ExtractSpec::from_regex("uid", "id=([0-9]+)")) == "77");  // group 1
    CHECK(extract(ExtractSpec::from_regex("whole", "id=[0-9]+")) == "id=77");
    CHECK(extract(ExtractSpec::from_regex("first", "\"([a-z]+)\": \"alice")) == "user");
    CHECK_FALSE(extract(ExtractSpec::from_regex("uid", "uid=([0-9]+)")).has_value());
    CHECK(extract(ExtractSpec::from_regex("uid", "uid=([0-9]+)", "0")) == "0");
    // A group that did not take part in the match is missing.
    CHECK_FALSE(extract(ExtractSpec::from_regex("opt", "(zzz)?alice")).has_value());

    CHECK(extract(ExtractSpec::from_status("code"), 200) == "200");
    CHECK(extract(ExtractSpec::from_status("code"), 404) == "404");
    CHECK(extract(ExtractSpec::from_status("code"), 42) == "42");
    CHECK(extract(ExtractSpec::from_status("code"), 0) == "0");
    CHECK_FALSE(extract(ExtractSpec::from_status("code"), 1000).has_value());
    CHECK(ExtractSpec::from_status("code").variable == "code");
}

TEST_CASE("checks and extracts: bad regexes and paths are refused with the reason",
          "[response_checks]") {
    const std::string bad_regex = refusal([] { CheckSpec::body_matches("m", "tok[a-z"); });
    CHECK(bad_regex.rfind("tok[a-z: ", 0) == 0);
    CHECK(bad_regex.size() > std::string_view("tok[a-z: ").size());
    CHECK(refusal([] {
              CheckSpec::header_matches("m", "Server", "(unclosed");
          }).rfind("(unclosed: ", 0) == 0);
    CHECK(refusal([] { ExtractSpec::from_regex("v", "*"); }).rfind("*: ", 0) == 0);
    CHECK(refusal([] { CheckSpec::json_exists("j", "$.a[x]"); }) ==
          "$.a[x]: index must be an integer");
    CHECK(refusal([] { ExtractSpec::from_json("v", "token"); }) ==
          "token: a JSON path starts with '$'");
}

TEST_CASE("header_value and the JSON and header kinds do not allocate after warm-up",
          "[response_checks][allocation]") {
    const auto header_check = CheckSpec::header_equals("eq", "X-Session", "s-42");
    const auto json_check = CheckSpec::json_equals("user", "$.user", "alice");
    const auto json_extract = ExtractSpec::from_json("token", "$.token");
    const auto header_extract = ExtractSpec::from_header("session", "x-session");
    const auto status_extract = ExtractSpec::from_status("code");
    JsonExtractor json;
    (void)json_extract.evaluate(200, kHeaders, kBody, json);  // warm-up

    std::size_t hits = 0;
    counting = true;
    allocations = 0;
    for (int i = 0; i < 1000; ++i) {
        hits += header_value(kHeaders, "content-type").has_value() ? 1 : 0;
        for (std::string_view value : HeaderValues(kHeaders, "set-cookie")) hits += value.size();
        hits += header_check.evaluate(200, kHeaders, kBody, json) ? 1 : 0;
        hits += json_check.evaluate(200, kHeaders, kBody, json) ? 1 : 0;
        hits += json_extract.evaluate(200, kHeaders, kBody, json)->size();
        hits += header_extract.evaluate(200, kHeaders, kBody, json)->size();
        hits += status_extract.evaluate(200, kHeaders, kBody, json)->size();
    }
    const std::size_t counted = allocations;
    counting = false;
    CHECK(counted == 0);
    CHECK(hits == std::size_t{1000} * (1 + 14 + 1 + 1 + 7 + 4 + 3));

    // The counter itself works in this file (the replacements live in another one).
    counting = true;
    allocations = 0;
    const std::string probe(1000, 'x');
    const std::size_t probe_allocations = allocations;
    counting = false;
    CHECK(probe_allocations >= 1);
}
