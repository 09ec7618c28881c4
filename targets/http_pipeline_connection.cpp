#include "targets/http_pipeline_connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <fmt/format.h>

namespace volley::targets {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using engine::Outcome;

namespace {

// Reads take this much at most: several responses per read when they are small.
constexpr std::size_t kReadBytes = std::size_t{64} * 1024;

bool closed_by_peer(const error_code& ec) {
    return ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe;
}

}  // namespace

template <class Stream>
HttpPipelineConnection<Stream>::HttpPipelineConnection(asio::io_context& io,
                                                       const HttpTarget::Shared& shared,
                                                       engine::CompletionSink& sink,
                                                       std::vector<std::size_t> slots)
    : io_(io),
      shared_(shared),
      sink_(sink),
      slots_(std::move(slots)),
      requests_(slots_.size()),
      queued_(slots_.size()),
      sent_(slots_.size()) {}

template <class Stream>
void HttpPipelineConnection<Stream>::send(std::size_t index, const Exchange& exchange) {
    Request& request = requests_[index];
    request.exchange = exchange;
    request.retried = false;
    queued_.push_back(index);
    schedule_flush();
}

template <class Stream>
void HttpPipelineConnection<Stream>::schedule_flush() {
    // One write per turn of the event loop: the requests sent until the posted flush runs go
    // out together.
    if (flush_posted_) return;
    flush_posted_ = true;
    asio::post(io_, [this] {
        flush_posted_ = false;
        flush();
    });
}

template <class Stream>
void HttpPipelineConnection<Stream>::flush() {
    if (queued_.empty() || connecting_ || writing_) return;  // on_ready / the write's end flush
    const bool idle = sent_.empty();
    // Bytes that came in while nothing was in flight answer no request of ours: on this
    // connection they would pass for the next response (as HttpConnection::send).
    if (connected_ && idle && bytes_waiting(*stream_)) close();
    if (!connected_) return connect();
    if (cautious_ && !idle) return;  // the first response on this connection comes first
    const std::size_t count = cautious_ ? 1 : queued_.size();
    const auto deadline = engine::SteadyClock::now() + shared_.config.request_timeout;
    write_buffer_.clear();
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t index = queued_.pop_front();
        Request& request = requests_[index];
        write_buffer_.append(request.exchange.bytes);
        request.deadline = deadline;
        sent_.push_back(index);
    }
    writing_ = true;
    asio::async_write(*stream_, asio::buffer(write_buffer_),
                      [this, gen = generation_](const error_code& ec, std::size_t) {
                          if (gen != generation_) return;
                          writing_ = false;
                          if (ec) return fail(ec, ErrorStage::write);
                          flush();
                      });
    if (idle) {  // nothing was being read: the new head's response is next
        start_response(/*new_head=*/true);
        read();
    }
}

template <class Stream>
void HttpPipelineConnection<Stream>::connect() {
    connect_deadline_ = engine::SteadyClock::now() + shared_.config.connect_timeout;
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
                    return fail_queued(Outcome::tls_error, detail_);
                }
            }
            fail(ec, stage);
        });
}

template <class Stream>
void HttpPipelineConnection<Stream>::on_ready() {
    connected_ = true;
    connecting_ = false;
    answered_ = 0;
    flush();
}

template <class Stream>
void HttpPipelineConnection<Stream>::start_response(bool new_head) {
    const Exchange& exchange = requests_[sent_.front()].exchange;
    ResponseCapture* capture = nullptr;
    if (exchange.capture) {
        capture_.clear();
        capture = &capture_;
    }
    parser_.emplace(shared_.cache_header_lc, shared_.config.max_body_bytes, exchange.head, capture);
    // Bytes already buffered past the previous response are this one's.
    if (new_head) head_got_bytes_ = buffer_.size() > 0;
}

template <class Stream>
void HttpPipelineConnection<Stream>::read() {
    // Every complete response in the buffer is delivered before reading more; put() takes one
    // step (header, then body pieces) per call. Interim 1xx responses are skipped in the loop.
    while (!sent_.empty()) {
        error_code ec;
        parser_->put_buffered(buffer_, ec);
        if (ec) return fail(ec, ErrorStage::read);
        if (!parser_->is_done()) break;
        if (parser_->interim()) {
            start_response(/*new_head=*/false);  // the final response follows
            continue;
        }
        if (!on_response()) return;
        if (!sent_.empty()) start_response(/*new_head=*/true);
    }
    if (sent_.empty()) return;  // reading resumes with the next write
    reading_ = true;
    stream_->async_read_some(buffer_.prepare(kReadBytes),
                             [this, gen = generation_](const error_code& ec, std::size_t n) {
                                 if (gen != generation_) return;
                                 reading_ = false;
                                 on_read(ec, n);
                             });
}

template <class Stream>
void HttpPipelineConnection<Stream>::on_read(const error_code& ec, std::size_t bytes) {
    if (ec == asio::error::eof && head_got_bytes_ && parser_->need_eof()) {
        // The head's body ran to the connection's end (no Content-Length, not chunked).
        error_code eof_ec;
        parser_->put_eof(eof_ec);
        if (eof_ec) return fail(eof_ec, ErrorStage::read);
    } else if (ec) {
        return fail(ec, ErrorStage::read);
    }
    if (bytes > 0) {
        head_got_bytes_ = true;
        buffer_.commit(bytes);
    }
    read();
}

template <class Stream>
bool HttpPipelineConnection<Stream>::on_response() {
    const int status = parser_->status();
    const engine::TierIndex tier = tier_of(shared_.config.cache, parser_->cache_value());
    const bool reusable = parser_->reusable();
    ++answered_;
    const bool was_cautious = cautious_;
    cautious_ = false;
    const std::uint64_t gen = generation_;
    std::size_t head = 0;
    std::size_t unanswered = 0;
    std::vector<std::size_t> failed;  // the error path only
    if (!reusable) {
        // The server closes the connection after this response: the requests behind it were not
        // processed (RFC 9112 §9.6).
        unanswered = sent_.size() - 1;
        close();
        head = settle_unanswered(Ending::closed_by_response, false, failed);
        if (!queued_.empty()) schedule_flush();
    } else {
        head = sent_.pop_front();
        // Bytes past the last response in flight: the server broke framing (a body after HEAD,
        // 204 or 304, more than its Content-Length); they go with the connection (RFC 9112 §6.3).
        if (sent_.empty() && buffer_.size() > 0) {
            close();
            if (!queued_.empty()) schedule_flush();
        } else if (was_cautious && !queued_.empty()) {
            schedule_flush();  // the requests held back while the connection proved itself
        }
    }
    const Exchange& exchange = requests_[head].exchange;
    const auto& expected = expected_status(shared_.config, exchange.name_index);
    const Outcome outcome = classify_status(expected, status);
    const engine::ResponseView view{capture_.headers, capture_.body};
    const engine::ResponseView* response = exchange.capture ? &view : nullptr;
    if (outcome == Outcome::ok) {
        complete(head, outcome, {}, status, tier, response);
    } else {
        describe_status(detail_, status, expected);
        complete(head, outcome, detail_, status, tier, response);
    }
    if (!failed.empty())
        complete_behind(failed, unanswered, Outcome::reset, Ending::closed_by_response);
    return gen == generation_;
}

template <class Stream>
std::size_t HttpPipelineConnection<Stream>::settle_unanswered(Ending ending, bool head_may_resend,
                                                              std::vector<std::size_t>& failed) {
    const std::size_t head = sent_.pop_front();
    std::vector<std::size_t> resend;
    if (head_may_resend) resend.push_back(head);
    while (!sent_.empty()) {
        const std::size_t index = sent_.pop_front();
        Request& request = requests_[index];
        const bool unprocessed = ending == Ending::closed_by_response;
        if (request.exchange.retry_if_stale && (unprocessed || !request.retried)) {
            request.retried = request.retried || !unprocessed;
            resend.push_back(index);
        } else {
            failed.push_back(index);
        }
    }
    // Ahead of the requests queued since: they were sent first.
    for (auto it = resend.rbegin(); it != resend.rend(); ++it) queued_.push_front(*it);
    if (ending != Ending::closed_by_response && !resend.empty()) cautious_ = true;
    return head;
}

template <class Stream>
void HttpPipelineConnection<Stream>::complete_behind(const std::vector<std::size_t>& failed,
                                                     std::size_t unanswered, Outcome outcome,
                                                     Ending ending) {
    for (const std::size_t index : failed) {
        const bool resent = requests_[index].retried;
        const char* why = resent ? "sent once more already" : "not idempotent: not sent again";
        switch (ending) {
            case Ending::timeout:
                detail_ = fmt::format(
                    "no response: the request ahead of it on its pipelined connection timed out "
                    "({} requests unanswered; {})",
                    unanswered, why);
                break;
            case Ending::closed_by_response:
                detail_ = fmt::format(
                    "connection closed (Connection: close) with {} pipelined requests "
                    "unanswered ({})",
                    unanswered, why);
                break;
            case Ending::error:
                detail_ =
                    fmt::format("connection closed with {} pipelined requests unanswered ({})",
                                unanswered, why);
                break;
        }
        complete(index, outcome, detail_);
    }
}

template <class Stream>
void HttpPipelineConnection<Stream>::fail(const error_code& ec, ErrorStage stage) {
    close();
    const bool exchanging = stage != ErrorStage::connect && stage != ErrorStage::handshake;
    if (!exchanging) {
        describe_error(detail_, ec, stage, false, shared_.config.max_body_bytes);
        return fail_queued(classify_error(ec, stage, is_tls_stream<Stream>), detail_);
    }
    if (sent_.empty()) {  // every request written was answered before the write's end
        if (!queued_.empty()) schedule_flush();
        return;
    }
    // As HttpConnection: a reused connection the server closed before any byte of the head's
    // response never carried it to the server.
    const std::size_t head_index = sent_.front();
    const Request& head_request = requests_[head_index];
    const bool stale = answered_ > 0 && !head_got_bytes_ && closed_by_peer(ec);
    const bool head_resend = stale && head_request.exchange.retry_if_stale && !head_request.retried;
    if (head_resend) requests_[head_index].retried = true;
    const std::size_t unanswered = sent_.size();
    const bool got_bytes = head_got_bytes_;
    std::vector<std::size_t> failed;
    const std::size_t head = settle_unanswered(Ending::error, head_resend, failed);
    if (!queued_.empty()) schedule_flush();
    if (!head_resend) {
        describe_error(detail_, ec, stage, got_bytes, shared_.config.max_body_bytes);
        complete(head, classify_error(ec, stage, is_tls_stream<Stream>), detail_);
    }
    if (!failed.empty())
        complete_behind(failed, unanswered, classify_error(ec, stage, is_tls_stream<Stream>),
                        Ending::error);
}

template <class Stream>
void HttpPipelineConnection<Stream>::fail_queued(Outcome outcome, std::string_view detail) {
    // Taken out first: a completion may send again (queued for the next connection).
    std::vector<std::size_t> failed;
    failed.reserve(queued_.size());
    while (!queued_.empty()) failed.push_back(queued_.pop_front());
    const std::string text(detail);
    for (const std::size_t index : failed) complete(index, outcome, text);
}

template <class Stream>
void HttpPipelineConnection<Stream>::complete(std::size_t index, Outcome outcome,
                                              std::string_view detail, int status,
                                              engine::TierIndex tier,
                                              const engine::ResponseView* response) {
    engine::Completion completion(outcome, tier, static_cast<std::uint16_t>(status), detail);
    completion.response = response;
    sink_.on_complete(slots_[index], completion);
}

template <class Stream>
void HttpPipelineConnection<Stream>::close() {
    // The pending operations finish with operation_aborted; their handlers see the new
    // generation and return.
    ++generation_;
    connected_ = false;
    connecting_ = false;
    writing_ = false;
    reading_ = false;
    buffer_.clear();
    if (!stream_) return;
    error_code ignored;
    tcp_layer(*stream_).close(ignored);
}

template <class Stream>
void HttpPipelineConnection<Stream>::expire_if_due(engine::SteadyClock::time_point now) {
    if (connecting_) {
        if (now < connect_deadline_) return;
        close();
        describe_timeout(detail_, shared_.config.connect_timeout, true);
        return fail_queued(Outcome::timeout, detail_);
    }
    if (sent_.empty() || now < requests_[sent_.front()].deadline) return;
    close();
    const std::size_t unanswered = sent_.size();
    std::vector<std::size_t> failed;
    const std::size_t head = settle_unanswered(Ending::timeout, false, failed);
    if (!queued_.empty()) schedule_flush();
    describe_timeout(detail_, shared_.config.request_timeout, false);
    complete(head, Outcome::timeout, detail_);
    if (!failed.empty()) complete_behind(failed, unanswered, Outcome::timeout, Ending::timeout);
}

template <class Stream>
void HttpPipelineConnection<Stream>::abort() {
    close();
    std::vector<std::size_t> open;
    while (!sent_.empty()) open.push_back(sent_.pop_front());
    while (!queued_.empty()) open.push_back(queued_.pop_front());
    for (const std::size_t index : open)
        complete(index, Outcome::cancelled, "abandoned unanswered when the run stopped");
}

template class HttpPipelineConnection<PlainStream>;
template class HttpPipelineConnection<TlsStream>;

}  // namespace volley::targets
