// The Target and RequestSource seams (docs/architecture.md "Seams"): the engine drives any target
// through these.
#pragma once

#include "engine/outcome.hpp"
#include "engine/timer.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace volley::engine {

// PreparedRequest::flow of a request that belongs to no flow.
inline constexpr std::uint32_t kNoFlow = 0xffffffffU;

// One request as a source hands it to a target. The views are valid until the source's next
// call; a target that needs the bytes later copies or serialises them in send().
struct PreparedRequest {
    std::uint32_t name_index = 0;  // index into the run's request names (per-request stats)
    std::string_view method;       // "GET"
    std::string_view target;       // path and query, "/entities/x/ancestors?y=1"
    std::string_view headers;      // zero or more "Name: value\r\n" lines
    std::string_view body;
    // Non-zero when this request's bytes never change: a target may cache its serialised form
    // under this key for the whole run.
    std::uint64_t static_key = 0;
    // The flow (journey) this request is a step of, an index of RunSpec::flow_names; kNoFlow
    // for a request on its own.
    std::uint32_t flow = kNoFlow;
    // The source needs the response (extraction, checks, cookies): the target then hands its
    // headers and body to on_complete in Completion::response. Off, a target keeps neither.
    bool capture_response = false;
};

// A response as received, for a request sent with capture_response; valid only during
// on_complete.
struct ResponseView {
    // The header fields as "Name: value\n" lines, in the order received, names as sent by the
    // server (compare them case-insensitively).
    std::string_view headers;
    std::string_view body;  // the whole body (the target's body limit bounds it)
};

// What a flow does after one of its requests completed (RequestSource::after_completion).
struct FlowDecision {
    enum class Next : std::uint8_t {
        end_ok,      // the flow is over and succeeded
        end_failed,  // the flow is over and failed (a step failed, a value was missing)
        step,        // send the flow's next request (RequestSource::next_step) after `think`
    };
    Next next = Next::end_ok;
    // Pause before the next step; its intended start is the completion time plus this.
    Nanos think{0};
};

// Counts a source adds while the engine records (IntervalStats::counters); a no-op for a
// request the run does not record (warm-up).
class SourceCounters {
public:
    virtual ~SourceCounters() = default;
    virtual void count(std::size_t counter, std::uint64_t amount = 1) = 0;
};

// Where a completed request ends up. Called on the worker's thread, exactly once per send().
struct Completion {
    Completion() = default;
    Completion(Outcome outcome_, TierIndex served_by_ = 0, std::uint16_t status_ = 0,
               std::string_view error_detail_ = {})
        : outcome(outcome_), served_by(served_by_), status(status_), error_detail(error_detail_) {}

    Outcome outcome = Outcome::ok;
    TierIndex served_by = 0;   // 0 when the target reports no tiers
    std::uint16_t status = 0;  // HTTP status code of the response, 0 when there was none
    // For errors: why, in a few words a user can act on ("connection refused", "certificate
    // verify failed (self-signed certificate)", "read timeout after 10s"). Valid only during
    // on_complete; the engine copies the first few distinct ones. Empty for successes.
    std::string_view error_detail;
    // Set when the request asked for capture_response and a response arrived; else nullptr.
    const ResponseView* response = nullptr;
    // Set by a target that queues requests inside itself (HTTP/2 waiting for a free stream):
    // how long this request waited between send() and the moment it went out. The engine
    // records it (IntervalStats::stream_wait) and leaves it out of the service time; the
    // response time still counts from the intended start.
    std::optional<Nanos> stream_wait;
};

// Produces the requests of one worker, in send order. Used only on that worker's thread.
class RequestSource {
public:
    virtual ~RequestSource() = default;
    // The next request, false when the source is exhausted (the worker stops sending). The
    // engine also draws (and discards) the request of a dropped arrival, so timed sources such
    // as replay stay in step with the schedule.
    virtual bool next(PreparedRequest& out) = 0;
    // The request of the oldest arrival of `lane` (Schedule::lane) not drawn yet; next() then
    // draws only lane-0 arrivals. Sources whose schedules use no lanes need not override it.
    virtual bool next_in_lane(std::uint64_t lane, PreparedRequest& out) {
        (void)lane;
        return next(out);
    }
    // The same two calls told the arrival's intended start (run time, warm-up included), for a
    // source whose mix depends on time (`requests[].during`). The worker calls these for every
    // lane-0 arrival of the open model and every VU iteration of the closed one (begin_at)
    // and for every such arrival it drops (next_at). Defaults: begin() and next().
    virtual bool begin_at(std::size_t slot, Nanos intended, PreparedRequest& out) {
        (void)intended;
        return begin(slot, out);
    }
    virtual bool next_at(Nanos intended, PreparedRequest& out) {
        (void)intended;
        return next(out);
    }
    // Flows (multi-step journeys, docs/architecture.md "Journeys"). A source whose requests
    // carry a flow index gets these calls; the defaults make every request its own flow-less
    // unit, so request mixes and replay need not override them.
    //
    // The first request of a new arrival on `slot` (a connection in the open model, a VU in the
    // closed one): a flow source starts a flow there. Default: next().
    virtual bool begin(std::size_t slot, PreparedRequest& out) {
        (void)slot;
        return next(out);
    }
    // Called after each completion on `slot` of a request with a flow index (never for
    // `cancelled` ones: the run is stopping and the flow is interrupted).
    virtual FlowDecision after_completion(std::size_t slot, const Completion& completion,
                                          SourceCounters& counters) {
        (void)slot;
        (void)completion;
        (void)counters;
        return {};
    }
    // The next step of the flow on `slot`, after after_completion() answered Next::step. False
    // ends the flow as failed (the source could not build the request).
    virtual bool next_step(std::size_t slot, PreparedRequest& out) {
        (void)slot;
        (void)out;
        return false;
    }
    // Once next() returned false: why, in a sentence for the report ("variable 'user': users.csv
    // (unique mode) has no rows left ..."). Empty when the source gives no reason.
    [[nodiscard]] virtual std::string why_exhausted() const { return {}; }
};

class CompletionSink {
public:
    virtual ~CompletionSink() = default;
    virtual void on_complete(std::size_t slot, const Completion& completion) = 0;
};

// A target's per-worker half: owns the connections (or other resources) of one worker.
// slot_count() requests can be in flight at once, one per slot; the engine never calls send()
// on a busy slot. All calls happen on the worker's io_context thread.
class TargetSession {
public:
    virtual ~TargetSession() = default;
    [[nodiscard]] virtual std::size_t slot_count() const = 0;
    virtual void send(std::size_t slot, const PreparedRequest& request) = 0;
    // Stop at once: in-flight requests complete (through the sink) as `cancelled`, connections
    // close.
    virtual void abort_all() = 0;
};

struct SessionContext {
    boost::asio::io_context& io;
    CompletionSink& sink;
    std::size_t worker_index;
    std::size_t worker_count;
    std::size_t slots;  // this worker's share of connections / concurrency
    // The run's clock (run time and timers); the engine always sets it. A target that waits on
    // its own (a fake's programmed latency) makes its timers here, so that it keeps the run's
    // time on a manual clock too. Real network targets may ignore it.
    const RunClock* clock = nullptr;
};

// The protocol figures of an HTTP target (summary.json target.protocol, docs/outputs.md).
// Plain data: the report formats it.
struct ProtocolReport {
    std::string negotiated;  // "http/1.1", "h2" (HTTP/2 over TLS) or "h2c" (cleartext)
    bool http2 = false;      // the fields below are set
    // Configured: streams per connection (target.http.max_streams) and the flow-control
    // windows volley announces (window_bytes), both for the connection and each stream.
    std::uint32_t max_streams = 0;
    std::uint32_t window_bytes = 0;
    // The server's SETTINGS as last received (RFC 9113 §6.5.2 defaults until any arrived).
    bool peer_settings_received = false;
    std::uint32_t peer_max_concurrent_streams = 0;  // 0xffffffff: the server set no limit
    std::uint32_t peer_initial_window_size = 0;
    std::uint32_t peer_max_frame_size = 0;
    std::uint64_t connections_opened = 0;  // HTTP/2 sessions that got the server's SETTINGS
    std::uint64_t streams_opened = 0;
    // Streams open on one connection at once, sampled whenever a stream opens.
    std::uint32_t streams_per_connection_peak = 0;
    double streams_per_connection_mean = 0;
    std::uint64_t goaway_received = 0;
    std::uint64_t rst_stream_received = 0;
    // Requests the server refused unprocessed (RST_STREAM REFUSED_STREAM, or above a GOAWAY's
    // last stream id) that went out once more.
    std::uint64_t retried = 0;
    // PING health (target.http.ping_interval_ms; 0: off, and the figures below are 0): the
    // configured interval and timeout, PINGs sent and ACKs received, the ACKs' round trips,
    // and connections closed because no ACK came within the timeout.
    std::uint32_t ping_interval_ms = 0;
    std::uint32_t ping_timeout_ms = 0;
    std::uint64_t pings_sent = 0;
    std::uint64_t ping_acks = 0;
    double ping_rtt_mean_ms = 0;
    double ping_rtt_max_ms = 0;
    std::uint64_t connections_failed_health = 0;
    // HTTP/1.1 pipelining depth (target.http.pipeline): requests one connection carries at once;
    // 0 when not pipelining (depth 1, or HTTP/2).
    std::uint32_t pipeline = 0;
};

// A target shared by all workers. Thread-safe: open_session is called once per worker.
class Target {
public:
    virtual ~Target() = default;
    [[nodiscard]] virtual std::unique_ptr<TargetSession> open_session(
        const SessionContext& context) = 0;
    // True when completions carry served_by tiers (the report then shows the cache section).
    [[nodiscard]] virtual bool reports_tiers() const { return false; }
    // Free-text lines the report shows about the target (e.g. "TLS verification OFF").
    [[nodiscard]] virtual std::vector<std::string> notices() const { return {}; }
    // What the target's protocol did, for the report (read after the run, once every session
    // is closed); nullopt for a target with nothing to say.
    [[nodiscard]] virtual std::optional<ProtocolReport> protocol_report() const {
        return std::nullopt;
    }
};

}  // namespace volley::engine
