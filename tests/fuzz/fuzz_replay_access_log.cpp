// Fuzz target: the access log reader (replay/access_log_reader.cpp) with the formats it knows
// by name and one using $time_iso8601 and one $msec, chosen by the input's first byte, and the
// replay stream after it. Seeds (first byte: the format): tests/fixtures/replay/access.log
// (combined) and timed.log ($msec), an $time_iso8601 log and a $request_method/$request_uri
// log and timestamps.log (year 0000, 1969, 9999) written by hand; regression-* files are
// past findings.
#include "tests/fuzz/fuzz_replay_support.hpp"

#include <array>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace volley::replay;
    static const std::array<std::string, 5> kFormats = {
        "combined", "common",
        R"($remote_addr [$time_iso8601] "$request" $status $connection "$http_user_agent")",
        R"($msec $remote_addr "$request" $status "$http_user_agent")",
        R"($msec $remote_addr:$remote_port "$request_method" "$request_uri" "$args" "$request_body")"};
    if (size == 0) return 0;
    ReplaySpec spec;
    spec.log_format = kFormats[data[0] % kFormats.size()];
    spec.file = volley::fuzz::input_file(data + 1, size - 1, ".log");
    spec.format = ReplayFormat::combined;
    try {
        volley::fuzz::read_and_play(
            spec, [&spec] { return make_access_log_reader(spec.file, spec.log_format, false); });
        auto strict = make_access_log_reader(spec.file, spec.log_format, true);
        ReplayRecord record;
        while (strict->next(record)) {}
    } catch (const ReplayInputError&) {}
    return 0;
}
