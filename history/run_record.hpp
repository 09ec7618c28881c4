// One stored run as the history sees it: what lists and trends show (RunRecord, from
// summary.json) and what a noise-aware compare resamples (RunSample: per-interval counts and
// per-interval response-time histograms, from summary.json intervals[] and latency.hlog).
// docs/history.md; docs/architecture.md "History".
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "engine/hdr_histogram.hpp"

namespace volley::history {

// A run directory (or stored run) that cannot be read: what() is "PATH: reason".
class RunReadError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The headline figures of a run (summary.json; absent values stay nullopt).
struct RunFigures {
    std::uint64_t requests = 0;                            // totals.requests (answered)
    std::optional<double> p50_ms, p95_ms, p99_ms, max_ms;  // latency_ms.*
    std::optional<double> throughput_rps;                  // totals.throughput_rps
    std::optional<double> error_rate;                      // totals.error_rate, fraction 0..1
    std::optional<double> hit_rate;  // cache.hit_rate, fraction; nullopt without tiers
};

struct RunRecord {
    std::string id;             // embedded store: the run directory's name; PostgreSQL: run_id
    std::filesystem::path dir;  // the run's directory (PostgreSQL: the one it was added from)
    std::string scenario_name;  // scenario.name
    std::string scenario_hash;  // scenario.hash; "" for runs written before volley had it
    std::string scenario_type;  // scenario.type
    std::map<std::string, std::string> labels;  // labels (`--label k=v`)
    std::string started_at;                     // started_at as written (ISO 8601 UTC)
    double started_unix_s = 0;        // the same instant in seconds since the epoch (ordering)
    double duration_s = 0;            // duration_s
    std::string verdict;              // "pass" or "fail"
    boost::json::object environment;  // environment {host, cpus, os, volley_version}
    RunFigures figures;
};

// One row of summary.json intervals[].
struct IntervalCounts {
    double t_s = 0;       // start, seconds since the run started
    double length_s = 0;  // true length
    std::uint64_t requests = 0, errors = 0, dropped = 0;
    std::optional<std::uint64_t> hits;  // round(hit_rate × requests); nullopt without tiers
};

// An interval's histogram as its non-empty slots of the HdrHistogram::latency_ns() layout: a few
// hundred entries where the full histogram holds ~34 000 (270 KB). A history holds one per
// interval and series, so an 8-hour soak (28 800 intervals) reads in megabytes, not gigabytes.
// Counts are exact; the out-of-range count and the interval times are not kept.
class CompactHistogram {
public:
    struct Slot {
        std::uint32_t index = 0;  // slot of the latency_ns() layout
        std::int64_t count = 0;   // > 0
        bool operator==(const Slot&) const = default;
    };
    CompactHistogram() = default;
    // Another layout is mapped as HdrHistogram::add maps it (each slot at its value's slot).
    explicit CompactHistogram(const engine::HdrHistogram& histogram);

    // Records `count` values of `value` ns (clamped to the layout's range), as
    // HdrHistogram::record_values would.
    void record_values(std::int64_t value, std::int64_t count);
    void record(std::int64_t value) { record_values(value, 1); }
    void reset() { *this = CompactHistogram(); }

    [[nodiscard]] bool empty() const { return total_count_ == 0; }
    bool operator==(const CompactHistogram&) const = default;
    [[nodiscard]] std::int64_t total_count() const { return total_count_; }
    [[nodiscard]] const std::vector<Slot>& slots() const { return slots_; }
    // Adds the counts to `target`, which must have the latency_ns() layout (std::invalid_argument).
    void add_to(engine::HdrHistogram& target) const;
    // A latency_ns() histogram with these counts.
    [[nodiscard]] engine::HdrHistogram expand() const;

private:
    std::vector<Slot> slots_;  // ascending index
    std::int64_t total_count_ = 0;
};

// One line of latency.hlog: an interval's response-time histogram (values in ns).
struct IntervalHistogram {
    double start_s = 0;   // seconds since the run started (StartTimestamp)
    double length_s = 0;  // Interval_Length
    CompactHistogram histogram;
};

// Series names of RunSample::latency (docs/outputs.md "latency.hlog"):
//   ""                  every request (the untagged lines)
//   "<request name>"    a named request or journey step (Tag=<name>)
//   "journey:<name>"    a journey's duration (Tag=journey:<name>)
//   "tag:<key>=<value>" every request carrying the tag (Tag=tag:<key>=<value>)
inline constexpr const char* kAllRequests = "";

struct RunSample {
    RunRecord record;
    std::vector<IntervalCounts> intervals;  // summary.json intervals[], in order
    // Per series, its hlog lines in order (every series has a line per interval, possibly
    // empty). Empty map when the run has no latency.hlog.
    std::map<std::string, std::vector<IntervalHistogram>> latency;
};

// The record of a parsed summary.json. Throws RunReadError("<where>: <key>: ...") when it is not
// a volley summary (schema) or lacks scenario.name / started_at / verdict.
[[nodiscard]] RunRecord run_record_from_summary(const boost::json::object& summary,
                                                const std::string& where);
// intervals[] of a parsed summary.json.
[[nodiscard]] std::vector<IntervalCounts> interval_counts_from_summary(
    const boost::json::object& summary);
// The series of latency.hlog at `path`, keyed as above, read one line at a time (the log is never
// held whole). Throws RunReadError naming the file.
[[nodiscard]] std::map<std::string, std::vector<IntervalHistogram>> read_latency_series(
    const std::filesystem::path& path);

// RUN_DIR/summary.json, parsed. Throws RunReadError naming the file.
[[nodiscard]] boost::json::object read_summary_of(const std::filesystem::path& run_dir);
// Reads RUN_DIR/summary.json; id = the directory's name. Throws RunReadError naming the file.
[[nodiscard]] RunRecord read_run_record(const std::filesystem::path& run_dir);
// Reads RUN_DIR/summary.json and RUN_DIR/latency.hlog (latency empty when the file is absent).
// Throws RunReadError naming the file that is unreadable or corrupt.
[[nodiscard]] RunSample read_run_sample(const std::filesystem::path& run_dir);
// The same for a run whose summary.json the caller has already read (read_summary_of).
[[nodiscard]] RunSample read_run_sample(const std::filesystem::path& run_dir,
                                        const boost::json::object& summary);

// The series' histograms of the intervals that start in [from_s, to_s), merged exactly;
// nullopt when the series is unknown or no interval starts in the window.
[[nodiscard]] std::optional<engine::HdrHistogram> merge_window(const RunSample& sample,
                                                               const std::string& series,
                                                               double from_s, double to_s);

}  // namespace volley::history
