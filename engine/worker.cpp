#include "engine/worker.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace volley::engine {

Worker::Worker(WorkerConfig config, boost::asio::io_context& io, const RunClock& clock,
               Target& target, std::unique_ptr<RequestSource> source,
               std::unique_ptr<Schedule> schedule, const StatsShape& shape)
    : config_(config),
      io_(io),
      clock_(clock),
      source_(std::move(source)),
      schedule_(std::move(schedule)),
      active_(std::make_unique<IntervalStats>(shape)),
      recorder_(*active_),
      open_timer_(clock.make_timer(io)),
      slots_(config_.slots) {
    session_ = target.open_session(
        SessionContext{io_, *this, config_.index, config_.count, config_.slots, &clock_});
    free_slots_.reserve(config_.slots);
    for (std::size_t i = config_.slots; i > 0; --i) free_slots_.push_back(i - 1);
}

Worker::~Worker() = default;

std::unique_ptr<IntervalStats> Worker::swap_interval(std::unique_ptr<IntervalStats> fresh) {
    std::swap(active_, fresh);
    recorder_.switch_to(*active_);
    return fresh;
}

void Worker::start() {
    if (std::holds_alternative<ClosedProfile>(config_.closed)) {
        free_slots_.clear();
        for (std::size_t slot = 0; slot < config_.slots; ++slot) {
            const std::uint64_t vu = config_.first_vu + config_.vu_stride * slot;
            vu_rngs_.emplace_back(config_.seed * 1000003 + vu);
            vu_timers_.push_back(clock_.make_timer(io_));
            // The run's t0 lies a little ahead of start(): every VU's first request is due at t0
            // (never before it, where it would fall outside the recorded run).
            closed_arm(slot, std::max(clock_.now(), Nanos{0}));
        }
        return;
    }
    next_due_ = schedule_ ? schedule_->next() : std::nullopt;
    next_lane_ = schedule_ ? schedule_->lane() : 0;
    arm_open_timer();
}

// ---- open model -------------------------------------------------------------------------

void Worker::arm_open_timer() {
    if (!next_due_) {
        end_scheduling();
        return;
    }
    open_timer_->expires_at(clock_.at(*next_due_));
    open_timer_->async_wait([this](bool expired) {
        if (!expired || scheduling_done_) return;
        dispatch_batches();
    });
}

// One wake-up: a batch of due arrivals, then either the timer for the next one or, when more
// are already due (the generator is behind), a posted continuation. Handlers posted meanwhile
// (stop, abort, the interval hand-over) run between two batches.
void Worker::dispatch_batches() {
    if (dispatch_due(kDispatchBatch) == DueLeft::more) {
        boost::asio::post(io_, [this] {
            // Scheduling may have ended in between (stop, abort, the source ran out): nothing
            // more to send. The worker outlives this handler: the run ends only after the
            // worker answered a later-posted idle probe (runner.cpp check_idle).
            if (!scheduling_done_) dispatch_batches();
        });
        return;
    }
    if (!scheduling_done_) arm_open_timer();
}

// Sends (or queues, or drops) up to `limit` arrivals that are due: one wake-up serves many of
// them, so a high rate does not cost a timer per request, and never more than `limit`, so one
// handler's work is bounded however far behind the generator is.
Worker::DueLeft Worker::dispatch_due(std::size_t limit) {
    const Nanos now = clock_.now();
    for (std::size_t done = 0; next_due_ && *next_due_ <= now && !scheduling_done_; ++done) {
        if (done == limit) return DueLeft::more;
        const Arrival arrival{*next_due_, now};
        if (next_lane_ != 0) {
            dispatch_lane(next_lane_, arrival, now);
        } else if (const auto slot = acquire_slot()) {
            send_on(*slot, arrival, now);
        } else if (waiting_ < config_.queue_limit) {
            queue_.push_back(Queued{arrival, 0});
            ++waiting_;
        } else {
            drop(0, arrival);
        }
        if (source_exhausted_) return DueLeft::none;
        next_due_ = schedule_->next();
        next_lane_ = schedule_->lane();
    }
    return DueLeft::none;
}

// A lane's arrival goes out on the lane's slot once its earlier arrivals are done; a lane
// without a slot takes any free one.
void Worker::dispatch_lane(std::uint64_t lane_id, Arrival arrival, Nanos now) {
    auto& lane = lanes_[lane_id];
    if (lane.slot &&
        !slots_[*lane.slot].busy) {  // idle and bound: its idle_bound_ entry goes stale
        send_on(*lane.slot, arrival, now, lane_id);
        return;
    }
    if (!lane.slot && lane.waiting.empty()) {
        if (const auto slot = acquire_slot()) {
            lane.slot = *slot;
            slots_[*slot].lane = lane_id;
            send_on(*slot, arrival, now, lane_id);
            return;
        }
    }
    if (waiting_ >= config_.queue_limit) {
        drop(lane_id, arrival);
        return;
    }
    if (!lane.slot && lane.waiting.empty()) queue_.push_back(Queued{arrival, lane_id});
    lane.waiting.push_back(arrival);
    ++waiting_;
}

// The queue is full. Lane 0: the arrival is dropped. A lane drops its oldest waiting arrival
// (whose request the source hands out next) and keeps the new one in its place.
void Worker::drop(std::uint64_t lane_id, Arrival arrival) {
    Nanos intended = arrival.intended;
    PreparedRequest discarded;
    if (lane_id != 0) {
        auto found = lanes_.find(lane_id);
        if (found != lanes_.end() && !found->second.waiting.empty()) {
            found->second.waiting.push_back(arrival);
            intended = found->second.waiting.front().intended;
            found->second.waiting.pop_front();
        } else if (found != lanes_.end() && !found->second.slot) {
            lanes_.erase(found);
        }
    }
    if (!(lane_id != 0 ? source_->next_in_lane(lane_id, discarded)
                       : source_->next_at(intended, discarded))) {
        source_ran_out();
        end_scheduling();
        return;
    }
    if (intended >= config_.record_from) {
        recorder_.record_dropped(discarded.name_index);
        if (discarded.flow != kNoFlow) recorder_.record_flow_dropped(discarded.flow);
    }
}

// A free slot, else the slot that has been idle longest while bound to a lane (that lane's
// connection is then given up).
std::optional<std::size_t> Worker::acquire_slot() {
    if (!free_slots_.empty()) {
        const std::size_t slot = free_slots_.back();
        free_slots_.pop_back();
        return slot;
    }
    while (!idle_bound_.empty()) {
        const IdleBound entry = idle_bound_.front();
        idle_bound_.pop_front();
        if (!still_idle(entry)) continue;
        unbind(entry.slot);
        return entry.slot;
    }
    return std::nullopt;
}

// False for an entry gone stale: its slot was used again (or unbound) since it was listed.
bool Worker::still_idle(const IdleBound& entry) const {
    const auto& state = slots_[entry.slot];
    return !state.busy && state.lane != 0 && state.idle_since == entry.since;
}

void Worker::unbind(std::size_t slot) {
    auto& state = slots_[slot];
    if (state.lane == 0) return;
    if (auto found = lanes_.find(state.lane); found != lanes_.end()) {
        found->second.slot.reset();
        if (found->second.waiting.empty()) lanes_.erase(found);
    }
    state.lane = 0;
}

// Gives the free `slot` to the oldest arrival waiting for one.
void Worker::serve_queue(std::size_t slot, Nanos now) {
    const Queued queued = queue_.front();
    queue_.pop_front();
    --waiting_;
    if (queued.lane == 0) {
        send_on(slot, queued.arrival, now);
        return;
    }
    auto& lane = lanes_[queued.lane];
    lane.slot = slot;
    slots_[slot].lane = queued.lane;
    const Arrival arrival = lane.waiting.front();
    lane.waiting.pop_front();
    send_on(slot, arrival, now, queued.lane);
}

void Worker::send_on(std::size_t slot, Arrival arrival, Nanos now, std::uint64_t lane) {
    PreparedRequest request;
    if (source_exhausted_ || !(lane != 0 ? source_->next_in_lane(lane, request)
                                         : source_->begin_at(slot, arrival.intended, request))) {
        source_ran_out();
        forget_waiting();
        free_slots_.push_back(slot);
        end_scheduling();
        return;
    }
    auto& state = slots_[slot];
    state.intended = arrival.intended;
    state.sent = now;
    state.name_index = request.name_index;
    state.busy = true;
    state.record = arrival.intended >= config_.record_from;
    state.flow = request.flow;
    state.flow_start = arrival.intended;
    state.arrival = true;
    ++in_flight_;
    if (state.record) {
        recorder_.record_sent(std::max(Nanos{0}, arrival.reached - arrival.intended),
                              std::max(Nanos{0}, now - arrival.reached));
        if (request.flow != kNoFlow) recorder_.record_flow_started(request.flow);
    }
    session_->send(slot, request);
}

// ---- flows (journeys) -------------------------------------------------------------------

// Asks the source what the slot's flow does after this completion. A cancelled request (the
// run stopped at once) interrupts the flow; an ended flow is recorded with its duration.
bool Worker::flow_continues(std::size_t slot, const Completion& completion, Nanos now) {
    auto& state = slots_[slot];
    if (completion.outcome == Outcome::cancelled) {
        if (state.record) recorder_.record_flow_interrupted(state.flow);
        state.flow = kNoFlow;
        return false;
    }
    counters_.enable(state.record);
    const FlowDecision decision = source_->after_completion(slot, completion, counters_);
    if (decision.next != FlowDecision::Next::step) {
        end_flow(slot, decision.next == FlowDecision::Next::end_ok, now);
        return false;
    }
    // The next step is due `think` after this completion: that is its intended start, and its
    // response time counts from there even when the timer fires late.
    const Nanos intended = now + std::max(Nanos{0}, decision.think);
    if (step_timers_.size() < slots_.size()) step_timers_.resize(slots_.size());
    if (!step_timers_[slot]) step_timers_[slot] = clock_.make_timer(io_);
    state.thinking = true;
    ++thinking_;
    state.intended = intended;
    wait_until(*step_timers_[slot], intended, [this, slot](bool expired) {
        if (!expired || !slots_[slot].thinking) return;  // abort() interrupted the flow
        slots_[slot].thinking = false;
        --thinking_;
        send_step(slot, slots_[slot].intended);
    });
    return true;
}

void Worker::send_step(std::size_t slot, Nanos intended) {
    const Nanos now = clock_.now();
    PreparedRequest request;
    auto& state = slots_[slot];
    if (!source_->next_step(slot, request)) {
        end_flow(slot, false, now);
        release(slot, now);
        if (finished() && on_idle) on_idle();
        return;
    }
    state.intended = intended;
    state.sent = now;
    state.name_index = request.name_index;
    state.busy = true;
    state.arrival = false;
    ++in_flight_;
    // The timer's lateness is the generator's own lag; a step never waits for a connection (its
    // flow holds the slot).
    if (state.record) recorder_.record_sent(std::max(Nanos{0}, now - intended), Nanos{0});
    session_->send(slot, request);
}

void Worker::end_flow(std::size_t slot, bool ok, Nanos now) {
    auto& state = slots_[slot];
    if (state.record) recorder_.record_flow_end(state.flow, ok, now - state.flow_start);
    state.flow = kNoFlow;
}

// ---- closed model -----------------------------------------------------------------------

Nanos Worker::think_time(std::size_t slot) {
    const auto& think = std::get<ClosedProfile>(config_.closed).think;
    switch (think.kind) {
        case ThinkKind::none: return Nanos{0};
        case ThinkKind::constant: return think.min;
        case ThinkKind::uniform: {
            std::uniform_int_distribution<std::int64_t> d(think.min.count(), think.max.count());
            return Nanos{d(vu_rngs_[slot])};
        }
        case ThinkKind::exponential: {
            std::exponential_distribution<double> d(1.0 / static_cast<double>(think.mean.count()));
            return Nanos{static_cast<std::int64_t>(d(vu_rngs_[slot]))};
        }
    }
    return Nanos{0};
}

// Schedules VU `slot`'s next request at `intended` (run time).
void Worker::closed_arm(std::size_t slot, Nanos intended) {
    if (scheduling_done_) return;
    slots_[slot].intended = intended;
    wait_until(*vu_timers_[slot], intended, [this, slot](bool expired) {
        if (!expired || scheduling_done_) return;
        const Nanos now = clock_.now();
        send_on(slot, Arrival{slots_[slot].intended, now}, now);
    });
}

void Worker::wait_until(Timer& timer, Nanos intended, TimerHandler handler) {
    if (intended <= clock_.now()) {
        // No think time, or late: an already-expired Asio timer still becomes the reactor's
        // earliest deadline, and reprogramming the timerfd for it is a system call per wait (a
        // quarter of the generator's CPU in a closed run without think time, perf on 2 cores).
        boost::asio::post(io_, [handler = std::move(handler)] { handler(true); });
        return;
    }
    timer.expires_at(clock_.at(intended));
    timer.async_wait(std::move(handler));
}

void Worker::closed_next(std::size_t slot, Nanos now) {
    const auto& profile = std::get<ClosedProfile>(config_.closed);
    if (profile.pacing.count() > 0) {
        // Intended starts every `pacing` (of a VU's iteration: a whole flow for journeys); a late
        // one is sent at once and measured from its intended start (no coordinated omission).
        closed_arm(slot, slots_[slot].flow_start + profile.pacing);
    } else {
        closed_arm(slot, now + think_time(slot));
    }
}

// ---- both -------------------------------------------------------------------------------

void Worker::on_complete(std::size_t slot, const Completion& completion) {
    const Nanos now = clock_.now();
    auto& state = slots_[slot];
    state.busy = false;
    --in_flight_;
    if (!state.record) {
    } else if (completion.outcome == Outcome::cancelled) {
        recorder_.record_cancelled(state.name_index);
    } else {
        // The target's own wait (measured on its clock) is at most the time since the send.
        const Nanos waited =
            std::clamp(completion.stream_wait.value_or(Nanos{0}), Nanos{0}, now - state.sent);
        recorder_.record_completion(state.name_index, completion.outcome, completion.served_by,
                                    now - state.intended, now - state.sent - waited,
                                    completion.status, completion.error_detail);
        if (completion.stream_wait) recorder_.record_stream_wait(waited);
        if (state.arrival) recorder_.record_arrival();
    }
    if (state.flow != kNoFlow && flow_continues(slot, completion, now)) return;
    release(slot, now);
    if (finished() && on_idle) on_idle();
}

void Worker::release(std::size_t slot, Nanos now) {
    auto& state = slots_[slot];
    if (std::holds_alternative<ClosedProfile>(config_.closed)) {
        closed_next(slot, now);
    } else if (state.lane != 0) {
        auto& lane = lanes_[state.lane];
        if (!lane.waiting.empty()) {  // the lane's next arrival, on the same slot
            const Arrival arrival = lane.waiting.front();
            lane.waiting.pop_front();
            --waiting_;
            send_on(slot, arrival, now, state.lane);
        } else if (!queue_.empty()) {
            unbind(slot);
            serve_queue(slot, now);
        } else {  // kept for the lane's next arrival until another needs the slot
            state.idle_since = ++idle_sequence_;
            idle_bound_.push_back(IdleBound{slot, state.idle_since});
            if (idle_bound_.size() >
                2 * slots_.size() + 16) {  // stale entries: keep memory bounded
                std::erase_if(idle_bound_,
                              [this](const IdleBound& entry) { return !still_idle(entry); });
            }
        }
    } else if (!queue_.empty()) {
        serve_queue(slot, now);
    } else {
        free_slots_.push_back(slot);
    }
}

// The run is ending: arrivals not sent yet are forgotten and slots leave their lanes.
void Worker::forget_waiting() {
    queue_.clear();
    lanes_.clear();
    idle_bound_.clear();
    waiting_ = 0;
    for (auto& state : slots_) state.lane = 0;
}

void Worker::source_ran_out() {
    if (source_exhausted_) return;
    source_exhausted_ = true;
    if (on_source_exhausted) on_source_exhausted(source_->why_exhausted());
}

void Worker::end_scheduling() {
    if (scheduling_done_) return;
    scheduling_done_ = true;
    open_timer_->cancel();
    for (auto& timer : vu_timers_) timer->cancel();
    if (finished() && on_idle) on_idle();
}

// Arrivals already due are still dispatched — one batch of them — so a run that ends on time
// sends its whole schedule even when this call overtakes the worker's own timer. A generator
// more than a batch behind was not keeping up: the arrivals it never reached are not sent (the
// run shows it as schedule lag and a shortfall against the target rate, not as a hang).
void Worker::stop_scheduling() {
    if (!scheduling_done_ && schedule_) dispatch_due(kDispatchBatch);
    end_scheduling();
}

void Worker::abort() {
    end_scheduling();
    // Waiting arrivals were scheduled but never sent: they count as unsent (not dropped, which
    // is the in-flight limit's count). Their requests are drawn so the names are right.
    PreparedRequest discarded;
    for (const Queued& queued : queue_) {
        if (queued.lane == 0 && source_->next_at(queued.arrival.intended, discarded) &&
            queued.arrival.intended >= config_.record_from) {
            recorder_.record_unsent(discarded.name_index);
            if (discarded.flow != kNoFlow) recorder_.record_flow_unsent(discarded.flow);
        }
    }
    // Flows between two steps end here, unfinished.
    for (std::size_t slot = 0; slot < slots_.size(); ++slot) {
        auto& state = slots_[slot];
        if (!state.thinking) continue;
        state.thinking = false;
        --thinking_;
        if (state.record) recorder_.record_flow_interrupted(state.flow);
        state.flow = kNoFlow;
        step_timers_[slot]->cancel();
    }
    for (const auto& [lane_id, lane] : lanes_) {
        for (const Arrival& arrival : lane.waiting) {
            if (source_->next_in_lane(lane_id, discarded) &&
                arrival.intended >= config_.record_from)
                recorder_.record_unsent(discarded.name_index);
        }
    }
    forget_waiting();
    session_->abort_all();
}

}  // namespace volley::engine
