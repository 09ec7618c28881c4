// Shared by the replay readers' fuzz targets (fuzz_replay_*.cpp): the input is written to a
// file (every reader reads a path), read to its end by the reader, then played through a
// ReplayStream (outlier quarantine, reorder window, timeline, rewrite) so that the timestamp
// arithmetic after the reader is fuzzed too. A capture that cannot be read must end in
// ReplayInputError (the documented exception); anything else is a finding.
#pragma once

#include "replay/readers.hpp"
#include "replay/replay_spec.hpp"
#include "replay/replay_stream.hpp"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace volley::fuzz {

// The input as a file of this process (overwritten by each input; libFuzzer runs one at a time).
inline std::string input_file(const std::uint8_t* data, std::size_t size, const char* extension) {
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("volley-fuzz-replay-" + std::to_string(::getpid()) + extension))
                                 .string();
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return path;
}

// Reads every record, then plays the capture to its end (2 passes, 2 workers' shares).
inline void read_and_play(replay::ReplaySpec spec, const replay::ReaderFactory& open_reader) {
    {
        auto reader = open_reader();
        replay::ReplayRecord record;
        while (reader->next(record)) {}
    }
    spec.loop = 2;
    spec.speed = 3;
    spec.reorder_window = std::chrono::milliseconds(500);
    for (std::size_t worker = 0; worker < 2; ++worker) {
        replay::ReplayStream stream(spec, open_reader, 1, worker, 2);
        while (const auto start = stream.next_start()) {
            engine::PreparedRequest request;
            (void)stream.next_request(stream.lane(), request);
        }
        (void)stream.first_pass();
    }
}

}  // namespace volley::fuzz
