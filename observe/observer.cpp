#include "observe/observer.hpp"

#include <fmt/format.h>

#include <ctime>

#include <algorithm>
#include <exception>
#include <numeric>
#include <utility>

namespace volley::observe {

using reports::ObservedKind;

Observer::Observer(std::vector<std::unique_ptr<ObserveSource>> sources,
                   std::vector<std::string> request_names, ObservedRunLimits limits,
                   RequestTags request_tags)
    : request_names_(std::move(request_names)),
      limits_(limits),
      request_tags_(std::move(request_tags)) {
    sources_.reserve(sources.size());
    for (auto& source : sources) {
        SourceState state;
        state.status.name = source->name();
        state.source = std::move(source);
        sources_.push_back(std::move(state));
    }
}

void Observer::baseline() {
    const SampleContext context{0, 0, {}, request_names_, request_tags_};
    for (auto& state : sources_) sample_source(state, SIZE_MAX, context);
}

void Observer::close_interval(std::size_t index, double interval_s,
                              const std::vector<std::uint64_t>& completed_per_request) {
    const std::uint64_t completed = std::accumulate(completed_per_request.begin(),
                                                    completed_per_request.end(), std::uint64_t{0});
    const SampleContext context{interval_s, completed, completed_per_request, request_names_,
                                request_tags_};
    for (auto& state : sources_) sample_source(state, index, context);
}

// `index` SIZE_MAX: the baseline (its values are gauges at the measurement's start: kept out of
// the interval rows).
void Observer::sample_source(SourceState& state, std::size_t index, const SampleContext& context) {
    ++state.status.samples;
    SourceSample sample;
    try {
        sample = state.source->sample(context);
    } catch (const std::exception& error) {
        ++state.status.failures;
        if (state.status.first_error.empty()) {
            state.status.first_error = error.what()[0] ? error.what() : "failed (no reason given)";
        }
        return;
    }
    for (auto& note : sample.notes) {
        if (std::find(state.status.notes.begin(), state.status.notes.end(), note) ==
            state.status.notes.end()) {
            state.status.notes.push_back(std::move(note));
        }
    }
    if (index == SIZE_MAX) return;
    for (auto& value : sample.values) record(state, index, std::move(value));
    if (!sample.statements.empty() || state.has_statements) {
        state.has_statements = true;
        statement_requests_ += context.completed;
        for (const auto& delta : sample.statements) {
            auto& total = statements_[delta.text];
            total.calls += delta.calls;
            total.time_ms += delta.time_ms;
        }
    }
}

void Observer::record(const SourceState& state, std::size_t index, reports::ObservedValue value) {
    auto found = series_index_.find(value.series);
    if (found == series_index_.end()) {
        found = series_index_.emplace(value.series, series_.size()).first;
        reports::ObservedSeries series;
        series.name = value.series;
        series.source = state.status.name;
        series.kind = value.kind;
        series.unit = value.unit;
        series_.push_back(std::move(series));
    }
    auto& points = series_[found->second].points;
    if (points.size() <= index) points.resize(index + 1);
    points[index] = value.point;
}

namespace {

// Folds the points past the last row into it: sums for counts and ratios, the last level for a
// gauge, the larger for a peak.
void fold_into_last_row(reports::ObservedSeries& series, std::size_t rows) {
    auto& points = series.points;
    if (rows == 0) {
        points.clear();
        return;
    }
    for (std::size_t i = rows; i < points.size(); ++i) {
        if (!points[i]) continue;
        auto& last = points[rows - 1];
        if (!last) {
            last = points[i];
            continue;
        }
        switch (series.kind) {
            case ObservedKind::gauge: last = points[i]; break;
            case ObservedKind::peak: last->num = std::max(last->num, points[i]->num); break;
            case ObservedKind::rate:
            case ObservedKind::ratio:
                last->num += points[i]->num;
                last->den += points[i]->den;
                break;
        }
    }
    points.resize(rows);
}

}  // namespace

void judge_statement(reports::ObservedStatement& statement, std::uint64_t requests,
                     const ObservedRunLimits& limits) {
    statement.calls_per_request =
        requests > 0 ? static_cast<double>(statement.calls) / static_cast<double>(requests) : 0;
    statement.n_plus_one =
        requests > 0 && statement.calls_per_request > limits.n_plus_one_calls_per_request;
    statement.why = statement.n_plus_one ? fmt::format("{:.1f} calls per request > {:g}",
                                                       statement.calls_per_request,
                                                       limits.n_plus_one_calls_per_request)
                                         : std::string();
}

reports::ObservedRun Observer::finish(std::size_t interval_rows) const {
    reports::ObservedRun run;
    for (const auto& state : sources_) run.sources.push_back(state.status);
    run.series = series_;
    for (auto& series : run.series) fold_into_last_row(series, interval_rows);
    for (const auto& [text, total] : statements_) {
        reports::ObservedStatement statement;
        statement.text = text;
        statement.calls = total.calls;
        statement.total_time_ms = total.time_ms;
        judge_statement(statement, statement_requests_, limits_);
        run.statements.push_back(std::move(statement));
    }
    std::stable_sort(run.statements.begin(), run.statements.end(),
                     [](const auto& a, const auto& b) { return a.calls > b.calls; });
    if (run.statements.size() > limits_.statements_kept) {
        run.statements.resize(limits_.statements_kept);
    }
    return run;
}

ObserveThread::ObserveThread(Observer& observer) : observer_(observer) {}

ObserveThread::~ObserveThread() { stop(); }

void ObserveThread::start(std::chrono::nanoseconds baseline_delay) {
    thread_ = std::thread([this, baseline_delay] { loop(baseline_delay); });
}

std::optional<std::string> ObserveThread::on_interval(const engine::IntervalReport& report) {
    Job job;
    job.index = report.index;
    job.interval_s = std::chrono::duration<double>(report.end - report.start).count();
    job.completed_per_request.reserve(report.stats.per_request.size());
    for (const auto& request : report.stats.per_request) {
        job.completed_per_request.push_back(request.completed());
    }
    {
        const std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
    return std::nullopt;
}

void ObserveThread::stop() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

namespace {

double thread_cpu_seconds() {
    timespec now{};
    if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) != 0) return 0;
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

}  // namespace

void ObserveThread::loop(std::chrono::nanoseconds baseline_delay) {
    {
        // The baseline belongs at the measurement's start; a stop or a first interval that comes
        // sooner (a very short run) takes it at once.
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, baseline_delay, [this] { return stopping_ || !jobs_.empty(); });
    }
    observer_.baseline();
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) {  // stopping, and every queued sample taken
                cpu_seconds_ = thread_cpu_seconds();
                return;
            }
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        observer_.close_interval(job.index, job.interval_s, job.completed_per_request);
    }
}

}  // namespace volley::observe
