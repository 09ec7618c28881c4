// The run loop (docs/architecture.md "Engine"): starts one worker per thread, collects their
// intervals every second without locks on the hot path, stops on schedule end or signal, drains,
// and returns the merged result. It only coordinates; statistics live in recorder.hpp, formatting
// in reports/.
#pragma once

#include "engine/clock.hpp"
#include "engine/clock_sync.hpp"
#include "engine/recorder.hpp"
#include "engine/schedule.hpp"
#include "engine/target.hpp"
#include "engine/timer.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace volley::engine {

// How far ahead of "now" a run puts its t0 once the workers are built: every worker is running
// when the first arrival is due. Run time 0 is therefore this long after the run started on its
// clock (tests on a manual clock read it rather than assume a figure).
inline constexpr Nanos kRunHeadStart = std::chrono::milliseconds(20);

// Segment `index` of `count` of a distributed run (docs/distributed.md "Segments"): the segment
// takes global arrival k of the unsplit schedule when k mod count == index, at the global
// intended time; closed-model VU k likewise, and the same share of feeders and replay input.
// {0, 1} is the whole run.
struct SegmentSpec {
    std::size_t index = 0;
    std::size_t count = 1;
};

// How far past RunSpec::start_at a run may begin by default (docs/distributed.md "Synchronised
// start").
inline constexpr Nanos kDefaultMaxStartLag = std::chrono::seconds(1);

struct RunSpec {
    std::variant<OpenProfile, ClosedProfile> profile;
    std::vector<std::string> request_names{"default"};
    // Flows (journeys) the request source runs, by PreparedRequest::flow, and the counters it
    // keeps (IntervalStats::counters); both empty for a plain request mix.
    std::vector<std::string> flow_names;
    std::vector<std::string> counter_names;
    std::size_t threads = 1;
    std::size_t connections = 64;  // open model: across all threads (closed model: = vus)
    // Open model: sent + queued limit; 0 = the larger of 10000 and 10 x connections. Generous
    // by default: a dropped request leaves the percentiles, so drops must be rare and visible.
    std::size_t max_in_flight = 0;
    Nanos warmup{0};                        // run, not recorded; precedes the profile
    Nanos drain{std::chrono::seconds(10)};  // time in-flight requests get after the schedule ends
    Nanos interval{std::chrono::seconds(1)};
    std::uint64_t seed = 1;
    bool handle_signals = true;  // SIGINT/SIGTERM: first graceful, second immediate
    SegmentSpec segment{};
    // When run time 0 (the first intended start, before warm-up) is due on the wall clock; the
    // run waits for it. nullopt: as soon as the workers are built (+ kRunHeadStart).
    std::optional<std::chrono::system_clock::time_point> start_at{};
    // A run that would begin later than start_at + max_start_lag refuses to start (StartMissed).
    Nanos max_start_lag{kDefaultMaxStartLag};
};

// How a run with RunSpec::start_at began (RunResult::start).
struct StartRecord {
    std::optional<std::chrono::system_clock::time_point> start_at{};  // as asked
    // How late the workers began after start_at (0 when they were running before it; run time
    // 0 stays start_at, so arrivals due before they began go out at once, late by their lag).
    Nanos lag{0};
    Nanos max_start_lag{0};  // RunSpec::max_start_lag
    ClockSync clock_sync{};
};

// Thrown by run() when RunSpec::start_at + max_start_lag has already passed when the run could
// begin; what() says by how much. The pipeline's exit code 3 (pipeline/exit_codes.hpp).
class StartMissed : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Thrown by run() when SIGINT/SIGTERM arrived while the run waited for RunSpec::start_at: the
// run ended before sending anything (the pipeline's exit code 130, no reports).
class StartInterrupted : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Merged statistics of one interval, handed to listeners on the collector thread.
struct IntervalReport {
    std::size_t index = 0;
    Nanos start{0};  // since the end of warm-up
    Nanos end{0};
    const IntervalStats& stats;
    double target_rps = 0;   // profile's mean target over the interval (0 in closed model)
    double cpu_seconds = 0;  // process CPU used in the interval (user + system)
    bool draining = false;   // the run stopped scheduling before this interval ended
};

class IntervalListener {
public:
    virtual ~IntervalListener() = default;
    // Return a non-empty reason to stop the run (e.g. an abort_on_fail threshold).
    virtual std::optional<std::string> on_interval(const IntervalReport& report) = 0;
};

// One small row per interval: what summary.json `intervals` holds.
struct IntervalRow {
    double t_s = 0;  // interval START, seconds since the end of warm-up
    double length_s = 0;
    std::uint64_t requests = 0;  // completed
    std::uint64_t arrivals = 0;  // completed that began an arrival (IntervalStats::arrivals)
    std::uint64_t errors = 0;
    std::uint64_t dropped = 0;  // arrivals refused at the in-flight limit
    std::uint64_t unsent = 0;   // arrivals still queued when the run ended (Outcome::unsent)
    double target_rps = 0;
    double cpu_seconds = 0;
    std::int64_t p50_ns = 0, p95_ns = 0, p99_ns = 0, max_ns = 0;
    std::int64_t lag_p99_ns = 0;
    std::array<std::uint64_t, kTierSlots> served_by{};
};

// The row of one interval's statistics over [start, end) (run time since the end of warm-up).
[[nodiscard]] IntervalRow make_interval_row(const IntervalStats& stats, Nanos start, Nanos end,
                                            double target_rps, double cpu_seconds);

// Builds the rows of RunResult::intervals from consecutive intervals, for a live run
// (engine/runner.cpp) and `volley merge` (pipeline/merge_runs.cpp) alike: the run's last
// interval, when shorter than half an interval, joins the row before (a few completions over a
// few milliseconds would read as a rate spike), its target rate the time-weighted mean of both.
class IntervalRowBuilder {
public:
    IntervalRowBuilder(const StatsShape& shape, Nanos interval)
        : previous_(shape), interval_(interval) {}
    // Interval [start, end) (run time since the end of warm-up; a start before 0 straddles the
    // warm-up and never takes a short last one in); `last`: the run's final interval. Appends
    // a row to `rows`, or rebuilds its last one; true when the interval joined that row.
    bool add(std::vector<IntervalRow>& rows, const IntervalStats& stats, Nanos start, Nanos end,
             double target_rps, double cpu_seconds, bool last);

private:
    IntervalStats previous_;  // the statistics of rows.back()
    Nanos previous_start_{-1};
    Nanos interval_;
};

// Why the run stopped scheduling. `source_exhausted`: a request source ran out (a csv feeder in
// unique mode, a replay input that ended early) before the planned end; RunResult::stop_detail
// holds the source's reason.
enum class StopReason {
    completed,
    interrupted,
    interrupted_immediately,
    aborted,
    source_exhausted
};

struct RunResult {
    std::vector<std::string> request_names;
    std::vector<std::string> flow_names;     // RunSpec::flow_names
    std::vector<std::string> counter_names;  // RunSpec::counter_names
    IntervalStats totals;                    // every recorded interval merged
    std::vector<IntervalRow> intervals;
    std::chrono::system_clock::time_point started_at;  // end of warm-up, wall clock
    // From the end of warm-up to when scheduling stopped (the planned end, the signal, the abort
    // or the source running out); the wait for in-flight requests after that is `drain`.
    Nanos measured{0};
    Nanos drain{0};
    Nanos scheduled_duration{0};  // profile length (without warm-up)
    // Open model: expected arrivals in the measured window and their mean rate (the schedule's
    // own over that window); 0 in the closed model.
    double target_rps = 0;
    double expected_requests = 0;
    std::size_t threads = 1;
    double cpu_seconds = 0;  // process CPU over the measured part
    StopReason stop_reason = StopReason::completed;
    std::string stop_detail;  // e.g. the aborting threshold
    bool closed_model = false;
    std::size_t slots = 0;  // connections (open) or VUs (closed)
    SegmentSpec segment{};  // RunSpec::segment
    StartRecord start{};    // RunSpec::start_at and how late the run began
};

struct RunInputs {
    Target& target;
    // One request source per worker: (share index, share count) of the worker's share
    // (segments.hpp worker_share: worker j of w in segment i of n has i + n*j of n*w; the
    // worker index and count of an unsplit run).
    std::function<std::unique_ptr<RequestSource>(std::size_t, std::size_t)> make_source;
    // Optional: one arrival schedule per worker, replacing the profile's (replay timelines);
    // called with the worker's share like make_source.
    std::function<std::unique_ptr<Schedule>(std::size_t, std::size_t)> make_schedule;
    std::vector<IntervalListener*> listeners;
    // Time and timers of the run; nullptr: real_clock(). A clock whose time does not pass on its
    // own (a test's manual clock) needs SteppedRun.
    Clock* clock = nullptr;
    // Optional: told once, after the workers are built, how long the run will wait for
    // RunSpec::start_at (not called without a start_at).
    std::function<void(std::chrono::system_clock::time_point start_at, Nanos wait)> on_start_wait{};
};

// Runs to the end: one thread per worker, the collector on the calling thread. Throws
// std::invalid_argument for an unusable spec.
RunResult run(const RunSpec& spec, const RunInputs& inputs);

class Sequencer;

// The same run with every worker and the collector on one io_context that the caller runs,
// without threads of its own: with a manual clock (tests/fakes/manual_clock.hpp) a run is then a
// deterministic sequence of handlers, driven by advancing the clock and polling `io`. The run
// never stops or restarts `io`. Results are those of run() (spec.threads workers, one schedule
// share each).
class SteppedRun {
public:
    // Builds the workers (throws std::invalid_argument like run()); `io` must outlive this.
    SteppedRun(const RunSpec& spec, const RunInputs& inputs, boost::asio::io_context& io);
    ~SteppedRun();
    SteppedRun(const SteppedRun&) = delete;
    SteppedRun& operator=(const SteppedRun&) = delete;
    // Sets t0 = now + kRunHeadStart, posts the workers' starts and arms the run's timers; with
    // RunSpec::start_at, arms a timer that does so kRunHeadStart before it, with t0 = start_at.
    void start();
    // True once the final interval was published: result() is ready.
    [[nodiscard]] bool done() const;
    // The run's result, once done().
    RunResult result();

private:
    std::unique_ptr<Sequencer> sequencer_;
};

}  // namespace volley::engine
