// JSON paths: compiling the supported subset (and refusing the rest with the reason), and the
// scanning extractor: values by kind, escapes, skipping, malformed and hostile input, truthiness,
// and no allocation after warm-up.
#define VOLLEY_ALLOCATION_COUNTERS_ONLY
#include "support/allocation_counting.hpp"

#include "scenarios/language/json_path.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

using volley::scenarios::compile_json_path;
using volley::scenarios::JsonExtractor;
using volley::scenarios::JsonKind;
using volley::scenarios::JsonLookup;
using volley::scenarios::JsonPathStep;

namespace {

JsonLookup find(std::string_view path, std::string_view json) {
    static JsonExtractor extractor;
    return extractor.find(compile_json_path(path), json);
}

std::string refusal(std::string_view path) {
    try {
        compile_json_path(path);
    } catch (const std::invalid_argument& error) {
        return error.what();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("json path: the supported forms compile to steps", "[json_path]") {
    CHECK(compile_json_path("$").steps().empty());

    const auto dotted = compile_json_path("$.a.b");
    REQUIRE(dotted.steps().size() == 2);
    CHECK(dotted.steps()[0].member == "a");
    CHECK(dotted.steps()[1].member == "b");
    CHECK(dotted.text() == "$.a.b");

    const auto mixed = compile_json_path("$.items[0].id");
    REQUIRE(mixed.steps().size() == 3);
    CHECK(mixed.steps()[1].kind == JsonPathStep::Kind::index);
    CHECK(mixed.steps()[1].index == 0);
    CHECK(mixed.steps()[2].member == "id");

    const auto quoted = compile_json_path(R"($['key with space']["a.b"]['it\'s'])");
    REQUIRE(quoted.steps().size() == 3);
    CHECK(quoted.steps()[0].member == "key with space");
    CHECK(quoted.steps()[1].member == "a.b");
    CHECK(quoted.steps()[2].member == "it's");

    const auto last = compile_json_path("$.a[-1]");
    REQUIRE(last.steps().size() == 2);
    CHECK(last.steps()[1].index == -1);

    CHECK(compile_json_path("$[2][10]").steps()[1].index == 10);
}

TEST_CASE("json path: anything else is refused with the path and the reason", "[json_path]") {
    CHECK(refusal("$.items[x]") == "$.items[x]: index must be an integer");
    CHECK(refusal("$.items[]") == "$.items[]: index must be an integer");
    CHECK(refusal("$.items[1.5]") == "$.items[1.5]: index must be an integer");
    CHECK(refusal("$.items[-]") == "$.items[-]: index must be an integer");
    CHECK(refusal("$.items[-0]") == "$.items[-0]: index -0: the last element is -1");
    CHECK(refusal("$.items[99999999999999999999]") ==
          "$.items[99999999999999999999]: index is too large");
    CHECK(refusal("$.items[*]") == "$.items[*]: wildcards are not supported");
    CHECK(refusal("$.*") == "$.*: wildcards are not supported");
    CHECK(refusal("$..a") == "$..a: '..' is not supported");
    CHECK(refusal("") == ": a JSON path starts with '$'");
    CHECK(refusal("a.b") == "a.b: a JSON path starts with '$'");
    CHECK(refusal("$.") == "$.: expected a member name after '.'");
    CHECK(refusal("$a") == "$a: expected '.' or '[' at position 2");
    CHECK(refusal("$.a b") == "$.a b: expected '.' or '[' at position 4");
    CHECK(refusal("$[0") == "$[0: '[' is not closed");
    CHECK(refusal("$['a") == "$['a: quoted member name is not closed");
    CHECK(refusal("$['a'") == "$['a': expected ']' after the quoted member name");
    CHECK(refusal(R"($['a\n'])") ==
          R"($['a\n']: in a quoted member name only \' \" and \\ are escapes)");
}

TEST_CASE("json extractor: values of every kind, as text", "[json_path]") {
    const std::string_view doc =
        R"({"s": "hi", "n": -12.5e+3, "t": true, "f": false, "z": null,
            "o": {"k": [1, 2]}, "a": [ {"id": 7}, {"id": 8} ], "e": {}, "ea": []})";
    auto s = find("$.s", doc);
    CHECK(s.found);
    CHECK(s.kind == JsonKind::string);
    CHECK(s.text == "hi");
    auto n = find("$.n", doc);
    CHECK(n.kind == JsonKind::number);
    CHECK(n.text == "-12.5e+3");
    CHECK(find("$.t", doc).kind == JsonKind::boolean);
    CHECK(find("$.t", doc).text == "true");
    CHECK(find("$.f", doc).text == "false");
    CHECK(find("$.z", doc).kind == JsonKind::null);
    CHECK(find("$.z", doc).text == "null");
    auto o = find("$.o", doc);
    CHECK(o.kind == JsonKind::object);
    CHECK(o.text == R"({"k": [1, 2]})");
    CHECK(find("$.o.k", doc).kind == JsonKind::array);
    CHECK(find("$.o.k", doc).text == "[1, 2]");
    CHECK(find("$.o.k[1]", doc).text == "2");
    CHECK(find("$.a[0].id", doc).text == "7");
    CHECK(find("$.a[1].id", doc).text == "8");
    CHECK(find("$.a[-1].id", doc).text == "8");
    CHECK(find("$.a[-2].id", doc).text == "7");
    CHECK(find("$['o']['k'][0]", doc).text == "1");
    CHECK(find("$", doc).text == doc);
    CHECK(find("$", " 42 ").text == "42");
    CHECK(find("$[0]", R"(["top"])").text == "top");
}

TEST_CASE("json extractor: absent paths are not found, the text is not malformed", "[json_path]") {
    const std::string_view doc = R"({"a": {"b": 1}, "list": [10, 20]})";
    for (const char* path : {"$.x", "$.a.c", "$.a.b.c", "$.list[2]", "$.list[-3]", "$.a[0]",
                             "$.list.x", "$[0]", "$.a.b[0]"}) {
        CAPTURE(path);
        const auto lookup = find(path, doc);
        CHECK_FALSE(lookup.found);
        CHECK_FALSE(lookup.malformed);
        CHECK_FALSE(lookup.truthy);
    }
}

TEST_CASE("json extractor: string escapes are unescaped", "[json_path]") {
    CHECK(find("$.s", R"({"s": "a\"b\\c\/d\be\ff\ng\rh\ti"})").text == "a\"b\\c/d\be\ff\ng\rh\ti");
    CHECK(find("$.s", R"({"s": "caf\u00e9 \u20AC"})").text == "caf\xC3\xA9 \xE2\x82\xAC");
    CHECK(find("$.s", R"({"s": "\ud83d\ude00"})").text == "\xF0\x9F\x98\x80");  // U+1F600
    CHECK(find("$.s", R"({"s": "\u0000x"})").text == std::string_view("\0x", 2));
    // A lone surrogate (high or low) becomes U+FFFD.
    CHECK(find("$.s", R"({"s": "\ud83dx"})").text == "\xEF\xBF\xBDx");
    CHECK(find("$.s", R"({"s": "\ude00"})").text == "\xEF\xBF\xBD");
    CHECK(find("$.s", R"({"s": "\ud83d\u0041"})").text ==
          "\xEF\xBF\xBD"
          "A");
    // Bytes >= 0x80 pass through as written.
    CHECK(find("$.s", "{\"s\": \"\xC3\xA9\"}").text == "\xC3\xA9");
}

TEST_CASE("json extractor: member names with escapes match their unescaped form", "[json_path]") {
    CHECK(find("$['a b']", R"({"a\u0020b": 1})").text == "1");
    CHECK(find(R"($['q"'])", R"({"q\"": 2})").text == "2");
    CHECK(find("$.x", R"({"\u0078": 3})").text == "3");
    // The first of duplicate members is the one followed.
    CHECK(find("$.d", R"({"d": 1, "d": 2})").text == "1");
    CHECK(find("$.d.e", R"({"d": {}, "d": {"e": 2}})").found == false);
}

TEST_CASE("json extractor: values off the path are skipped, whatever they hold", "[json_path]") {
    const std::string_view doc = R"({
        "skip1": "a string with \"quotes\", {braces} and [brackets] and \\",
        "skip2": {"nested": [1, {"deep": ["]", "}", "\"]"]}, "x"], "target": "wrong"},
        "skip3": [[[]], {}, -0.5E-7, true, false, null],
        "target": {"inner": ["x", "y", {"v": "right"}]}
    })";
    CHECK(find("$.target.inner[2].v", doc).text == "right");
    CHECK(find("$.target.inner[-1].v", doc).text == "right");
    CHECK(find("$.skip2.nested[1].deep[2]", doc).text == "\"]");
}

TEST_CASE("json extractor: truthiness is JavaScript's", "[json_path]") {
    const std::string_view doc =
        R"({"null": null, "false": false, "true": true, "zero": 0, "negzero": -0.0,
            "zeroexp": 0e10, "one": 1, "small": 0.001, "tenth": -1e-1, "empty": "", "s": "0",
            "ea": [], "eo": {}})";
    for (const char* falsy :
         {"$.null", "$.false", "$.zero", "$.negzero", "$.zeroexp", "$.empty", "$.missing"}) {
        CAPTURE(falsy);
        CHECK_FALSE(find(falsy, doc).truthy);
    }
    for (const char* truthy : {"$.true", "$.one", "$.small", "$.tenth", "$.s", "$.ea", "$.eo"}) {
        CAPTURE(truthy);
        CHECK(find(truthy, doc).truthy);
    }
    // An escaped string that unescapes to something is truthy.
    CHECK(find("$.s", R"({"s": "\u0020"})").truthy);
}

TEST_CASE("json extractor: malformed text is not found and flagged", "[json_path]") {
    for (const char* text : {"",
                             "   ",
                             "{",
                             "}",
                             "[",
                             "[1,]",
                             "[,1]",
                             "{\"a\":}",
                             "{\"a\" 1}",
                             "{a: 1}",
                             "{\"a\":1,}",
                             "{\"a\": 1} x",
                             "[1] [2]",
                             "\"open",
                             "\"bad \\x escape\"",
                             "\"\\u12\"",
                             "\"\\u12g4\"",
                             "\"tab\there\"",
                             "01",
                             "-",
                             "1.",
                             "1e",
                             "1e+",
                             ".5",
                             "+1",
                             "tru",
                             "nul",
                             "falsey",
                             "[true false]",
                             "{\"a\": [1, 2}",
                             "{\"s\": \"\\",
                             "NaN",
                             "Infinity"}) {
        CAPTURE(text);
        const auto lookup = find("$", text);
        CHECK(lookup.malformed);
        CHECK_FALSE(lookup.found);
        CHECK_FALSE(lookup.truthy);
    }
    // Malformed after the value on the path: still malformed (the whole text is read).
    const auto late = find("$.a", R"({"a": 1, "b": [})");
    CHECK(late.malformed);
    CHECK_FALSE(late.found);
    // Truncated inside a string or in the middle of an escape.
    CHECK(find("$.a", R"({"a": "abc)").malformed);
    CHECK(find("$.a", R"({"a": "abc\u00)").malformed);
}

TEST_CASE("json extractor: nesting deeper than the bound is malformed, never a crash",
          "[json_path]") {
    const auto nested = [](std::size_t depth) {
        return std::string(depth, '[') + "1" + std::string(depth, ']');
    };
    CHECK(find("$", nested(JsonExtractor::kMaxDepth)).found);
    CHECK(find("$", nested(JsonExtractor::kMaxDepth + 1)).malformed);
    CHECK(find("$", nested(100000)).malformed);
    CHECK(find("$", std::string(100000, '[')).malformed);
    std::string objects;
    for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
    CHECK(find("$.a.a", objects).malformed);
    // A negative index on a hostile array is bounded too.
    CHECK(find("$[-1]", "[" + nested(100000) + "]").malformed);
}

TEST_CASE("json extractor: find does not allocate after warm-up", "[json_path][allocation]") {
    const std::string doc = R"({"data": {"items": [{"id": 1, "name": "caf\u00e9 \"one\""},
        {"id": 2, "name": "plain"}], "next": "\/page\/2", "skip": {"a": [1, 2, "x\ny"]}},
        "token": "abc123"})";
    const auto name = compile_json_path("$.data.items[0].name");
    const auto last = compile_json_path("$.data.items[-1].id");
    const auto escaped_key = compile_json_path("$['token']");
    const auto next = compile_json_path("$.data.next");
    const auto absent = compile_json_path("$.data.missing");
    JsonExtractor extractor;
    for (int i = 0; i < 3; ++i) {  // warm-up: the buffers reach their sizes
        extractor.find(name, doc);
        extractor.find(next, doc);
    }
    std::size_t found = 0;
    counting = true;
    allocations = 0;
    for (int i = 0; i < 1000; ++i) {
        found += extractor.find(name, doc).found ? 1 : 0;
        found += extractor.find(last, doc).found ? 1 : 0;
        found += extractor.find(escaped_key, doc).found ? 1 : 0;
        found += extractor.find(next, doc).found ? 1 : 0;
        found += extractor.find(absent, doc).found ? 1 : 0;
        found += extractor.find(name, "{\"data\": [1, 2").found ? 1 : 0;  // malformed
    }
    const std::size_t counted = allocations;
    counting = false;
    CHECK(counted == 0);
    CHECK(found == 4000);

    // The counter itself works in this file (the replacements live in another one).
    counting = true;
    allocations = 0;
    const std::string probe(1000, 'x');
    const std::size_t probe_allocations = allocations;
    counting = false;
    CHECK(probe_allocations >= 1);
    CHECK(extractor.find(name, doc).text == "caf\xC3\xA9 \"one\"");
    CHECK(extractor.find(next, doc).text == "/page/2");
}
