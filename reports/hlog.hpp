// HdrHistogram interval log (.hlog), format version 1.3 (docs/hdr.md §9): a writer producing the
// Java HistogramLogWriter layout, and a reader for logs written by Java, hdr-histogram-js or us.
#pragma once

#include <filesystem>
#include <fstream>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/hdr_histogram.hpp"

namespace volley::reports {

// A tag is valid when non-empty and free of ',' and whitespace (space, \t, \r, \n, \v, \f).
[[nodiscard]] bool is_valid_hlog_tag(std::string_view tag);

class HlogWriter {
public:
    // Writes the header at once: one "#[<comment>]" line per comment ("#<comment>" when it is
    // already "[...]"; put the value unit and the coordinated-omission policy there), the
    // version line, "#[StartTime: ...]" and
    // "#[BaseTime: ...]" (both start_time_s, seconds since the Unix epoch) and the legend.
    // Throws std::invalid_argument for a negative or non-finite start time or a comment that
    // holds '\r'/'\n' or makes a line longer than 126 characters; std::runtime_error when the
    // file cannot be created or written. The stream must outlive the writer.
    HlogWriter(std::ostream& out, double start_time_s,
               const std::vector<std::string>& comments = {});
    HlogWriter(const std::filesystem::path& path, double start_time_s,
               const std::vector<std::string>& comments = {});

    // Appends one line: [Tag=<tag>,]<start>,<length>,<max / max_value_unit_ratio>,<histogram>.
    // start_s_relative is seconds since start_time_s; max_value_unit_ratio converts recorded
    // units to milliseconds for the informational Interval_Max column (1e6 for ns, 1e3 for µs).
    // Throws std::invalid_argument for an invalid tag, a negative or non-finite start or length,
    // a ratio that is not finite and > 0, or a start earlier than the previous line of the same
    // tag; std::runtime_error when the stream fails.
    void write_interval(std::optional<std::string_view> tag, double start_s_relative,
                        double length_s, const engine::HdrHistogram& histogram,
                        double max_value_unit_ratio = 1e6);
    // Flushes the stream; throws std::runtime_error when it fails.
    void flush();

    [[nodiscard]] double start_time_s() const { return start_time_s_; }

private:
    std::unique_ptr<std::ofstream> owned_file_;
    std::ostream* out_;
    double start_time_s_;
    // Last StartTimestamp written per tag ("" = untagged; real tags are never empty).
    std::map<std::string, double, std::less<>> last_start_by_tag_;

    void write_header(const std::vector<std::string>& comments);
    void check_stream(const char* what) const;
};

struct HlogInterval {
    std::optional<std::string> tag;  // nullopt for untagged lines
    double start_s = 0.0;            // StartTimestamp as written (seconds after base_time_s)
    double length_s = 0.0;           // Interval_Length, seconds
    double interval_max = 0.0;       // Interval_Max as written (informational, unit unknown)
    engine::HdrHistogram histogram;  // start_time_ms / end_time_ms: absolute, ms since epoch
};

// One line of an interval log, classified as Java's HistogramLogScanner does (docs/hdr.md §9.2,
// §14): '#' lines (StartTime, BaseTime, format version, other comments), the legend (a line
// starting with "StartTimestamp" or "Timestamp" in quotes), blank lines and interval lines
// "[Tag=T,]StartTimestamp,Interval_Length,Interval_Max,histogram". Views point into the line.
struct HlogLine {
    enum class Kind { blank, comment, start_time, base_time, format_version, legend, interval };
    Kind kind = Kind::blank;
    std::string_view text;                // comment: without the '#'; format_version: e.g. "1.3"
    double seconds = 0.0;                 // start_time, base_time: seconds since the epoch
    std::optional<std::string_view> tag;  // interval: the Tag= value, nullopt when untagged
    double start_s = 0.0;                 // interval: StartTimestamp as written
    double length_s = 0.0;                // interval: Interval_Length
    double interval_max = 0.0;            // interval: Interval_Max (informational)
    std::string_view histogram_base64;    // interval: the encoded histogram, not yet decoded
};
// `line` without its '\n' (a trailing '\r' is ignored). Throws std::runtime_error saying what is
// wrong (without a location) for a line that is none of the above.
[[nodiscard]] HlogLine parse_hlog_line(std::string_view line);

// Java's Date.toString() of (long)(seconds * 1000) ms in UTC: "Thu Aug 06 14:06:01 UTC 2015".
[[nodiscard]] std::string java_utc_date_text(double seconds_since_epoch);

struct HlogContents {
    std::optional<std::string> format_version;  // e.g. "1.3"
    // StartTime header, or (absent) the first line's absolute start; seconds since epoch.
    double start_time_s = 0.0;
    // BaseTime header, or (absent) deduced as Java does: StartTime if the first line's timestamp
    // is more than a year before StartTime (relative timestamps), else 0 (absolute ones).
    double base_time_s = 0.0;
    std::vector<std::string> comments;  // other '#' lines, verbatim without the leading '#'
    std::vector<HlogInterval> intervals;
    // Problems that did not stop reading (an unterminated, unparsable last line is skipped).
    std::vector<std::string> warnings;

    // Distinct tags in order of first appearance (untagged lines not included).
    [[nodiscard]] std::vector<std::string> tags() const;
};

// Parses a whole log. Comments and the legend may appear anywhere; blank lines are skipped.
// Throws std::runtime_error naming the line for anything else that does not parse, except an
// unparsable last line without a final newline (a crash mid-write), which becomes a warning.
[[nodiscard]] HlogContents read_hlog(std::istream& in);
// The same, handing each interval to `keep` as it is read: only those it returns true for are
// kept in HlogContents::intervals (their times resolved), so a caller that sums them as they
// come holds one interval at a time.
[[nodiscard]] HlogContents read_hlog(std::istream& in,
                                     const std::function<bool(const HlogInterval&)>& keep);
[[nodiscard]] HlogContents read_hlog(const std::filesystem::path& path);

// Sum of every interval of `tag` (nullopt = the untagged lines) in the layout of the first such
// interval, as HistogramLogProcessor accumulates them; nullopt when there is none. Throws
// std::out_of_range when a later interval's max does not fit the first one's layout.
[[nodiscard]] std::optional<engine::HdrHistogram> accumulate(const HlogContents& log,
                                                             std::optional<std::string_view> tag);
// accumulate(read_hlog(path), tag) without holding the log: memory does not grow with its length.
[[nodiscard]] std::optional<engine::HdrHistogram> accumulate_file(
    const std::filesystem::path& path, std::optional<std::string_view> tag);

}  // namespace volley::reports
