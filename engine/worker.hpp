// One load-generating thread: its own io_context, target session, request source, schedule
// and recorder. Everything here runs on the worker's thread; the collector talks to it only
// by posting handlers (docs/architecture.md "Engine": nothing shared on the hot path).
#pragma once

#include "engine/recorder.hpp"
#include "engine/schedule.hpp"
#include "engine/target.hpp"
#include "engine/timer.hpp"

#include <boost/asio/io_context.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <unordered_map>
#include <variant>
#include <vector>

namespace volley::engine {

struct WorkerConfig {
    std::size_t index = 0;
    std::size_t count = 1;
    std::size_t slots = 1;        // connections (open) or VUs (closed)
    std::size_t queue_limit = 0;  // open model: due requests that may wait for a free slot
    Nanos record_from{0};         // warm-up end: earlier intended starts are not recorded
    std::variant<std::monostate, ClosedProfile> closed;  // set for the closed model
    std::uint64_t seed = 1;  // the run's: per-VU streams derive from it and the global VU
    // Closed model: slot s runs global VU first_vu + vu_stride * s (segments.hpp), whose think
    // times come from a stream keyed by that index, so a VU behaves the same split or not.
    std::size_t first_vu = 0;
    std::size_t vu_stride = 1;
};

// The most arrivals one handler dispatches (open model): a wake-up that finds more due sends
// this many and posts the rest, so a stop, a signal's abort and the interval hand-over wait for
// at most one batch (a sent request costs about a microsecond: a batch is well under 1 ms of
// work), however far behind the schedule the generator is.
inline constexpr std::size_t kDispatchBatch = 256;

class Worker final : private CompletionSink {
public:
    Worker(WorkerConfig config, boost::asio::io_context& io, const RunClock& clock, Target& target,
           std::unique_ptr<RequestSource> source, std::unique_ptr<Schedule> schedule,
           const StatsShape& shape);
    ~Worker() override;

    // All of these must run on the worker's thread (post them to its io_context).
    void start();
    // Stop scheduling new requests (at most one more batch of arrivals already due goes out);
    // queued and in-flight ones continue (drain), and so do flows (journeys) already begun:
    // their next steps are still sent.
    void stop_scheduling();
    // Give up on everything still pending: in-flight complete as `cancelled`, queued ones are
    // counted `unsent`.
    void abort();
    // True once scheduling ended and nothing is queued or in flight.
    [[nodiscard]] bool finished() const {
        return scheduling_done_ && in_flight_ == 0 && waiting_ == 0 && thinking_ == 0;
    }
    // Swaps the active interval for `fresh` (already reset) and returns the filled one.
    std::unique_ptr<IntervalStats> swap_interval(std::unique_ptr<IntervalStats> fresh);

    // Called (on the worker thread) whenever finished() may have become true.
    std::function<void()> on_idle;
    // Called once (on the worker thread) when the request source runs out, with its reason.
    std::function<void(std::string)> on_source_exhausted;

private:
    struct SlotState {
        Nanos intended{0};
        Nanos sent{0};
        std::uint32_t name_index = 0;
        bool busy = false;
        bool record = true;
        std::uint64_t lane = 0;        // the lane bound to this slot, 0 none
        std::uint64_t idle_since = 0;  // idle_bound_ entry that is current for this slot
        // The flow (journey) running on this slot, kNoFlow for none; its first intended start
        // (closed model: pacing counts from it); true while it waits for its next step.
        std::uint32_t flow = kNoFlow;
        Nanos flow_start{0};
        bool arrival = true;  // the request in flight began an arrival (not a later flow step)
        bool thinking = false;
    };
    // The counters of the slot whose completion the source is judging: off during warm-up.
    class GatedCounters final : public SourceCounters {
    public:
        explicit GatedCounters(Recorder& recorder) : recorder_(recorder) {}
        void enable(bool enabled) { enabled_ = enabled; }
        void count(std::size_t counter, std::uint64_t amount) override {
            if (enabled_) recorder_.count(counter, amount);
        }

    private:
        Recorder& recorder_;
        bool enabled_ = false;
    };
    // One arrival: when it was due, and when the worker got to it (reached - intended is the
    // schedule lag; the send time - reached is the wait for a free connection).
    struct Arrival {
        Nanos intended{0};
        Nanos reached{0};
    };
    // An arrival waiting for a slot: a lane-0 arrival, or (lane != 0) a lane without a slot,
    // whose arrivals wait in its Lane::waiting.
    struct Queued {
        Arrival arrival;
        std::uint64_t lane = 0;
    };
    // A lane with a bound slot or waiting arrivals; erased when it has neither.
    struct Lane {
        std::optional<std::size_t> slot;
        std::deque<Arrival> waiting;  // arrivals not sent yet, oldest first
    };
    struct IdleBound {
        std::size_t slot;
        std::uint64_t since;
    };

    void on_complete(std::size_t slot, const Completion& completion) override;
    enum class DueLeft { none, more };  // after a batch: more arrivals already due, or none
    void arm_open_timer();
    void dispatch_batches();
    DueLeft dispatch_due(std::size_t limit);
    void dispatch_lane(std::uint64_t lane, Arrival arrival, Nanos now);
    void drop(std::uint64_t lane, Arrival arrival);
    [[nodiscard]] std::optional<std::size_t> acquire_slot();
    void unbind(std::size_t slot);
    [[nodiscard]] bool still_idle(const IdleBound& entry) const;
    void serve_queue(std::size_t slot, Nanos now);
    void forget_waiting();
    void send_on(std::size_t slot, Arrival arrival, Nanos now, std::uint64_t lane = 0);
    void closed_next(std::size_t slot, Nanos now);
    // Flows: after a completion on a slot running one (true: the slot goes on with a step).
    bool flow_continues(std::size_t slot, const Completion& completion, Nanos now);
    void send_step(std::size_t slot, Nanos intended);
    void end_flow(std::size_t slot, bool ok, Nanos now);
    // The slot is done with its arrival (and flow): the next VU iteration, lane arrival or
    // queued arrival takes it, or it is free.
    void release(std::size_t slot, Nanos now);
    void closed_arm(std::size_t slot, Nanos intended);
    // Calls handler(true) at run time `intended`: on `timer`, or posted when it is due already.
    // A cancelled timer calls handler(false); a posted call cannot be cancelled, so handlers
    // check their own state (stop, abort) as they do after a timer.
    void wait_until(Timer& timer, Nanos intended, TimerHandler handler);
    [[nodiscard]] Nanos think_time(std::size_t slot);  // VU `slot`'s next think time
    void end_scheduling();
    void source_ran_out();

    WorkerConfig config_;
    boost::asio::io_context& io_;
    const RunClock& clock_;
    std::unique_ptr<RequestSource> source_;
    std::unique_ptr<Schedule> schedule_;
    std::unique_ptr<TargetSession> session_;
    std::unique_ptr<IntervalStats> active_;
    Recorder recorder_;

    std::unique_ptr<Timer> open_timer_;
    std::optional<Nanos> next_due_;
    std::uint64_t next_lane_ = 0;
    std::deque<Queued> queue_;  // arrivals waiting for a free slot (open model)
    std::size_t waiting_ = 0;   // arrivals not sent yet: lane 0 in queue_ and every Lane::waiting
    std::unordered_map<std::uint64_t, Lane> lanes_;
    std::deque<IdleBound> idle_bound_;  // idle slots still bound to their lane, oldest first
    std::uint64_t idle_sequence_ = 0;
    std::vector<std::size_t> free_slots_;
    std::vector<SlotState> slots_;
    std::vector<std::unique_ptr<Timer>> vu_timers_;    // closed model
    std::vector<std::unique_ptr<Timer>> step_timers_;  // flows: per slot, made on first use
    std::size_t thinking_ = 0;                         // slots waiting for a flow's next step
    GatedCounters counters_{recorder_};
    std::size_t in_flight_ = 0;
    bool scheduling_done_ = false;
    bool source_exhausted_ = false;
    std::vector<std::mt19937_64> vu_rngs_;  // closed model: one think-time stream per slot
};

}  // namespace volley::engine
