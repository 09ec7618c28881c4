#include "engine/runner.hpp"

#include "engine/segments.hpp"
#include "engine/worker.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include <sys/prctl.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace volley::engine {
namespace {

double seconds(Nanos n) { return std::chrono::duration<double>(n).count(); }

double process_cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return tv(usage.ru_utime) + tv(usage.ru_stime);
}

// Splits `total` into `parts` shares that differ by at most one.
std::size_t share_of(std::size_t total, std::size_t parts, std::size_t index) {
    return total / parts + (index < total % parts ? 1 : 0);
}

// "1.234 s": a lag for messages.
std::string seconds_text(Nanos n) {
    std::array<char, 32> text{};
    std::snprintf(text.data(), text.size(), "%.3f s", seconds(n));
    return text.data();
}

}  // namespace

IntervalRow make_interval_row(const IntervalStats& stats, Nanos start, Nanos end, double target_rps,
                              double cpu_seconds) {
    const RequestStats all = stats.combined();
    IntervalRow row;
    row.t_s = seconds(start);
    row.length_s = seconds(end - start);
    row.requests = all.completed();
    row.arrivals = stats.arrivals;
    row.errors = all.errors();
    row.dropped = all.outcomes[static_cast<std::size_t>(Outcome::dropped)];
    row.unsent = all.outcomes[static_cast<std::size_t>(Outcome::unsent)];
    row.target_rps = target_rps;
    row.cpu_seconds = cpu_seconds;
    row.p50_ns = all.response_time.value_at_percentile(50);
    row.p95_ns = all.response_time.value_at_percentile(95);
    row.p99_ns = all.response_time.value_at_percentile(99);
    row.max_ns = all.response_time.max();
    row.lag_p99_ns = stats.schedule_lag.value_at_percentile(99);
    row.served_by = all.served_by;
    return row;
}

bool IntervalRowBuilder::add(std::vector<IntervalRow>& rows, const IntervalStats& stats,
                             Nanos start, Nanos end, double target_rps, double cpu_seconds,
                             bool last) {
    if (last && !rows.empty() && previous_start_ >= Nanos{0} && end - start < interval_ / 2) {
        previous_.add(stats);
        const IntervalRow& row = rows.back();
        const double length_s = seconds(end - start);
        const double joined_target_rps =
            (row.target_rps * row.length_s + target_rps * length_s) / (row.length_s + length_s);
        rows.back() = make_interval_row(previous_, previous_start_, end, joined_target_rps,
                                        row.cpu_seconds + cpu_seconds);
        return true;
    }
    rows.push_back(make_interval_row(stats, start, end, target_rps, cpu_seconds));
    previous_.reset();
    previous_.add(stats);
    previous_start_ = start;
    return false;
}

// Coordinates one run. Threaded (run()): the collector on the calling thread, each worker on a
// thread and io_context of its own. Stepped (SteppedRun): workers and collector share the
// caller's io_context and nothing runs on its own.
class Sequencer {
public:
    // `shared_io`: nullptr for a threaded run, else the io_context of a stepped run.
    Sequencer(const RunSpec& spec, const RunInputs& inputs, boost::asio::io_context* shared_io)
        : spec_(spec),
          inputs_(inputs),
          time_(inputs.clock ? *inputs.clock : real_clock()),
          shared_io_(shared_io),
          own_control_(shared_io ? nullptr : std::make_unique<boost::asio::io_context>(1)),
          control_(shared_io ? *shared_io : *own_control_),
          tick_timer_(time_.make_timer(control_)),
          end_timer_(time_.make_timer(control_)),
          drain_timer_(time_.make_timer(control_)),
          start_timer_(time_.make_timer(control_)) {
        result_.totals = empty_stats();
    }

    // Builds the workers: sessions and sources may take a while to set up.
    void prepare() {
        clock_.emplace(time_, time_.now());
        build_workers();
        measure_start_ = spec_.warmup;
        interval_start_ = measure_start_;
        if (spec_.start_at) plan_start_at();
    }

    RunResult run_threaded() {
        prepare();
        for (auto& worker : workers_) {
            worker.thread = std::thread([io = worker.io] {
                // Timers wake the worker at intended starts: Linux's default 50 us timer slack
                // would add up to that much to every send (wrk2's rule is to measure from
                // the intended start, so being on time matters).
                ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
                io->run();
            });
        }
        start();
        // Workers post back to control_ from their threads: keep it alive until publish() stops it.
        auto control_guard = boost::asio::make_work_guard(control_);
        control_.run();
        for (auto& worker : workers_) {
            worker.guard.reset();
            worker.io->stop();
            worker.thread.join();
        }
        return finish();
    }

    // Without a start time, t0 slightly ahead so that every worker is running when the first
    // arrival is due; with one, t0 = start_at, the workers started kRunHeadStart before it.
    void start() {
        if (spec_.handle_signals) {
            signals_.emplace(control_, SIGINT, SIGTERM);
            wait_for_signal();
        }
        if (!start_t0_) {
            begin(time_.now() + kRunHeadStart);
            return;
        }
        start_timer_->expires_at(*start_t0_ - kRunHeadStart);
        start_timer_->async_wait([this](bool expired) {
            if (expired) begin(*start_t0_);
        });
    }

    // Workers read the clock only from their start(), which the post below orders after this.
    void begin(SteadyClock::time_point t0) {
        started_ = true;
        if (start_t0_) result_.start.lag = std::max(Nanos{0}, time_.now() - t0);
        *clock_ = RunClock(time_, t0);
        for (auto& worker : workers_) {
            boost::asio::post(*worker.io, [w = worker.worker.get()] { w->start(); });
        }
        arm_tick();
        // A profile of known length ends on time; a custom schedule ends when it is exhausted.
        if (scheduled_.count() > 0) {
            end_timer_->expires_at(clock_->at(spec_.warmup + scheduled_));
            end_timer_->async_wait([this](bool expired) {
                if (expired) begin_stop(StopReason::completed, {}, spec_.warmup + scheduled_);
            });
        }
    }

    [[nodiscard]] bool done() const { return done_; }

    RunResult finish() {
        if (start_interrupted_)
            throw StartInterrupted("interrupted while waiting for the start: nothing was sent");
        // Scheduling stopped at stop_at_; what followed was the drain. A profile whose workers
        // all finished before its end timer ran its whole schedule: it measured the planned
        // length. A custom schedule (replay) that ran out ends with its last completion.
        Nanos stopped = interval_start_;
        if (stop_at_)
            stopped = std::min(*stop_at_, interval_start_);
        else if (scheduled_.count() > 0)
            stopped = spec_.warmup + scheduled_;
        result_.measured = std::max(Nanos{0}, stopped - measure_start_);
        result_.drain = std::max(Nanos{0}, interval_start_ - std::max(stopped, measure_start_));
        if (!result_.closed_model && result_.measured.count() > 0) {
            result_.expected_requests =
                expected_requests_between(open_, measure_start_,
                                          measure_start_ + result_.measured) *
                segment_fraction(spec_.segment);
            result_.target_rps = result_.expected_requests / seconds(result_.measured);
        }
        using WallDuration = std::chrono::system_clock::duration;
        // With a start time, run time 0 is start_at by construction: the intervals' boundaries
        // are start_at + warm-up + k intervals on the wall clock.
        result_.started_at =
            spec_.start_at
                ? *spec_.start_at + std::chrono::duration_cast<WallDuration>(measure_start_)
                : time_.wall_now() -
                      std::chrono::duration_cast<WallDuration>(clock_->now() - measure_start_);
        for (const auto& row : result_.intervals) result_.cpu_seconds += row.cpu_seconds;
        return std::move(result_);
    }

private:
    struct WorkerSlot {
        std::unique_ptr<boost::asio::io_context> own_io;  // threaded runs
        boost::asio::io_context* io = nullptr;
        std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
            guard;
        std::unique_ptr<Worker> worker;
        std::unique_ptr<IntervalStats> spare;
        std::thread thread;
    };

    void build_workers() {
        if (spec_.request_names.empty()) throw std::invalid_argument("no requests to send");
        std::size_t threads = std::max<std::size_t>(1, spec_.threads);
        const auto* closed = std::get_if<ClosedProfile>(&spec_.profile);
        if (closed) {
            if (closed->vus == 0) throw std::invalid_argument("vus must be at least 1");
            if (closed->duration.count() <= 0)
                throw std::invalid_argument("duration must be positive");
            require_segment_vus(spec_);
            threads = worker_count(spec_);
            scheduled_ = closed->duration;
            result_.closed_model = true;
            result_.slots = segment_vus(closed->vus, spec_.segment);
        } else {
            const auto& open = std::get<OpenProfile>(spec_.profile);
            // A custom schedule (replay) brings its own timeline and may have no profile.
            if (open.stages.empty() && !inputs_.make_schedule)
                throw std::invalid_argument("the load profile has no stages");
            if (spec_.connections == 0)
                throw std::invalid_argument("connections must be at least 1");
            const bool too_fast =
                open.start_rps > kMaxRateRps ||
                std::any_of(open.stages.begin(), open.stages.end(),
                            [](const Stage& s) { return s.target_rps > kMaxRateRps; });
            if (too_fast)
                throw std::invalid_argument(
                    "the load profile asks for more than 10000000/s, more than one load "
                    "generator can produce (engine::kMaxRateRps)");
            threads = std::min(threads, spec_.connections);
            scheduled_ = total_duration(open);
            open_ = with_warmup(open, spec_.warmup);
            result_.slots = spec_.connections;
        }
        const std::size_t max_in_flight =
            spec_.max_in_flight > 0 ? spec_.max_in_flight
                                    : std::max<std::size_t>(10000, 10 * spec_.connections);
        for (std::size_t i = 0; i < threads; ++i) {
            WorkerSlot slot;
            if (shared_io_) {
                slot.io = shared_io_;
            } else {
                slot.own_io = std::make_unique<boost::asio::io_context>(1);
                slot.io = slot.own_io.get();
                slot.guard.emplace(slot.io->get_executor());
            }
            WorkerConfig config;
            config.index = i;
            config.count = threads;
            config.record_from = spec_.warmup;
            config.seed = spec_.seed;
            // Worker i plays share {segment index + segments * i, segments * threads} of the
            // global arrivals, VUs, feeder items and replay records (segments.hpp).
            const Share share = worker_share(spec_.segment, i, threads);
            std::unique_ptr<Schedule> schedule;
            if (closed) {
                config.slots = share_of(closed->vus, share.count, share.index);
                config.first_vu = share.index;
                config.vu_stride = share.count;
                config.closed = *closed;
                config.closed = [&] {
                    ClosedProfile c = *closed;
                    c.duration += spec_.warmup;
                    return c;
                }();
            } else {
                config.slots = share_of(spec_.connections, threads, i);
                const std::size_t in_flight_share = share_of(max_in_flight, threads, i);
                config.queue_limit =
                    in_flight_share > config.slots ? in_flight_share - config.slots : 0;
                schedule = worker_schedule(spec_, inputs_.make_schedule, i, threads);
            }
            auto source = inputs_.make_source(share.index, share.count);
            slot.worker = std::make_unique<Worker>(config, *slot.io, clock_ref(), inputs_.target,
                                                   std::move(source), std::move(schedule), shape());
            slot.worker->on_idle = [this] {
                boost::asio::post(control_, [this] { check_idle(); });
            };
            // The run ends with the first source that runs out: the others' share of the plan
            // would be missing too, so the run cannot reach its planned end.
            slot.worker->on_source_exhausted = [this](std::string reason) {
                boost::asio::post(control_, [this, reason = std::move(reason)]() mutable {
                    if (reason.empty()) reason = "the request source ran out";
                    begin_stop(StopReason::source_exhausted, std::move(reason));
                });
            };
            slot.spare = std::make_unique<IntervalStats>(empty_stats());
            workers_.push_back(std::move(slot));
        }
        result_.threads = threads;
        result_.request_names = spec_.request_names;
        result_.flow_names = spec_.flow_names;
        result_.counter_names = spec_.counter_names;
        result_.scheduled_duration = scheduled_;
        result_.segment = spec_.segment;
    }

    // Maps RunSpec::start_at onto the run's clock (start_t0_), or refuses a start already
    // missed by more than max_start_lag. Called once the workers are built: building them is
    // part of what a late start is late by.
    void plan_start_at() {
        const Nanos late = std::chrono::duration_cast<Nanos>(time_.wall_now() - *spec_.start_at);
        if (late > spec_.max_start_lag) {
            throw StartMissed("the start time was missed by " + seconds_text(late) +
                              " (more than the allowed " + seconds_text(spec_.max_start_lag) +
                              "): give a later --start-at, or a larger --max-start-lag");
        }
        start_t0_ = time_.now() - late;
        result_.start.start_at = spec_.start_at;
        result_.start.max_start_lag = spec_.max_start_lag;
        result_.start.clock_sync = read_clock_sync();
        if (inputs_.on_start_wait)
            inputs_.on_start_wait(*spec_.start_at, std::max(Nanos{0}, -late));
    }

    // A signal during the wait for start_at: the run ends without having sent anything.
    void abandon_start() {
        start_interrupted_ = true;
        start_timer_->cancel();
        if (signals_) signals_->cancel();
        done_ = true;
        if (!shared_io_) control_.stop();
    }

    // Workers keep a reference to the clock, which is set before any worker is built.
    const RunClock& clock_ref() const { return *clock_; }

    void wait_for_signal() {
        signals_->async_wait([this](const boost::system::error_code& ec, int) {
            if (ec) return;
            if (!started_) {
                abandon_start();
            } else if (stopping_) {
                begin_abort(StopReason::interrupted_immediately);
            } else {
                begin_stop(StopReason::interrupted, "signal");
                wait_for_signal();
            }
        });
    }

    void arm_tick() {
        tick_timer_->expires_at(clock_->at(interval_start_ + spec_.interval));
        tick_timer_->async_wait([this](bool expired) {
            if (!expired) return;
            collect(false);
        });
    }

    // Asks every worker for its interval; the last delivery merges and publishes them.
    void collect(bool final_interval) {
        if (collecting_) return;
        collecting_ = true;
        pending_ = workers_.size();
        for (auto& slot : workers_) {
            boost::asio::post(*slot.io, [this, &slot, final_interval] {
                auto full = slot.worker->swap_interval(std::move(slot.spare));
                boost::asio::post(control_,
                                  [this, &slot, final_interval, full = std::move(full)]() mutable {
                                      merged_.add(*full);
                                      full->reset();
                                      slot.spare = std::move(full);
                                      if (--pending_ == 0) publish(final_interval);
                                  });
            });
        }
    }

    // The profile's mean target rate over [start, end) (run time); 0 in the closed model. A
    // segment's is its part: the global rate x segment_fraction (1/n, segments.hpp).
    double target_between(Nanos start, Nanos end) const {
        if (result_.closed_model || end <= start) return 0;
        return expected_requests_between(open_, start, end) * segment_fraction(spec_.segment) /
               seconds(end - start);
    }

    void publish(bool final_interval) {
        collecting_ = false;
        const Nanos now = clock_->now();
        Nanos end = final_interval ? now : interval_start_ + spec_.interval;
        if (end < interval_start_) end = interval_start_;
        const bool in_measurement = end > measure_start_;
        if (in_measurement) {
            const double cpu = process_cpu_seconds();
            const double cpu_used = cpu - last_cpu_;
            last_cpu_ = cpu;
            const double target = target_between(interval_start_, end);
            const Nanos rel_start = interval_start_ - measure_start_;
            const Nanos rel_end = end - measure_start_;
            const bool draining = stop_at_.has_value() && *stop_at_ < end;
            IntervalReport report{
                result_.intervals.size(), rel_start, rel_end, merged_, target, cpu_used, draining};
            (void)rows_.add(result_.intervals, merged_, rel_start, rel_end, target, cpu_used,
                            final_interval);
            result_.totals.add(merged_);
            for (auto* listener : inputs_.listeners) {
                if (auto reason = listener->on_interval(report); reason && !stopping_) {
                    begin_stop(StopReason::aborted, *reason);
                }
            }
        }
        merged_.reset();
        interval_start_ = end;
        if (final_interval) {
            done_ = true;
            if (!shared_io_) control_.stop();  // a stepped run's io_context belongs to its caller
            return;
        }
        if (finishing_) {
            collect(true);
            return;
        }
        arm_tick();
    }

    // `at`: when scheduling stopped (run time); now unless given (the planned end).
    void begin_stop(StopReason reason, std::string detail, std::optional<Nanos> at = std::nullopt) {
        if (stopping_) return;
        stopping_ = true;
        stop_at_ = at ? std::min(*at, clock_->now()) : clock_->now();
        result_.stop_reason = reason;
        result_.stop_detail = std::move(detail);
        for (auto& slot : workers_) {
            boost::asio::post(*slot.io, [w = slot.worker.get()] { w->stop_scheduling(); });
        }
        drain_timer_->expires_at(time_.now() + spec_.drain);
        drain_timer_->async_wait([this](bool expired) {
            if (expired) begin_abort(std::nullopt);
        });
        check_idle();
    }

    // Gives up on in-flight requests; a signal-driven abort also changes the stop reason.
    void begin_abort(std::optional<StopReason> reason) {
        if (reason) result_.stop_reason = *reason;
        stopping_ = true;
        if (!stop_at_) stop_at_ = clock_->now();
        pending_aborts_ = workers_.size();
        for (auto& slot : workers_) {
            boost::asio::post(*slot.io, [this, w = slot.worker.get()] {
                w->abort();
                boost::asio::post(control_, [this] {
                    if (--pending_aborts_ == 0) finish_now();
                });
            });
        }
    }

    void check_idle() {
        if (finishing_) return;
        // Each probe asks every worker; answers to an older probe are ignored.
        const std::uint64_t probe = ++idle_probe_;
        idle_answers_ = 0;
        idle_count_ = 0;
        for (auto& slot : workers_) {
            boost::asio::post(*slot.io, [this, probe, w = slot.worker.get()] {
                const bool idle = w->finished();
                boost::asio::post(control_, [this, probe, idle] {
                    if (probe != idle_probe_) return;
                    idle_count_ += idle ? 1 : 0;
                    if (++idle_answers_ == workers_.size() && idle_count_ == workers_.size())
                        finish_now();
                });
            });
        }
    }

    void finish_now() {
        if (finishing_) return;
        finishing_ = true;
        end_timer_->cancel();
        drain_timer_->cancel();
        tick_timer_->cancel();
        if (signals_) signals_->cancel();
        collect(true);  // if a collection is running, publish() continues with the final one
    }

    const RunSpec& spec_;
    const RunInputs& inputs_;
    Clock& time_;
    boost::asio::io_context* shared_io_;
    std::unique_ptr<boost::asio::io_context> own_control_;
    boost::asio::io_context& control_;
    std::optional<RunClock> clock_;
    std::optional<boost::asio::signal_set> signals_;
    std::unique_ptr<Timer> tick_timer_;
    std::unique_ptr<Timer> end_timer_;
    std::unique_ptr<Timer> drain_timer_;
    std::unique_ptr<Timer> start_timer_;               // the wait for RunSpec::start_at
    std::optional<SteadyClock::time_point> start_t0_;  // start_at on the run's clock
    std::vector<WorkerSlot> workers_;
    OpenProfile open_;
    Nanos scheduled_{0};
    Nanos measure_start_{0};
    Nanos interval_start_{0};
    [[nodiscard]] StatsShape shape() const {
        return {spec_.request_names.size(), spec_.flow_names.size(), spec_.counter_names.size()};
    }
    [[nodiscard]] IntervalStats empty_stats() const { return IntervalStats(shape()); }
    IntervalStats merged_ = empty_stats();
    IntervalRowBuilder rows_{shape(), spec_.interval};
    std::optional<Nanos> stop_at_;  // run time scheduling stopped
    RunResult result_;
    double last_cpu_ = process_cpu_seconds();
    std::size_t pending_ = 0;
    std::size_t pending_aborts_ = 0;
    std::uint64_t idle_probe_ = 0;
    std::size_t idle_answers_ = 0;
    std::size_t idle_count_ = 0;
    bool collecting_ = false;
    bool stopping_ = false;
    bool finishing_ = false;
    bool done_ = false;
    bool started_ = false;            // begin() ran: the workers were started
    bool start_interrupted_ = false;  // a signal ended the wait for start_at
};

RunResult run(const RunSpec& spec, const RunInputs& inputs) {
    Sequencer sequencer(spec, inputs, nullptr);
    return sequencer.run_threaded();
}

SteppedRun::SteppedRun(const RunSpec& spec, const RunInputs& inputs, boost::asio::io_context& io)
    : sequencer_(std::make_unique<Sequencer>(spec, inputs, &io)) {
    sequencer_->prepare();
}

SteppedRun::~SteppedRun() = default;

void SteppedRun::start() { sequencer_->start(); }

bool SteppedRun::done() const { return sequencer_->done(); }

RunResult SteppedRun::result() { return sequencer_->finish(); }

}  // namespace volley::engine
