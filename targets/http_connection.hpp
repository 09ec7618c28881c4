// One keep-alive HTTP/1.1 connection of a session's slot (docs/architecture.md "Targets"),
// a class template on its stream: PlainStream (http://) or TlsStream (https://).
#pragma once

#include "engine/clock.hpp"
#include "engine/target.hpp"
#include "targets/http_endpoint.hpp"
#include "targets/http_errors.hpp"
#include "targets/http_response_parser.hpp"

#include <boost/beast/core/flat_buffer.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace volley::targets {

// One request as the session hands it to a connection.
struct Exchange {
    std::string_view bytes;  // the serialised request; must stay valid until it completes
    std::uint32_t name_index = 0;
    bool head = false;  // a HEAD request: its response has no body whatever its headers say
    // When the request went out on a reused connection that the server had closed (the write
    // fails, or the read ends, before any byte of the response): send it once more on a fresh
    // connection instead of failing. The session allows it for idempotent methods only.
    bool retry_if_stale = false;
    // Keep the response's header fields and body for the completion (engine::ResponseView).
    bool capture = false;
};

// Carries at most one request at a time and keeps its connection for the next one while the
// server allows (reusable response, no error). Contract:
// - send() on an idle connection; the request completes exactly once through `sink`
//   (slot `slot`): ok/http_4xx/http_5xx/protocol_error with the status (classify_status), or an
//   error outcome with status 0 and a detail (http_errors.hpp), or timeout, or cancelled.
// - The deadline is the connect timeout while connecting (TCP connect and TLS handshake), then
//   the request timeout from the moment the connection is up. Nothing times out by itself: the
//   owner calls expire_if_due() regularly, which completes a request past its deadline as
//   `timeout` and closes its connection.
// - Framing (RFC 9112): interim 1xx responses (not 101) are skipped; HEAD, 1xx, 204 and 304
//   have no body whatever the headers say. A connection is reused only when the response was
//   framed cleanly: bytes past a final response, or arriving while idle, close it, so they
//   are never read as the next request's response. A parse error closes the connection and
//   completes the request it happened on.
// - Handlers of operations that belong to an ended request are ignored (a generation count).
// - All calls and completions on the io_context's thread; `shared`, `sink` and `io` outlive it.
template <class Stream>
class HttpConnection {
public:
    HttpConnection(boost::asio::io_context& io, const HttpTarget::Shared& shared,
                   engine::CompletionSink& sink, std::size_t slot)
        : io_(io), shared_(shared), sink_(sink), slot_(slot) {}
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    void send(const Exchange& exchange);
    // Completes the request in flight as `timeout` when `now` is past its deadline.
    void expire_if_due(engine::SteadyClock::time_point now);
    // Completes the request in flight (if any) as `cancelled` and closes the connection.
    void abort();
    [[nodiscard]] bool busy() const { return busy_; }

private:
    void connect();
    void on_ready();
    void write();
    void read();
    void on_read(const boost::system::error_code& ec, std::size_t bytes);
    void start_response();
    void on_response();
    // Delivers the completion; `detail` (empty for a success) is a view into detail_ or static.
    void complete(engine::Outcome outcome, std::string_view detail, int status = 0,
                  engine::TierIndex tier = 0, const engine::ResponseView* response = nullptr);
    void fail(const boost::system::error_code& ec, ErrorStage stage);
    void close();

    boost::asio::io_context& io_;
    const HttpTarget::Shared& shared_;
    engine::CompletionSink& sink_;
    std::size_t slot_;
    std::optional<Stream> stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<ResponseParser> parser_;
    ResponseCapture capture_;  // the response of an exchange with `capture`; buffers reused
    Exchange exchange_;
    std::string detail_;  // the last error's text, reused (built on the error path only)
    engine::SteadyClock::time_point deadline_{};
    std::uint64_t generation_ =
        0;  // bumps when a request ends or is re-sent; stale handlers compare it
    bool connected_ = false;
    bool connecting_ =
        false;  // the deadline is the connect timeout (TCP connect and TLS handshake)
    bool busy_ = false;
    bool reused_ = false;     // the request went out on a connection that served another
    bool retried_ = false;    // the request was re-sent once on a fresh connection
    bool got_bytes_ = false;  // some of the response arrived
};

extern template class HttpConnection<PlainStream>;
extern template class HttpConnection<TlsStream>;

}  // namespace volley::targets
