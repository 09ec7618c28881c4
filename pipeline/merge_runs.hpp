// `volley merge` (docs/distributed.md "Merging segments"): the segments of a distributed run ->
// one run, judged and reported by the code of a single run (pipeline/run_judges.hpp).
#pragma once

#include "pipeline/run_pipeline.hpp"

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace volley::pipeline {

struct MergeOptions {
    // Segment directories (each holding segment.json), or directories whose `segment-*`
    // subdirectories are the segments.
    std::vector<std::filesystem::path> inputs;
    std::filesystem::path out;  // the merged run's directory
    ReportOptions report;
    std::string store;  // the history store the merged run is added to (--store); empty: none
};

// Segments that cannot be merged: what() says which and why (exit 2).
class MergeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The segment directories `inputs` name, in the order given (a parent directory contributes its
// `segment-*` subdirectories, sorted). Throws MergeError when an input is neither.
[[nodiscard]] std::vector<std::filesystem::path> segment_directories(
    const std::vector<std::filesystem::path>& inputs);

// Reads, checks and adds the segments, then judges and reports the sum in options.out. Returns
// the exit code of a single run of the scenario (0, 99, 130), 2 for segments that cannot be
// merged (of different scenarios or settings, an index twice or missing, incompatible
// histograms, an unreadable segment.json), 1 when the files cannot be written.
int merge_runs(const MergeOptions& options);

}  // namespace volley::pipeline
