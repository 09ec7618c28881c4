// Scenario text must be UTF-8 (docs/scenarios.md "Text"): names reach reports, hlog tags, JUnit
// XML and terminals. An invalid byte is refused at load with file:line:column and the key.
#include "scenarios/language/utf8_text.hpp"
#include "scenarios/language/loader.hpp"

#include <catch2/catch.hpp>

using namespace volley::scenarios;

namespace {

// The diagnostics of loading `yaml` (none when it loads).
std::vector<std::string> problems_of(const std::string& yaml,
                                     const std::vector<std::string>& overrides = {}) {
    try {
        (void)load_plan_from_string(yaml, "utf8.yaml", overrides);
    } catch (const ScenarioError& e) {
        std::vector<std::string> out;
        for (const auto& d : e.diagnostics()) out.push_back(format_diagnostic(d));
        return out;
    }
    return {};
}

const std::string kHead =
    "target: {http: {base_url: \"http://127.0.0.1:8080\"}}\n"
    "load: {rate: 10/s, duration: 10s}\n";

}  // namespace

TEST_CASE("first_invalid_utf8 follows RFC 3629", "[scenarios][utf8]") {
    CHECK_FALSE(first_invalid_utf8("plain ascii").has_value());
    CHECK_FALSE(first_invalid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80").has_value());
    CHECK(first_invalid_utf8("ab\xFF") == 2u);            // never a UTF-8 byte
    CHECK(first_invalid_utf8("a\xC3\x28") == 1u);         // bad continuation
    CHECK(first_invalid_utf8("a\xC3") == 1u);             // truncated
    CHECK(first_invalid_utf8("\xC0\xAF") == 0u);          // overlong '/'
    CHECK(first_invalid_utf8("\xE0\x80\xAF") == 0u);      // overlong, three bytes
    CHECK(first_invalid_utf8("\xED\xA0\x80") == 0u);      // surrogate U+D800
    CHECK(first_invalid_utf8("\xF4\x90\x80\x80") == 0u);  // above U+10FFFF
    CHECK(first_invalid_utf8("\x80") == 0u);              // a lone continuation byte
}

TEST_CASE("names that are not UTF-8 are refused with file:line:column and the key",
          "[scenarios][utf8]") {
    SECTION("a journey and its step") {
        const auto problems = problems_of(kHead +
                                          "journeys:\n"
                                          "  - name: \"shop\xFE\"\n"
                                          "    steps:\n"
                                          "      - {name: \"log\xC3\", path: /login}\n");
        INFO(Catch::Detail::stringify(problems));
        REQUIRE(problems.size() == 2);
        CHECK(
            problems[0].starts_with("utf8.yaml:4:11: journeys[0].name: is not valid UTF-8 "
                                    "(byte 0xFE at offset 4)"));
        CHECK(
            problems[1].starts_with("utf8.yaml:6:16: journeys[0].steps[0].name: is not valid "
                                    "UTF-8 (byte 0xC3 at offset 3)"));
    }
    SECTION("the scenario's name and a header name") {
        const auto problems = problems_of("name: \"run\xFF\"\n" + kHead +
                                          "requests:\n"
                                          "  - name: a\n"
                                          "    path: /\n"
                                          "    headers: {\"X-\xC0\": v}\n");
        INFO(Catch::Detail::stringify(problems));
        REQUIRE(problems.size() == 2);
        CHECK(problems[0].starts_with("utf8.yaml:1:7: name: is not valid UTF-8"));
        CHECK(problems[1].starts_with("utf8.yaml:7:15: requests[0].headers: is not valid UTF-8"));
    }
    SECTION("a value set with --set is located at the override") {
        const auto problems =
            problems_of(kHead + "requests:\n  - {name: a, path: /}\n", {"requests[0].name=b\xFF"});
        INFO(Catch::Detail::stringify(problems));
        REQUIRE(problems.size() == 1);
        CHECK(problems[0].find("is not valid UTF-8") != std::string::npos);
        CHECK(problems[0].starts_with("--set requests[0].name="));
    }
    SECTION("valid UTF-8 names load") {
        CHECK(problems_of(kHead + "requests:\n  - {name: \"caf\xC3\xA9\", path: /}\n").empty());
    }
}
