// `volley report FILE.hlog`: what Java's HistogramLogProcessor (HdrHistogram 2.1.11) prints on
// standard output for an interval log written by any tool (docs/hdr.md §14): the intervals of
// one tag inside a time window, summed, as a percentile distribution.
#pragma once

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "engine/hdr_histogram.hpp"

namespace volley::reports {

// HistogramLogProcessor's options, with its defaults.
struct HlogReportOptions {
    std::optional<std::string> tag;  // -tag: nullopt selects the untagged lines
    // -start / -end: seconds relative to the log's StartTime. A line is skipped while its start
    // is before start_s; the first line (of any tag) starting after end_s ends the reading.
    double start_s = 0.0;
    double end_s = std::numeric_limits<double>::max();
    int percentiles_ticks_per_half = 5;    // -percentilesOutputTicksPerHalf
    double output_value_unit_ratio = 1e6;  // -outputValueUnitRatio (ns shown as ms)
    bool csv = false;                      // -csv
    // -correctLogWithKnownCoordinatedOmission: each interval corrected with this expected
    // interval (recorded units) before it is summed; 0 = no correction.
    std::int64_t expected_interval = 0;
};

struct HlogReport {
    // The selected intervals summed in the layout of the first one, grown as Java's auto-resizing
    // accumulator grows when a later interval's max does not fit. nullopt: no interval selected.
    std::optional<engine::HdrHistogram> accumulated;
    std::size_t intervals = 0;  // how many were summed
    // The StartTime Java prints: the log's start time when the first interval was selected
    // (nullopt when it was 0, as Java then prints no StartTime line).
    std::optional<double> start_time_s;
    std::vector<std::string> tags_seen;  // distinct Tag= values of the lines read, in order
    bool untagged_seen = false;
    std::vector<std::string> warnings;  // e.g. an unparsable unterminated last line skipped
};

// Reads the log line by line (one interval decoded at a time), resolving StartTime and BaseTime
// as Java's HistogramLogReader does. Throws std::runtime_error naming the line for a line that
// does not parse (Java stops silently there), and std::invalid_argument for options out of range
// (ticks < 1, a ratio not finite and > 0, end before start, a negative expected interval).
[[nodiscard]] HlogReport read_hlog_report(std::istream& in, const HlogReportOptions& options);
[[nodiscard]] HlogReport read_hlog_report(const std::filesystem::path& path,
                                          const HlogReportOptions& options);

// HistogramLogProcessor's standard output: "#[StartTime: S (seconds since epoch), DATE]" (DATE
// in UTC) when known, then the percentile distribution (§10.2, or §10.3 with csv). Throws
// std::runtime_error, saying which tags the log has, when no interval was selected (Java fails
// with a NullPointerException there).
[[nodiscard]] std::string render_hlog_report(const HlogReport& report,
                                             const HlogReportOptions& options);

}  // namespace volley::reports
