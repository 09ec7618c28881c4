// One keep-alive HTTP/1.1 connection carrying several requests at once: HTTP/1.1 pipelining
// (RFC 9112 §9.3.2; docs/scenarios.md "target.http", `pipeline`). A class template on its
// stream, like HttpConnection, which it replaces when target.http.pipeline is above 1.
#pragma once

#include "engine/clock.hpp"
#include "engine/target.hpp"
#include "targets/http_connection.hpp"
#include "targets/http_endpoint.hpp"
#include "targets/http_errors.hpp"
#include "targets/http_response_parser.hpp"

#include <boost/beast/core/flat_buffer.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace volley::targets {

// A first-in, first-out queue of request indices with a fixed capacity (no allocation after
// construction). Pushing more than `capacity` indices is a caller's bug.
class IndexRing {
public:
    explicit IndexRing(std::size_t capacity) : items_(capacity == 0 ? 1 : capacity) {}
    [[nodiscard]] bool empty() const { return size_ == 0; }
    [[nodiscard]] std::size_t size() const { return size_; }
    [[nodiscard]] std::size_t front() const { return items_[head_]; }
    void push_back(std::size_t index) {
        items_[(head_ + size_) % items_.size()] = index;
        ++size_;
    }
    void push_front(std::size_t index) {
        head_ = (head_ + items_.size() - 1) % items_.size();
        items_[head_] = index;
        ++size_;
    }
    std::size_t pop_front() {
        const std::size_t index = items_[head_];
        head_ = (head_ + 1) % items_.size();
        --size_;
        return index;
    }

private:
    std::vector<std::size_t> items_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

// Serves a fixed set of engine slots (`slots`, at most target.http.pipeline of them) on one
// connection, their requests in flight together and answered in the order they were written.
// Contract:
// - send(index, …) queues the request of slots[index] (which has none in flight); it completes
//   exactly once through `sink`, with the outcomes HttpConnection gives, or `cancelled` by abort().
// - Batching: requests queued during one turn of the event loop (and while the previous write is
//   in flight) go out in one write. Reads take up to 64 KiB and every complete response in the
//   buffer is delivered before the next read.
// - Framing as HttpConnection's: bytes past a response are the next response only while another
//   request is in flight on the connection; past the last one, or arriving while idle, they
//   close it. HEAD, 1xx, 204 and 304 have no body whatever the headers say.
// - Deadlines: while the connection is being set up (TCP connect, TLS handshake), the connect
//   timeout from the start of the connect, for every request waiting for it; then each request's
//   request timeout from the moment the write carrying it starts. Requests are answered in order,
//   so only the oldest one (the head) can be due first: expire_if_due() completes it as `timeout`
//   and closes the connection.
// - When the connection ends with requests unanswered (an error, the head's timeout, a response
//   that closes the connection): the head gets the error or timeout as HttpConnection would
//   (a reused connection closed before any byte of its response: sent once more when
//   idempotent). The requests behind it got no byte of a response: each idempotent one
//   (Exchange::retry_if_stale) is sent once more on a fresh connection, ahead of the requests
//   still queued, and the others complete as an error ("connection closed with N pipelined
//   requests unanswered"; `timeout` behind a timed-out head). Behind a response that announced
//   the close (Connection: close), the server processed none of them, so re-sending does not
//   use up a request's one retry. After a failure the fresh connection carries one request
//   until its first response (RFC 9112 §9.3.2: a retried pipeline does not pipeline at once).
// - Handlers of a closed connection's operations are ignored (a generation count).
// - All calls and completions on the io_context's thread; `shared`, `sink` and `io` outlive it.
template <class Stream>
class HttpPipelineConnection {
public:
    HttpPipelineConnection(boost::asio::io_context& io, const HttpTarget::Shared& shared,
                           engine::CompletionSink& sink, std::vector<std::size_t> slots);
    HttpPipelineConnection(const HttpPipelineConnection&) = delete;
    HttpPipelineConnection& operator=(const HttpPipelineConnection&) = delete;

    // `index`: the slot's position in `slots`.
    void send(std::size_t index, const Exchange& exchange);
    // Completes what is past its deadline as `timeout` (see the contract).
    void expire_if_due(engine::SteadyClock::time_point now);
    // Completes every request queued or in flight as `cancelled` and closes the connection.
    void abort();

private:
    struct Request {
        Exchange exchange;
        engine::SteadyClock::time_point deadline{};  // once written: write start + request timeout
        bool retried = false;                        // sent once more on a fresh connection
    };
    // Why the connection ended with requests unanswered.
    enum class Ending : std::uint8_t { error, timeout, closed_by_response };

    void schedule_flush();
    void flush();
    void connect();
    void on_ready();
    void read();
    void on_read(const boost::system::error_code& ec, std::size_t bytes);
    void start_response(bool new_head);
    // Delivers the head's response; false when the connection ended (closed, or aborted by the
    // completion's receiver).
    bool on_response();
    void fail(const boost::system::error_code& ec, ErrorStage stage);
    // The connection is closed: the head (completed by the caller) and the requests behind it
    // leave sent_; those behind are queued again or collected in `failed` per the contract.
    // Returns the head's index.
    std::size_t settle_unanswered(Ending ending, bool head_may_resend,
                                  std::vector<std::size_t>& failed);
    // Completes `failed` (requests behind the head) with `outcome`, the detail naming `ending`.
    void complete_behind(const std::vector<std::size_t>& failed, std::size_t unanswered,
                         engine::Outcome outcome, Ending ending);
    // Every queued request fails with `outcome`/`detail` (the connection could not be set up).
    void fail_queued(engine::Outcome outcome, std::string_view detail);
    void complete(std::size_t index, engine::Outcome outcome, std::string_view detail,
                  int status = 0, engine::TierIndex tier = 0,
                  const engine::ResponseView* response = nullptr);
    void close();

    boost::asio::io_context& io_;
    const HttpTarget::Shared& shared_;
    engine::CompletionSink& sink_;
    std::vector<std::size_t> slots_;  // the engine slot of each request index
    std::vector<Request> requests_;
    IndexRing queued_;  // sent by the engine, not written yet
    IndexRing sent_;    // written (or being written), answered in this order
    std::optional<Stream> stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<ResponseParser> parser_;  // the head's response
    ResponseCapture capture_;
    std::string write_buffer_;  // the requests of the write in flight, one after another
    std::string detail_;        // the last error's text, reused
    engine::SteadyClock::time_point connect_deadline_{};
    std::uint64_t generation_ = 0;  // bumps when the connection closes; stale handlers compare it
    std::uint64_t answered_ = 0;    // responses on the current connection
    bool connected_ = false;
    bool connecting_ = false;
    bool writing_ = false;
    bool reading_ = false;
    bool flush_posted_ = false;
    bool head_got_bytes_ = false;  // some of the head's response arrived
    bool cautious_ = false;        // one request in flight until the first response
};

extern template class HttpPipelineConnection<PlainStream>;
extern template class HttpPipelineConnection<TlsStream>;

}  // namespace volley::targets
