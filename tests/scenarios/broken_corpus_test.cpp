// Every file in tests/fixtures/scenarios/broken/ states the diagnostics it must produce:
//   # set: key.path=value                (optional overrides, in order)
//   # expect: LINE:COL KEY: MESSAGE       (MESSAGE is a substring of the diagnostic's message)
//   # expect: --set KEY: MESSAGE          (a diagnostic located at an override)
//   # expect: SYNTAX -: MESSAGE           (a YAML syntax error: any line, key empty)
// KEY "-" means no key. The loader must report exactly the expected diagnostics, no others.
#include "scenarios/language/loader.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace volley::scenarios;

namespace {

struct Expectation {
    std::string location;  // "L:C", "--set" or "SYNTAX"
    std::string key;
    std::string message;
    std::string text;  // the whole line, for messages
};

struct Fixture {
    std::vector<std::string> overrides;
    std::vector<Expectation> expectations;
};

Fixture read_fixture(const std::filesystem::path& path) {
    Fixture fixture;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("# set: ", 0) == 0) {
            fixture.overrides.push_back(line.substr(7));
        } else if (line.rfind("# expect: ", 0) == 0) {
            const std::string rest = line.substr(10);
            const auto space = rest.find(' ');
            const auto colon = rest.find(": ", space);
            REQUIRE(space != std::string::npos);
            REQUIRE(colon != std::string::npos);
            Expectation expectation;
            expectation.location = rest.substr(0, space);
            expectation.key = rest.substr(space + 1, colon - space - 1);
            if (expectation.key == "-") expectation.key.clear();
            expectation.message = rest.substr(colon + 2);
            expectation.text = line;
            fixture.expectations.push_back(expectation);
        }
    }
    return fixture;
}

bool matches(const Expectation& expected, const Diagnostic& actual) {
    if (actual.key != expected.key) return false;
    if (actual.message.find(expected.message) == std::string::npos) return false;
    if (expected.location == "--set")
        return actual.file.rfind("--set ", 0) == 0 && actual.line == 0;
    if (expected.location == "SYNTAX") return actual.line > 0;
    return std::to_string(actual.line) + ":" + std::to_string(actual.column) == expected.location;
}

}  // namespace

TEST_CASE("every broken scenario reports exactly its expected diagnostics", "[loader][corpus]") {
    const std::filesystem::path dir =
        std::filesystem::path(VOLLEY_FIXTURES_DIR) / "scenarios" / "broken";
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() == ".yaml") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() >= 30);

    for (const auto& file : files) {
        INFO(file.filename().string());
        const Fixture fixture = read_fixture(file);
        REQUIRE_FALSE(fixture.expectations.empty());
        std::vector<Diagnostic> diagnostics;
        try {
            (void)load_plan(file.string(), fixture.overrides);
            FAIL("the scenario loaded without errors");
        } catch (const ScenarioError& error) {
            diagnostics = error.diagnostics();
        }
        std::string reported;
        for (const auto& diagnostic : diagnostics)
            reported += "\n  " + format_diagnostic(diagnostic);
        INFO("reported:" << reported);
        for (const auto& diagnostic : diagnostics) {
            if (diagnostic.file.rfind("--set ", 0) != 0) CHECK(diagnostic.file == file.string());
        }
        CHECK(diagnostics.size() == fixture.expectations.size());
        std::vector<bool> used(diagnostics.size(), false);
        for (const auto& expected : fixture.expectations) {
            bool found = false;
            for (std::size_t i = 0; i < diagnostics.size() && !found; ++i) {
                if (!used[i] && matches(expected, diagnostics[i])) {
                    used[i] = true;
                    found = true;
                }
            }
            INFO(expected.text);
            CHECK(found);
        }
    }
}
