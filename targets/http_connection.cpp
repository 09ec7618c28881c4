#include "targets/http_connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

namespace volley::targets {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using engine::Outcome;

template <class Stream>
void HttpConnection<Stream>::send(const Exchange& exchange) {
    exchange_ = exchange;
    busy_ = true;
    retried_ = false;
    got_bytes_ = false;
    // Bytes that came in while the connection was idle answer no request of ours (a late body
    // after a bodiless response, a 408 before the server closes): on this connection they would
    // pass for the new request's response, so it is dropped and a fresh one carries the request.
    if (connected_ && bytes_waiting(*stream_)) close();
    if (connected_) {
        reused_ = true;
        deadline_ = engine::SteadyClock::now() + shared_.config.request_timeout;
        write();
    } else {
        reused_ = false;
        connect();
    }
}

template <class Stream>
void HttpConnection<Stream>::connect() {
    deadline_ = engine::SteadyClock::now() + shared_.config.connect_timeout;
    connecting_ = true;
    open_stream(stream_, io_, shared_);
    connect_stream(
        stream_, shared_, [this, gen = generation_] { return gen == generation_; },
        [this](const error_code& ec, ErrorStage stage) {
            if (!ec) return on_ready();
            if constexpr (is_tls_stream<Stream>) {
                if (stage == ErrorStage::handshake &&
                    describe_refused_certificate(*stream_, detail_)) {
                    close();
                    return complete(Outcome::tls_error, detail_);
                }
            }
            fail(ec, stage);
        });
}

template <class Stream>
void HttpConnection<Stream>::on_ready() {
    connected_ = true;
    connecting_ = false;
    deadline_ = engine::SteadyClock::now() + shared_.config.request_timeout;
    write();
}

template <class Stream>
void HttpConnection<Stream>::write() {
    asio::async_write(*stream_, asio::buffer(exchange_.bytes.data(), exchange_.bytes.size()),
                      [this, gen = generation_](const error_code& ec, std::size_t) {
                          if (gen != generation_) return;
                          if (ec) return fail(ec, ErrorStage::write);
                          start_response();
                          read();
                      });
}

template <class Stream>
void HttpConnection<Stream>::start_response() {
    ResponseCapture* capture = nullptr;
    if (exchange_.capture) {
        capture_.clear();
        capture = &capture_;
    }
    parser_.emplace(shared_.cache_header_lc, shared_.config.max_body_bytes, exchange_.head,
                    capture);
}

template <class Stream>
void HttpConnection<Stream>::read() {
    // Parse what is already buffered before reading more; put() takes one step (header, then
    // body pieces) per call. Interim responses (100 Continue, 103 Early Hints) are skipped in
    // this loop, not by recursion, however many the server sends.
    for (;;) {
        error_code ec;
        parser_->put_buffered(buffer_, ec);
        if (ec) return fail(ec, ErrorStage::read);
        if (!parser_->is_done()) break;
        if (!parser_->interim()) return on_response();
        start_response();  // the final response follows on this connection
    }
    auto space = buffer_.prepare(std::size_t{16} * 1024);
    stream_->async_read_some(space, [this, gen = generation_](const error_code& ec, std::size_t n) {
        if (gen != generation_) return;
        on_read(ec, n);
    });
}

template <class Stream>
void HttpConnection<Stream>::on_read(const error_code& ec, std::size_t bytes) {
    if (ec == asio::error::eof && got_bytes_ && parser_->need_eof()) {
        // The body ran to the connection's end (no Content-Length, not chunked).
        error_code eof_ec;
        parser_->put_eof(eof_ec);
        if (eof_ec) return fail(eof_ec, ErrorStage::read);
    } else if (ec) {
        return fail(ec, ErrorStage::read);
    }
    if (bytes > 0) {
        got_bytes_ = true;
        buffer_.commit(bytes);
    }
    read();
}

template <class Stream>
void HttpConnection<Stream>::on_response() {
    const int status = parser_->status();
    const engine::TierIndex tier = tier_of(shared_.config.cache, parser_->cache_value());
    // Bytes past the final response, when no other request went out on this connection: the
    // server broke framing (a body after HEAD, 204 or 304, more bytes than its Content-Length).
    // The response itself is complete; the surplus is discarded with the connection (RFC 9112
    // §6.3) so it cannot pass for the next request's response.
    if (!parser_->reusable() || buffer_.size() > 0) close();
    const auto& expected = expected_status(shared_.config, exchange_.name_index);
    const Outcome outcome = classify_status(expected, status);
    const engine::ResponseView view{capture_.headers, capture_.body};
    const engine::ResponseView* response = exchange_.capture ? &view : nullptr;
    if (outcome == Outcome::ok) return complete(outcome, {}, status, tier, response);
    describe_status(detail_, status, expected);
    complete(outcome, detail_, status, tier, response);
}

template <class Stream>
void HttpConnection<Stream>::complete(Outcome outcome, std::string_view detail, int status,
                                      engine::TierIndex tier,
                                      const engine::ResponseView* response) {
    ++generation_;
    busy_ = false;
    engine::Completion completion(outcome, tier, static_cast<std::uint16_t>(status), detail);
    completion.response = response;
    sink_.on_complete(slot_, completion);
}

template <class Stream>
void HttpConnection<Stream>::fail(const error_code& ec, ErrorStage stage) {
    close();
    const bool exchanging = stage != ErrorStage::connect && stage != ErrorStage::handshake;
    // A server may close an idle keep-alive connection just as we reuse it: the request never
    // reached it, so sending it again on a fresh connection is safe when the method allows.
    const bool stale = exchanging && reused_ && !got_bytes_ &&
                       (ec == asio::error::eof || ec == asio::error::connection_reset ||
                        ec == asio::error::broken_pipe);
    if (stale && exchange_.retry_if_stale && !retried_) {
        retried_ = true;
        reused_ = false;
        ++generation_;
        connect();
        return;
    }
    describe_error(detail_, ec, stage, exchanging && got_bytes_, shared_.config.max_body_bytes);
    complete(classify_error(ec, stage, is_tls_stream<Stream>), detail_);
}

template <class Stream>
void HttpConnection<Stream>::close() {
    connected_ = false;
    connecting_ = false;
    buffer_.clear();
    if (!stream_) return;
    error_code ignored;
    tcp_layer(*stream_).close(ignored);
}

template <class Stream>
void HttpConnection<Stream>::expire_if_due(engine::SteadyClock::time_point now) {
    if (!busy_ || now < deadline_) return;
    const bool was_connecting = connecting_;
    // The generation bump makes the handler of the pending operation (which closing finishes
    // with operation_aborted) return without a look, so the timeout is reported here, once.
    ++generation_;
    close();
    const auto& config = shared_.config;
    describe_timeout(detail_, was_connecting ? config.connect_timeout : config.request_timeout,
                     was_connecting);
    complete(Outcome::timeout, detail_);
}

template <class Stream>
void HttpConnection<Stream>::abort() {
    if (!busy_) {
        close();
        return;
    }
    ++generation_;
    close();
    complete(Outcome::cancelled, "abandoned unanswered when the run stopped");
}

template class HttpConnection<PlainStream>;
template class HttpConnection<TlsStream>;

}  // namespace volley::targets
