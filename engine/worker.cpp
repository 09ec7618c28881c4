#include "engine/worker.hpp"

#include <boost/asio/post.hpp>

namespace volley::engine {

Worker::Worker(WorkerConfig config, boost::asio::io_context& io, const RunClock& clock,
               Target& target, std::unique_ptr<RequestSource> source,
               std::unique_ptr<Schedule> schedule, std::size_t request_count)
    : config_(std::move(config)),
      io_(io),
      clock_(clock),
      source_(std::move(source)),
      schedule_(std::move(schedule)),
      active_(std::make_unique<IntervalStats>(request_count)),
      recorder_(*active_),
      open_timer_(io),
      slots_(config_.slots),
      rng_(config_.seed) {
    session_ = target.open_session(
        SessionContext{io_, *this, config_.index, config_.count, config_.slots});
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
            vu_timers_.push_back(std::make_unique<boost::asio::steady_timer>(io_));
            closed_arm(slot, clock_.now());
        }
        return;
    }
    next_due_ = schedule_ ? schedule_->next() : std::nullopt;
    arm_open_timer();
}

// ---- open model -------------------------------------------------------------------------

void Worker::arm_open_timer() {
    if (!next_due_) {
        end_scheduling();
        return;
    }
    open_timer_.expires_at(clock_.at(*next_due_));
    open_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || scheduling_done_) return;
        dispatch_due();
        arm_open_timer();
    });
}

// Sends (or queues, or drops) every arrival that is due: one wake-up serves all of them, so a
// high rate does not cost a timer per request.
void Worker::dispatch_due() {
    const Nanos now = clock_.now();
    while (next_due_ && *next_due_ <= now && !scheduling_done_) {
        const Nanos intended = *next_due_;
        if (!free_slots_.empty()) {
            const std::size_t slot = free_slots_.back();
            free_slots_.pop_back();
            send_on(slot, intended, now);
        } else if (queue_.size() < config_.queue_limit) {
            queue_.push_back(intended);
        } else {
            PreparedRequest discarded;
            if (!source_->next(discarded)) {
                source_exhausted_ = true;
                end_scheduling();
                return;
            }
            if (intended >= config_.record_from) recorder_.record_dropped(discarded.name_index);
        }
        next_due_ = schedule_->next();
    }
}

void Worker::send_on(std::size_t slot, Nanos intended, Nanos now) {
    PreparedRequest request;
    if (source_exhausted_ || !source_->next(request)) {
        source_exhausted_ = true;
        free_slots_.push_back(slot);
        queue_.clear();
        end_scheduling();
        return;
    }
    auto& state = slots_[slot];
    state = SlotState{intended, now, request.name_index, true, intended >= config_.record_from};
    ++in_flight_;
    if (state.record) recorder_.record_sent(now - intended);
    session_->send(slot, request);
}

// ---- closed model -----------------------------------------------------------------------

Nanos Worker::think_time() {
    const auto& think = std::get<ClosedProfile>(config_.closed).think;
    switch (think.kind) {
        case ThinkKind::none: return Nanos{0};
        case ThinkKind::constant: return think.min;
        case ThinkKind::uniform: {
            std::uniform_int_distribution<std::int64_t> d(think.min.count(), think.max.count());
            return Nanos{d(rng_)};
        }
        case ThinkKind::exponential: {
            std::exponential_distribution<double> d(1.0 / static_cast<double>(think.mean.count()));
            return Nanos{static_cast<std::int64_t>(d(rng_))};
        }
    }
    return Nanos{0};
}

// Schedules VU `slot`'s next request at `intended` (run time).
void Worker::closed_arm(std::size_t slot, Nanos intended) {
    if (scheduling_done_) return;
    slots_[slot].intended = intended;
    auto& timer = *vu_timers_[slot];
    timer.expires_at(clock_.at(intended));
    timer.async_wait([this, slot](const boost::system::error_code& ec) {
        if (ec || scheduling_done_) return;
        send_on(slot, slots_[slot].intended, clock_.now());
    });
}

void Worker::closed_next(std::size_t slot, Nanos now) {
    const auto& profile = std::get<ClosedProfile>(config_.closed);
    if (profile.pacing.count() > 0) {
        // Intended starts every `pacing`; a late one is sent at once and measured from its
        // intended start (no coordinated omission).
        closed_arm(slot, slots_[slot].intended + profile.pacing);
    } else {
        closed_arm(slot, now + think_time());
    }
}

// ---- both -------------------------------------------------------------------------------

void Worker::on_complete(std::size_t slot, const Completion& completion) {
    const Nanos now = clock_.now();
    auto& state = slots_[slot];
    state.busy = false;
    --in_flight_;
    if (state.record) {
        recorder_.record_completion(state.name_index, completion.outcome, completion.served_by,
                                    now - state.intended, now - state.sent);
    }
    if (std::holds_alternative<ClosedProfile>(config_.closed)) {
        closed_next(slot, now);
    } else if (!queue_.empty()) {
        const Nanos intended = queue_.front();
        queue_.pop_front();
        send_on(slot, intended, now);
    } else {
        free_slots_.push_back(slot);
    }
    if (finished() && on_idle) on_idle();
}

void Worker::end_scheduling() {
    if (scheduling_done_) return;
    scheduling_done_ = true;
    open_timer_.cancel();
    for (auto& timer : vu_timers_) timer->cancel();
    if (finished() && on_idle) on_idle();
}

// Arrivals already due are still dispatched, so a run that ends on time sends its whole schedule
// even when this call overtakes the worker's own timer.
void Worker::stop_scheduling() {
    if (!scheduling_done_ && schedule_) dispatch_due();
    end_scheduling();
}

void Worker::abort() {
    end_scheduling();
    // Queued arrivals were scheduled but never sent: they count as dropped.
    while (!queue_.empty()) {
        const Nanos intended = queue_.front();
        queue_.pop_front();
        PreparedRequest discarded;
        if (!source_->next(discarded)) break;
        if (intended >= config_.record_from) recorder_.record_dropped(discarded.name_index);
    }
    queue_.clear();
    session_->abort_all();
}

}  // namespace volley::engine
