// One HTTP/2 connection of a session (docs/architecture.md "HTTP/2"): an nghttp2 client session
// driven by Asio reads and writes (nghttp2_session_mem_recv / mem_send), on a PlainStream (h2c,
// prior knowledge) or a TlsStream (h2, ALPN "h2" required).
#pragma once

#include "engine/clock.hpp"
#include "engine/outcome.hpp"
#include "targets/http2_counters.hpp"
#include "targets/http_endpoint.hpp"
#include "targets/http_errors.hpp"
#include "targets/http_response_parser.hpp"

#include <nghttp2/nghttp2.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace volley::targets {

// One slot's request as the HTTP/2 session keeps it from send() to its completion. The bytes
// of engine::PreparedRequest are copied here (buffers reused from one request to the next).
struct Http2Request {
    enum class State : std::uint8_t { idle, queued, open };
    State state = State::idle;
    std::size_t slot = 0;
    std::uint32_t name_index = 0;
    bool capture = false;
    bool retried = false;  // refused once and sent again: a second refusal is an error
    std::string method, path, header_lines, body;
    // Request header fields (lower-case names) as views into header_lines.
    std::vector<std::pair<std::string_view, std::string_view>> fields;
    std::size_t body_sent = 0;
    engine::SteadyClock::time_point queued_at{};  // entered the session's queue
    engine::SteadyClock::time_point deadline{};  // queued: connect + request timeout; open: request
    engine::Nanos waited{0};     // time spent queued before a stream opened (all attempts)
    std::size_t connection = 0;  // open: the connection carrying it
    std::int32_t stream_id = 0;
    // The response so far.
    int status = 0;
    bool ended = false;            // END_STREAM arrived from the server
    bool reset_by_server = false;  // the server sent RST_STREAM (else nghttp2 reset it)
    bool body_too_large = false;   // the body passed config.max_body_bytes (the stream was reset)
    std::uint64_t body_bytes = 0;
    std::string cache_value;
    ResponseCapture response;  // with `capture`: header lines and body
};

// What a connection tells its session. Called on the worker's thread, never from inside an
// nghttp2 call that the session itself made.
class Http2ConnectionOwner {
public:
    virtual ~Http2ConnectionOwner() = default;
    // Streams may have become free on connection `index` (its SETTINGS arrived, a stream closed,
    // it closed).
    virtual void on_capacity(std::size_t index) = 0;
    // The stream of `request` closed: a response (request.status, request.ended), or the RST
    // code `error_code` (nghttp2_error_code; REFUSED_STREAM also for streams above a GOAWAY's
    // last stream id). The connection has forgotten the request.
    virtual void on_stream_closed(Http2Request& request, std::uint32_t error_code) = 0;
    // Connection `index` failed: `lost` held its open streams (empty when it failed before the
    // server's SETTINGS). `outcome` and `detail` say why; `before_ready` when it never got the
    // server's SETTINGS (connect, handshake, ALPN, preface).
    virtual void on_connection_failed(std::size_t index, bool before_ready, engine::Outcome outcome,
                                      std::string_view detail,
                                      const std::vector<Http2Request*>& lost) = 0;
};

// Contract:
// - connect() on an idle connection; it is `ready` once the server's first SETTINGS arrived,
//   then carries up to free_streams() more streams (min of max_streams and the server's
//   SETTINGS_MAX_CONCURRENT_STREAMS, minus those open).
// - A GOAWAY makes it `draining`: no new stream; nghttp2 closes the streams above the last
//   stream id as REFUSED_STREAM; once the rest closed, the connection closes and is idle again.
// - An I/O or protocol error (or the connect timeout, expire_connect_if_due) closes it and hands
//   its open requests to on_connection_failed; a server closing an idle connection is no error.
//   From the moment nghttp2 detects a connection error it offers no free stream; a request whose
//   HEADERS it then does not send comes back once, through on_stream_closed (REFUSED_STREAM).
// - PING health (config.ping_interval > 0), driven by the owner's periodic check_health(): a
//   ready or draining connection that received no bytes for ping_interval sends a PING; when
//   its ACK (only the ACK counts) has not arrived ping_timeout after it was sent, the
//   connection is dead: it fails like an I/O error (Outcome::timeout, "connection failed its
//   health check: …"), handing its open requests to on_connection_failed.
// - Handlers of a closed connection's operations are ignored (a generation count).
template <class Stream>
class Http2Connection {
public:
    enum class State : std::uint8_t { idle, connecting, ready, draining };

    Http2Connection(boost::asio::io_context& io, const HttpTarget::Shared& shared,
                    Http2ConnectionOwner& owner, std::size_t index, Http2Counters& counters);
    ~Http2Connection();
    Http2Connection(const Http2Connection&) = delete;
    Http2Connection& operator=(const Http2Connection&) = delete;

    void connect();
    [[nodiscard]] State state() const { return state_; }
    [[nodiscard]] std::size_t streams_in_use() const { return streams_in_use_; }
    [[nodiscard]] std::size_t free_streams() const;
    enum class Opened : std::uint8_t {
        yes,
        // The connection used up its stream ids (2^31 - 1, RFC 9113 §5.1.1): it takes no new
        // stream and closes once its streams are done; send the request elsewhere.
        no_more_streams,
        no,  // nghttp2 refused the request: `detail` says why
    };
    // Opens a stream for `request` (ready, free_streams() > 0).
    Opened open_stream(Http2Request& request, std::string& detail);
    // Forgets `request` (its timeout passed) and resets its stream (RST_STREAM CANCEL).
    void cancel_stream(Http2Request& request);
    // The connect timeout: fails a connection still connecting at `now` past its deadline.
    void expire_connect_if_due(engine::SteadyClock::time_point now);
    // PING health at `now` (no-op when off): sends a PING when due, fails the connection when
    // the outstanding PING's ACK is overdue.
    void check_health(engine::SteadyClock::time_point now);
    // Closes at once, without telling the owner (the run stops; the owner ends the requests).
    void close();

    // nghttp2's callbacks (user_data is the connection); public only for the callback table.
    static int on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame, void* user_data);
    static int on_header(nghttp2_session* session, const nghttp2_frame* frame,
                         const std::uint8_t* name, std::size_t name_length,
                         const std::uint8_t* value, std::size_t value_length, std::uint8_t flags,
                         void* user_data);
    static int on_data_chunk(nghttp2_session* session, std::uint8_t flags, std::int32_t stream_id,
                             const std::uint8_t* data, std::size_t length, void* user_data);
    static int on_stream_close(nghttp2_session* session, std::int32_t stream_id,
                               std::uint32_t error_code, void* user_data);
    // A connection error nghttp2 detected (it then sends GOAWAY and ends the session): its
    // message is kept for the requests the connection fails.
    static int on_error(nghttp2_session* session, int lib_error_code, const char* message,
                        std::size_t length, void* user_data);
    // Frames nghttp2 sent: a GOAWAY of ours names the connection error it ends the session for.
    static int on_frame_send(nghttp2_session* session, const nghttp2_frame* frame, void* user_data);
    static ssize_t read_body(nghttp2_session* session, std::int32_t stream_id, std::uint8_t* buffer,
                             std::size_t length, std::uint32_t* data_flags,
                             nghttp2_data_source* source, void* user_data);

private:
    void on_connected(const boost::system::error_code& ec);
    void start_session();
    void read();
    void on_read(std::size_t bytes);
    void flush();
    // flush() once the handler running now returns (one post per turn of the event loop), so
    // the streams opened in one turn (a closed model's VUs, a batch of due arrivals) share one
    // write instead of one write each.
    void flush_soon();
    void close_if_done();
    void fail(engine::Outcome outcome, std::string_view detail);
    void fail(const boost::system::error_code& ec, ErrorStage stage);
    void remove_open(const Http2Request& request);
    void on_ping_ack(const std::uint8_t* opaque);
    [[nodiscard]] bool pinging() const { return shared_.config.ping_interval.count() > 0; }

    boost::asio::io_context& io_;
    const HttpTarget::Shared& shared_;
    Http2ConnectionOwner& owner_;
    std::size_t index_;
    Http2Counters& counters_;
    std::optional<Stream> stream_;
    nghttp2_session* session_ = nullptr;
    State state_ = State::idle;
    std::vector<Http2Request*> open_;  // requests on open streams (cancelled ones left out)
    std::size_t streams_in_use_ = 0;   // open streams, cancelled ones included, until they close
    std::vector<std::uint8_t> in_;     // read buffer
    std::string out_;                  // bytes being written
    std::string detail_;               // the last error's text
    std::string session_error_;        // nghttp2's message for a connection error, if any
    std::vector<Http2Request*> lost_;  // scratch for fail()
    engine::SteadyClock::time_point connect_deadline_{};
    std::uint64_t generation_ = 0;  // bumps when the connection closes; stale handlers compare it
    bool writing_ = false;
    bool flush_posted_ = false;  // flush_soon() is pending for this generation
    bool in_recv_ = false;       // inside nghttp2_session_mem_recv: flush() waits until it returns
    bool in_send_ = false;       // inside nghttp2_session_mem_send (its callbacks may submit)
    bool got_bytes_ = false;     // the server sent something on this connection
    // PING health (pinging()): when bytes last arrived, and the PING awaiting its ACK, if any
    // (its opaque data is ping_sequence_).
    engine::SteadyClock::time_point last_received_{};
    engine::SteadyClock::time_point ping_sent_at_{};
    std::uint64_t ping_sequence_ = 0;
    bool ping_outstanding_ = false;
};

extern template class Http2Connection<PlainStream>;
extern template class Http2Connection<TlsStream>;

}  // namespace volley::targets
