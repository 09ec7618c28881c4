// Fuzz target: the GoReplay reader (replay/gor_reader.cpp) on plain and gzip input (InputFile
// tells them apart by the gzip magic, so .gz seeds fuzz the decompression and its errors), and
// the replay stream after it. Seeds: tests/fixtures/replay/{capture,truncated}.gor{,.gz}
// (made by tests/fixtures/replay/make_fixtures.py, shaped like GoReplay's and `volley record`'s
// captures: requests, responses, a connection field, a chunked body, a cut record and stream)
// and timestamps.gor (by hand: 0, 2191 and a 20-digit timestamp among 2025 ones);
// regression-* files are past findings.
#include "tests/fuzz/fuzz_replay_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace volley::replay;
    ReplaySpec spec;
    spec.file = volley::fuzz::input_file(data, size, ".gor");
    spec.format = ReplayFormat::gor;
    try {
        volley::fuzz::read_and_play(spec, [&spec] { return make_gor_reader(spec.file, false); });
        auto strict = make_gor_reader(spec.file, true);
        ReplayRecord record;
        while (strict->next(record)) {}
    } catch (const ReplayInputError&) {}
    return 0;
}
