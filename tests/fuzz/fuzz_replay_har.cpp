// Fuzz target: the HAR reader (replay/har_reader.cpp: parsed whole, startedDateTime in ISO 8601)
// and the replay stream after it. Seeds: tests/fixtures/replay/browser.har (a browser export:
// HTTP/2 pseudo-headers, postData text and params, a data: URL, a malformed entry) and
// timestamps.har (written by hand: zones, 1969, 9999);
// regression-* files are past findings.
#include "tests/fuzz/fuzz_replay_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace volley::replay;
    ReplaySpec spec;
    spec.file = volley::fuzz::input_file(data, size, ".har");
    spec.format = ReplayFormat::har;
    try {
        const auto capture = read_har(spec.file, false);
        volley::fuzz::read_and_play(
            spec, [&spec, &capture] { return make_har_reader(capture, spec.file); });
        (void)read_har(spec.file, true);
    } catch (const ReplayInputError&) {}
    return 0;
}
