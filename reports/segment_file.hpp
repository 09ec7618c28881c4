// segment.json (docs/distributed.md "Merging segments"): what one segment of a distributed run
// leaves for `volley merge` — the effective scenario, the run's scalars and every interval's full
// statistics, histograms included (HdrHistogram V2 compressed, base64: reports/hdr_codec.hpp), so
// that the merge adds them bucket for bucket and judges the sum with the code of a single run.
#pragma once

#include "engine/runner.hpp"
#include "reports/observed.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace volley::reports {

inline constexpr const char* kSegmentSchema = "volley.segment/v1";
inline constexpr const char* kSegmentFileName = "segment.json";

// One published interval as the listeners saw it (engine::IntervalReport, with its stats).
struct SegmentInterval {
    std::size_t index = 0;
    engine::Nanos start{0}, end{0};  // since the end of warm-up
    double target_rps = 0;
    double cpu_seconds = 0;
    bool draining = false;
    engine::IntervalStats stats;
};

// Everything of segment.json but its intervals.
struct SegmentHeader {
    // The scenario as the segment loaded it (after --set), as YAML, and its identity.
    std::string scenario_name, scenario_file, scenario_hash, scenario_yaml;
    // What the run's metadata said about the target (reports::RunMetadata).
    std::string target_kind, target_url;
    std::vector<std::string> target_notices;
    bool reports_tiers = false;
    std::optional<engine::ProtocolReport> protocol;   // RunMetadata::protocol (target.protocol)
    engine::Nanos interval{std::chrono::seconds(1)};  // RunSpec::interval
    // The engine's result without `totals` and `intervals` (the sum and the rows of the
    // segment's intervals); result.segment says which segment this is.
    engine::RunResult result;
    // What `observe:` read (segment 0 only: one reader of the servers for the whole run), one
    // point per row of this segment's run.
    std::optional<ObservedRun> observed;
};

// A segment.json as read: its intervals stay encoded until the merge needs them, one at a time
// (a decoded interval holds several full histograms).
struct SegmentFile {
    std::filesystem::path path;
    SegmentHeader header;
    boost::json::array intervals;
};

// A segment.json that cannot be read; what() names the file and the key.
class SegmentFileError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One interval as segment.json holds it: every field of engine::IntervalStats, the histograms
// compressed at a fast zlib level (any level decodes).
[[nodiscard]] boost::json::object encode_interval(const engine::IntervalReport& report);
// The inverse; `shape` must match what was encoded. Throws SegmentFileError naming `where`.
[[nodiscard]] SegmentInterval decode_interval(const boost::json::value& value,
                                              const engine::StatsShape& shape,
                                              std::string_view where);

// dir/segment.json, written atomically: the last file a segment writes, so its presence says
// the segment is complete.
void write_segment_file(const std::filesystem::path& dir, const SegmentHeader& header,
                        boost::json::array intervals);
// Throws SegmentFileError (missing, unreadable or malformed file).
[[nodiscard]] SegmentFile read_segment_file(const std::filesystem::path& dir);

// Encodes each interval the engine publishes, for segment.json. Memory: the compressed
// histograms (a few KB per request per interval).
class SegmentRecorder final : public engine::IntervalListener {
public:
    std::optional<std::string> on_interval(const engine::IntervalReport& report) override;
    [[nodiscard]] boost::json::array take() { return std::move(intervals_); }

private:
    boost::json::array intervals_;
};

}  // namespace volley::reports
