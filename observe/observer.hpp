// The sampler of `observe:` (docs/observe.md, docs/architecture.md "Observe"): reads every source
// once before the load (the baseline) and once per interval, on a thread of its own, and builds
// the run's reports::ObservedRun. The engine's collector only hands it the interval's counts
// (ObserveThread::on_interval copies them and queues a job): no source is read on the request
// path or on the collector thread, and a slow or failing source delays nothing but itself.
#pragma once

#include "engine/runner.hpp"
#include "observe/source.hpp"
#include "reports/observed.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace volley::observe {

struct ObservedRunLimits {
    double n_plus_one_calls_per_request = 5;
    std::size_t statements_kept = 20;
};

// A statement's calls per request over `requests` completed requests, and whether that makes it
// an N+1 (more than limits.n_plus_one_calls_per_request; `why` says so).
void judge_statement(reports::ObservedStatement& statement, std::uint64_t requests,
                     const ObservedRunLimits& limits);

// The sampling core, synchronous: the caller decides when (ObserveThread on a thread; tests
// call it directly with fake sources).
class Observer {
public:
    using RequestTags = std::vector<std::vector<std::pair<std::string, std::string>>>;
    Observer(std::vector<std::unique_ptr<ObserveSource>> sources,
             std::vector<std::string> request_names, ObservedRunLimits limits = {},
             RequestTags request_tags = {});

    // Reads every source once: the baseline of their counters.
    void baseline();
    // Closes interval `index` (0, 1, …, in order): samples every source; `completed_per_request`
    // is indexed like the request names.
    void close_interval(std::size_t index, double interval_s,
                        const std::vector<std::uint64_t>& completed_per_request);
    // The series with one point per interval row (`interval_rows`: the run's
    // RunResult::intervals size; points of later intervals — a short last interval the engine
    // merged into the row before — are merged into the last row), sources' health, statements.
    [[nodiscard]] reports::ObservedRun finish(std::size_t interval_rows) const;

private:
    struct StatementTotal {
        std::uint64_t calls = 0;
        double time_ms = 0;
    };
    struct SourceState {
        std::unique_ptr<ObserveSource> source;
        reports::SourceStatus status;
        bool has_statements = false;
        std::uint64_t completed_while_up = 0;  // requests completed in intervals it sampled
    };
    void sample_source(SourceState& state, std::size_t index, const SampleContext& context);
    void record(const SourceState& state, std::size_t index, reports::ObservedValue value);

    std::vector<SourceState> sources_;
    std::vector<std::string> request_names_;
    ObservedRunLimits limits_;
    RequestTags request_tags_;
    std::vector<reports::ObservedSeries> series_;
    std::map<std::string, std::size_t, std::less<>> series_index_;
    std::map<std::string, StatementTotal, std::less<>> statements_;
    std::uint64_t statement_requests_ = 0;  // completed requests in intervals statements covered
};

// Runs an Observer on its own thread for one run: the baseline when the measurement starts,
// then one sample per interval the engine publishes (an engine::IntervalListener).
class ObserveThread final : public engine::IntervalListener {
public:
    explicit ObserveThread(Observer& observer);
    ~ObserveThread() override;
    ObserveThread(const ObserveThread&) = delete;
    ObserveThread& operator=(const ObserveThread&) = delete;

    // Starts the thread; it takes the baseline after `baseline_delay` (the run's head start and
    // warm-up: the baseline belongs at the measurement's start).
    void start(std::chrono::nanoseconds baseline_delay);
    // Copies the interval's completed counts and queues its sample; never blocks on a source.
    std::optional<std::string> on_interval(const engine::IntervalReport& report) override;
    // Waits for the queued samples (each bounded by its source's timeout) and stops the thread.
    void stop();

    // CPU time the thread used (sampling, parsing, talking to the sources), seconds.
    [[nodiscard]] double cpu_seconds() const { return cpu_seconds_; }

private:
    struct Job {
        std::size_t index = 0;
        double interval_s = 0;
        std::vector<std::uint64_t> completed_per_request;
    };
    void loop(std::chrono::nanoseconds baseline_delay);

    Observer& observer_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> jobs_;
    bool stopping_ = false;
    double cpu_seconds_ = 0;  // written by the thread before it ends; read after join()
    std::thread thread_;
};

}  // namespace volley::observe
