// Shared by the replay readers' fuzz targets (fuzz_replay_*.cpp): the input is written to a
// file (every reader reads a path) and played through a ReplayStream (outlier quarantine, reorder
// window, timeline, rewrite) so that the timestamp arithmetic after the reader is fuzzed too. A
// capture that cannot be read must end in ReplayInputError (the documented exception); anything
// else is a finding.
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

// Plays the capture to its end through one of two workers' streams, over two passes (each pass
// opens the file again: a reader per pass keeps each input cheap, the 1 MiB read buffer being
// the main cost per open). The stream reads every record, its share or not.
inline void read_and_play(replay::ReplaySpec spec, const replay::ReaderFactory& open_reader) {
    spec.loop = 2;
    spec.speed = 3;
    spec.reorder_window = std::chrono::milliseconds(500);
    replay::ReplayStream stream(spec, open_reader, 1, 0, 2);
    while (const auto start = stream.next_start()) {
        engine::PreparedRequest request;
        (void)stream.next_request(stream.lane(), request);
    }
    (void)stream.first_pass();
}

}  // namespace volley::fuzz
