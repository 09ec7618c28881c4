// Fuzz target: the JSONL reader (replay/jsonl_reader.cpp: numeric and ISO 8601 `ts`) and the
// replay stream after it. Seeds: tests/fixtures/replay/capture.jsonl (seconds, ns, ISO 8601,
// url/path, headers, a malformed line) and timestamps.jsonl (by hand: 0, 1969, 9999, each
// unit, overflowing seconds); regression-* files are past findings.
#include "tests/fuzz/fuzz_replay_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace volley::replay;
    ReplaySpec spec;
    spec.file = volley::fuzz::input_file(data, size, ".jsonl");
    spec.format = ReplayFormat::jsonl;
    try {
        volley::fuzz::read_and_play(spec, [&spec] { return make_jsonl_reader(spec.file, false); });
        auto strict = make_jsonl_reader(spec.file, true);
        ReplayRecord record;
        while (strict->next(record)) {}
    } catch (const ReplayInputError&) {}
    return 0;
}
