// Fuzz target: the YAML scenario loader (scenarios/language/loader.hpp), from the text to a
// validated Plan. A scenario that is not valid must end in ScenarioError (every problem with its
// file:line:column), never a crash, a hang or undefined behaviour. The file name points into a
// directory that does not exist, so a relative feeder or TLS file in the input is simply
// missing. Seeds: the shipped scenarios (scenarios/*.yaml) and docs/examples/*.yaml;
// tests/fuzz/corpus/scenario/README.md.
#include "scenarios/language/loader.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        (void)volley::scenarios::load_plan_from_string(text, "/nonexistent/fuzz/scenario.yaml", {});
    } catch (const volley::scenarios::ScenarioError&) {}
    return 0;
}
