// Files a run writes while it goes and at its end (docs/outputs.md): latency.hlog streamed one
// interval at a time, summary.json, and the other files rendered from the run summary
// (run_summary.hpp), all written atomically.
#pragma once

#include "engine/runner.hpp"
#include "reports/hlog.hpp"
#include "reports/run_summary.hpp"
#include "thresholds/run_catalog.hpp"

#include <boost/json/object.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace volley::reports {

// A run output that could not be written: what() is "cannot write PATH: REASON" (REASON the
// system's, e.g. "No space left on device"), naming the file the user asked for, never a
// temporary one.
class OutputWriteError : public std::runtime_error {
public:
    OutputWriteError(std::filesystem::path path, std::string reason);
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    [[nodiscard]] const std::string& reason() const { return reason_; }

private:
    std::filesystem::path path_;
    std::string reason_;
};

// Every file of a run's outputs but the streamed latency.hlog is written with this (docs/
// outputs.md "How files are written"): `content` goes to PATH.tmpPID beside `path`, is synced,
// and is renamed over `path`, so a reader sees the old file or the whole new one, never a half.
// On any failure the temporary file is removed, `path` is left as it was, and OutputWriteError
// is thrown.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

// A request name made usable as an hlog tag (no ',', space, CR or LF; never empty).
std::string hlog_tag_for(std::string_view request_name);

// Appends each interval to latency.hlog: one untagged line with every request's response
// times, then one `Tag=<request name>` line per request, written every interval so a killed
// run keeps its data. Values in ns; Interval_Max in ms. A run of journeys (`catalog` not
// empty) adds, after the request lines, one `Tag=journey:<journey>` line per journey (its
// duration histogram) and one `Tag=tag:<key>=<value>` line per distinct tag (the response
// times of the requests carrying it, merged), names made valid by hlog_tag_for.
// A write that fails (a full disk) does not stop the run: the log is removed (it would miss
// intervals), nothing more is logged, and failure() says what happened.
class HlogRecorder final : public engine::IntervalListener {
public:
    // `start_time_s`: the log's StartTime (seconds since the epoch: the end of warm-up);
    // nullopt: the wall clock at the first interval less that interval's end (a live run).
    HlogRecorder(std::filesystem::path path, const std::vector<std::string>& request_names,
                 const thresholds::RunCatalog& catalog = {},
                 std::optional<double> start_time_s = std::nullopt);
    ~HlogRecorder() override;
    HlogRecorder(const HlogRecorder&) = delete;
    HlogRecorder& operator=(const HlogRecorder&) = delete;

    std::optional<std::string> on_interval(const engine::IntervalReport& report) override;
    // At the end of the run: syncs and closes the log (no interval is logged after it).
    void close();
    // Why latency.hlog could not be written (it is then removed); nullopt while it is fine.
    [[nodiscard]] const std::optional<OutputWriteError>& failure() const { return failure_; }

private:
    struct MergedTag {
        std::string tag;
        std::vector<std::size_t> requests;
    };
    std::filesystem::path path_;
    std::optional<double> start_time_s_;
    std::vector<std::string> tags_;
    std::vector<std::string> journey_tags_;  // by flow index
    std::vector<MergedTag> merged_tags_;
    engine::HdrHistogram merged_ = engine::HdrHistogram::latency_ns();  // reused per line
    std::ostringstream pending_;          // the lines of the interval being logged
    std::unique_ptr<HlogWriter> writer_;  // writes into pending_
    int fd_ = -1;
    bool closed_ = false;
    std::optional<OutputWriteError> failure_;

    void append_pending();
    void abandon(int error_number);
};

// The output formats a run can write (docs/outputs.md): json summary.json, hlog latency.hlog,
// md report.md, html report.html, junit junit.xml, csv timeseries.csv, hgrm latency.hgrm.
inline const std::vector<std::string> kAllFormats = {"json",  "hlog", "md",  "html",
                                                     "junit", "csv",  "hgrm"};
// What `volley report` renders again from a saved run (summary.json and latency.hlog are the
// run's own records).
inline const std::vector<std::string> kRerenderFormats = {"md", "html", "junit", "csv", "hgrm"};

// The formats a run records for `formats` to be honoured: hgrm is made from latency.hlog, so it
// brings hlog along. Empty (every format) stays empty.
[[nodiscard]] std::vector<std::string> formats_to_write(std::vector<std::string> formats);

// latency.hgrm: the percentile distribution of every response time in `hlog` (the untagged
// lines summed), in milliseconds, as HistogramLogProcessor writes it (5 ticks per half
// distance, value unit ratio 1e6). Throws std::runtime_error when the log cannot be read.
[[nodiscard]] std::string render_hgrm_from_hlog(const std::filesystem::path& hlog);

// Writes dir/summary.json (to_pretty_json of the run's summary object) and returns its path.
std::filesystem::path write_summary_json(const std::filesystem::path& dir,
                                         const boost::json::object& summary);

// What write_reports wrote, and what it could not (each with its reason).
struct WrittenFiles {
    std::vector<std::filesystem::path> written;
    std::vector<OutputWriteError> failed;
};

// Renders every requested format of `summary` into `dir` (not summary.json: a run writes it with
// write_summary_json, `volley report` re-renders a saved one), each file atomically and on its
// own: one that cannot be written is in `failed`, the others are still written. `formats` empty
// = all; hgrm is then written only when dir/latency.hlog exists (asked for explicitly, a missing
// log is an error: std::runtime_error). `hlog_complete` false (the run's latency.hlog could not
// be written): no latency.hgrm.
WrittenFiles write_reports(const std::filesystem::path& dir, const RunSummary& summary,
                           const std::vector<std::string>& formats, bool hlog_complete = true);

// The summary object of a summary.json's text; `source` names it in errors. Throws
// std::runtime_error when the text is not a JSON object or not a volley summary (schema).
boost::json::object parse_summary_text(std::string_view text, std::string_view source);

// Reads DIR/summary.json. Throws std::runtime_error naming the file on a missing or invalid one.
boost::json::object read_summary(const std::filesystem::path& dir);

}  // namespace volley::reports
