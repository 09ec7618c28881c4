#include "targets/http2_connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

#include <fmt/format.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace volley::targets {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using engine::Outcome;

namespace {

constexpr std::size_t kReadBufferBytes = std::size_t{64} * 1024;
// mem_send output gathered into one write, at most about this much.
constexpr std::size_t kWriteBatchBytes = std::size_t{64} * 1024;
// The largest stream id (RFC 9113 §5.1.1: 31 bits).
constexpr std::uint32_t kMaxStreamId = 0x7fffffff;

// The ALPN protocols volley offers for h2 (wire format: length-prefixed): "h2", and
// "http/1.1" so that a server without HTTP/2 selects it and the error can say so (offered "h2"
// alone, such a server ends the handshake with a no_application_protocol alert).
constexpr unsigned char kAlpnH2[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

std::string_view as_view(const std::uint8_t* data, std::size_t length) {
    return {reinterpret_cast<const char*>(data), length};
}

// The server's answer to an h2c preface when it speaks only HTTP/1.1: "HTTP/1.1 400 …".
bool looks_like_http1(std::string_view bytes) {
    constexpr std::string_view kPrefix = "HTTP/1.";
    return bytes.substr(0, kPrefix.size()) ==
           kPrefix.substr(0, std::min(bytes.size(), kPrefix.size()));
}

// One set of nghttp2 callbacks per connection type, built once.
template <class Stream>
struct CallbackSet {
    nghttp2_session_callbacks* callbacks = nullptr;
    CallbackSet() {
        using C = Http2Connection<Stream>;
        nghttp2_session_callbacks_new(&callbacks);
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &C::on_frame_recv);
        nghttp2_session_callbacks_set_on_header_callback(callbacks, &C::on_header);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &C::on_data_chunk);
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &C::on_stream_close);
        nghttp2_session_callbacks_set_error_callback2(callbacks, &C::on_error);
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, &C::on_frame_send);
    }
    ~CallbackSet() { nghttp2_session_callbacks_del(callbacks); }
    CallbackSet(const CallbackSet&) = delete;
    CallbackSet& operator=(const CallbackSet&) = delete;
};

template <class Stream>
const nghttp2_session_callbacks* callbacks() {
    static const CallbackSet<Stream> set;  // immutable once built (thread-safe static init)
    return set.callbacks;
}

}  // namespace

template <class Stream>
Http2Connection<Stream>::Http2Connection(asio::io_context& io, const HttpTarget::Shared& shared,
                                         Http2ConnectionOwner& owner, std::size_t index,
                                         Http2Counters& counters)
    : io_(io),
      shared_(shared),
      owner_(owner),
      index_(index),
      counters_(counters),
      in_(kReadBufferBytes) {}

template <class Stream>
Http2Connection<Stream>::~Http2Connection() {
    close();
}

template <class Stream>
std::size_t Http2Connection<Stream>::free_streams() const {
    if (state_ != State::ready) return 0;
    // nghttp2 is ending the session (a connection error: its GOAWAY is queued or sent): a
    // request submitted now would never be sent. Stream ids used up are open_stream()'s case.
    if (nghttp2_session_get_next_stream_id(session_) <= kMaxStreamId &&
        nghttp2_session_check_request_allowed(session_) == 0)
        return 0;
    const std::uint32_t peer =
        nghttp2_session_get_remote_settings(session_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
    const std::size_t limit = std::min<std::size_t>(shared_.config.max_streams, peer);
    return limit > streams_in_use_ ? limit - streams_in_use_ : 0;
}

template <class Stream>
void Http2Connection<Stream>::connect() {
    state_ = State::connecting;
    got_bytes_ = false;
    connect_deadline_ = engine::SteadyClock::now() + shared_.config.connect_timeout;
    targets::open_stream(stream_, io_, shared_);
    if constexpr (is_tls_stream<Stream>)
        SSL_set_alpn_protos(stream_->native_handle(), kAlpnH2, sizeof kAlpnH2);
    asio::async_connect(tcp_layer(*stream_), shared_.endpoints,
                        [this, gen = generation_](const error_code& ec, const tcp::endpoint&) {
                            if (gen != generation_) return;
                            on_connected(ec);
                        });
}

template <class Stream>
void Http2Connection<Stream>::on_connected(const error_code& ec) {
    if (ec) return fail(ec, ErrorStage::connect);
    tcp_layer(*stream_).set_option(tcp::no_delay(true));
    if constexpr (!is_tls_stream<Stream>) {
        start_session();
    } else {
        stream_->async_handshake(asio::ssl::stream_base::client, [this, gen = generation_](
                                                                     const error_code& hec) {
            if (gen != generation_) return;
            if (hec) {
                if (describe_refused_certificate(*stream_, detail_))
                    return fail(Outcome::tls_error, detail_);
                if (hec.category() == asio::error::get_ssl_category() &&
                    ERR_GET_REASON(hec.value()) == SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL) {
                    return fail(Outcome::tls_error,
                                "the server accepts none of the protocols offered by ALPN (h2, "
                                "http/1.1), protocol: h2 requires h2");
                }
                return fail(hec, ErrorStage::handshake);
            }
            const unsigned char* selected = nullptr;
            unsigned int length = 0;
            SSL_get0_alpn_selected(stream_->native_handle(), &selected, &length);
            const std::string_view alpn(reinterpret_cast<const char*>(selected), length);
            if (alpn != "h2") {
                detail_ =
                    alpn.empty()
                        ? "server selected no protocol (ALPN), protocol: h2 requires h2"
                        : fmt::format("server selected {} (ALPN), protocol: h2 requires h2", alpn);
                return fail(Outcome::tls_error, detail_);
            }
            start_session();
        });
    }
}

// The client preface and SETTINGS: no server push, large windows (config.window_bytes) for
// every stream and for the connection.
template <class Stream>
void Http2Connection<Stream>::start_session() {
    nghttp2_session_client_new(&session_, callbacks<Stream>(), this);
    const std::uint32_t window = shared_.config.window_bytes;
    const std::array<nghttp2_settings_entry, 2> settings{{
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, window},
    }};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
    nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                          static_cast<std::int32_t>(window));
    flush();
    read();
}

template <class Stream>
typename Http2Connection<Stream>::Opened Http2Connection<Stream>::open_stream(Http2Request& request,
                                                                              std::string& detail) {
    std::array<nghttp2_nv, 64> fixed{};
    std::vector<nghttp2_nv> more;
    std::size_t count = 0;
    const auto add = [&](std::string_view name, std::string_view value) {
        nghttp2_nv nv{
            const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(name.data())),
            const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(value.data())),
            name.size(), value.size(), NGHTTP2_NV_FLAG_NONE};
        if (count < fixed.size()) {
            fixed[count++] = nv;
        } else {
            if (more.empty()) more.assign(fixed.begin(), fixed.end());
            more.push_back(nv);
        }
    };
    add(":method", request.method);
    add(":scheme", is_tls_stream<Stream> ? "https" : "http");
    add(":authority", shared_.authority);
    add(":path", request.path);
    for (const auto& [name, value] : request.fields) add(name, value);
    std::string length;
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
        request.method == "PATCH") {
        length = std::to_string(request.body.size());
        add("content-length", length);
    }
    const nghttp2_nv* nva = more.empty() ? fixed.data() : more.data();
    const std::size_t nvlen = more.empty() ? count : more.size();
    request.body_sent = 0;
    nghttp2_data_provider provider{};
    provider.source.ptr = &request;
    provider.read_callback = &Http2Connection::read_body;
    const std::int32_t id = nghttp2_submit_request(
        session_, nullptr, nva, nvlen, request.body.empty() ? nullptr : &provider, &request);
    if (id == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE) {
        // Our GOAWAY ends the session once the open streams are done (close_if_done).
        state_ = State::draining;
        nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE, 0, NGHTTP2_NO_ERROR, nullptr, 0);
        flush();
        return Opened::no_more_streams;
    }
    if (id < 0) {
        detail = fmt::format("HTTP/2: cannot open a stream: {}", nghttp2_strerror(id));
        return Opened::no;
    }
    request.stream_id = id;
    request.connection = index_;
    request.status = 0;
    request.ended = false;
    request.body_too_large = false;
    request.reset_by_server = false;
    request.body_bytes = 0;
    request.cache_value.clear();
    request.response.clear();
    open_.push_back(&request);
    ++streams_in_use_;
    ++counters_.streams_opened;
    counters_.open_streams_sum += streams_in_use_;
    counters_.open_streams_peak =
        std::max(counters_.open_streams_peak, static_cast<std::uint32_t>(streams_in_use_));
    flush_soon();
    return Opened::yes;
}

template <class Stream>
void Http2Connection<Stream>::cancel_stream(Http2Request& request) {
    remove_open(request);
    if (session_ == nullptr) return;
    nghttp2_session_set_stream_user_data(session_, request.stream_id, nullptr);
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, request.stream_id, NGHTTP2_CANCEL);
    flush();
}

template <class Stream>
void Http2Connection<Stream>::remove_open(const Http2Request& request) {
    const auto found = std::find(open_.begin(), open_.end(), &request);
    if (found != open_.end()) open_.erase(found);
}

template <class Stream>
void Http2Connection<Stream>::read() {
    stream_->async_read_some(
        asio::buffer(in_.data(), in_.size()),
        [this, gen = generation_](const error_code& ec, std::size_t n) {
            if (gen != generation_) return;
            if (ec) {
                // A server closing a connection with no stream open (idle,
                // or after its GOAWAY) is no error.
                if (state_ != State::connecting && open_.empty() &&
                    (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated)) {
                    close();
                    owner_.on_capacity(index_);
                    return;
                }
                return fail(ec, ErrorStage::read);
            }
            on_read(n);
        });
}

template <class Stream>
void Http2Connection<Stream>::on_read(std::size_t bytes) {
    const std::string_view received = as_view(in_.data(), bytes);
    if (!got_bytes_ && looks_like_http1(received)) {
        return fail(Outcome::protocol_error,
                    is_tls_stream<Stream>
                        ? "the server answered in HTTP/1.1 after selecting h2"
                        : "the server answered in HTTP/1.1: protocol h2c needs a server that "
                          "accepts HTTP/2 with prior knowledge");
    }
    got_bytes_ = true;
    if (pinging()) last_received_ = engine::SteadyClock::now();
    in_recv_ = true;
    const auto used = nghttp2_session_mem_recv(session_, in_.data(), bytes);
    in_recv_ = false;
    if (used < 0) {
        detail_ =
            fmt::format("HTTP/2 protocol error: {}", nghttp2_strerror(static_cast<int>(used)));
        return fail(Outcome::protocol_error, detail_);
    }
    flush();
    if (session_ == nullptr) return;  // flush() failed the connection
    close_if_done();
    if (session_ == nullptr) return;
    read();
}

template <class Stream>
void Http2Connection<Stream>::flush() {
    if (writing_ || in_recv_ || in_send_ || session_ == nullptr) return;
    out_.clear();
    while (out_.size() < kWriteBatchBytes) {
        const std::uint8_t* data = nullptr;
        in_send_ = true;  // a callback that submits more is picked up by this loop
        const auto n = nghttp2_session_mem_send(session_, &data);
        in_send_ = false;
        if (n < 0) {
            detail_ =
                fmt::format("HTTP/2 protocol error: {}", nghttp2_strerror(static_cast<int>(n)));
            return fail(Outcome::protocol_error, detail_);
        }
        if (n == 0) break;
        out_.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
    }
    if (out_.empty()) return;
    writing_ = true;
    asio::async_write(*stream_, asio::buffer(out_),
                      [this, gen = generation_](const error_code& ec, std::size_t) {
                          if (gen != generation_) return;
                          writing_ = false;
                          if (ec) return fail(ec, ErrorStage::write);
                          flush();
                          if (session_ != nullptr) close_if_done();
                      });
}

template <class Stream>
void Http2Connection<Stream>::flush_soon() {
    if (flush_posted_) return;
    flush_posted_ = true;
    asio::post(stream_->get_executor(), [this, gen = generation_] {
        if (gen != generation_) return;
        flush_posted_ = false;
        flush();
        if (session_ != nullptr) close_if_done();
    });
}

// nghttp2 wants neither to read nor to write: after a GOAWAY (either side's) with every stream
// closed, or a fatal session error it has already answered with GOAWAY.
template <class Stream>
void Http2Connection<Stream>::close_if_done() {
    if (writing_ || nghttp2_session_want_read(session_) != 0 ||
        nghttp2_session_want_write(session_) != 0)
        return;
    if (!open_.empty()) {
        if (!session_error_.empty()) return fail(Outcome::protocol_error, session_error_);
        return fail(Outcome::protocol_error,
                    "HTTP/2: the connection ended with streams open (GOAWAY)");
    }
    close();
    owner_.on_capacity(index_);
}

template <class Stream>
void Http2Connection<Stream>::fail(const error_code& ec, ErrorStage stage) {
    if ((stage == ErrorStage::read || stage == ErrorStage::write) && state_ == State::connecting) {
        // The server hung up on the client preface: it does not speak HTTP/2 here.
        detail_ = fmt::format(
            "the server closed the connection before its HTTP/2 SETTINGS ({}){}", ec.message(),
            is_tls_stream<Stream> ? ""
                                  : ": protocol h2c needs a server that accepts HTTP/2 with prior "
                                    "knowledge");
        return fail(Outcome::protocol_error, detail_);
    }
    const bool exchanging = stage != ErrorStage::connect && stage != ErrorStage::handshake;
    describe_error(detail_, ec, stage, exchanging && got_bytes_, shared_.config.max_body_bytes);
    fail(classify_error(ec, stage, is_tls_stream<Stream>), detail_);
}

template <class Stream>
void Http2Connection<Stream>::fail(Outcome outcome, std::string_view detail) {
    const bool before_ready = state_ == State::connecting;
    lost_.swap(open_);
    const std::string text(detail);  // detail may be detail_, which close() keeps
    close();
    owner_.on_connection_failed(index_, before_ready, outcome, text, lost_);
    lost_.clear();
}

template <class Stream>
void Http2Connection<Stream>::expire_connect_if_due(engine::SteadyClock::time_point now) {
    if (state_ != State::connecting || now < connect_deadline_) return;
    describe_timeout(detail_, shared_.config.connect_timeout, true);
    fail(Outcome::timeout, detail_);
}

template <class Stream>
void Http2Connection<Stream>::check_health(engine::SteadyClock::time_point now) {
    const auto& config = shared_.config;
    if (!pinging() || session_ == nullptr || (state_ != State::ready && state_ != State::draining))
        return;
    if (ping_outstanding_) {
        if (now - ping_sent_at_ < config.ping_timeout) return;
        ++counters_.connections_failed_health;
        detail_ = fmt::format("connection failed its health check: no PING ACK within {}",
                              duration_text(config.ping_timeout));
        return fail(Outcome::timeout, detail_);
    }
    if (now - last_received_ < config.ping_interval) return;
    ++ping_sequence_;
    std::array<std::uint8_t, 8> opaque{};
    std::memcpy(opaque.data(), &ping_sequence_, opaque.size());
    if (nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, opaque.data()) != 0) return;
    ping_outstanding_ = true;
    ping_sent_at_ = now;
    ++counters_.pings_sent;
    flush();
}

// The ACK of the outstanding PING (an ACK with other opaque data is not ours: ignored).
template <class Stream>
void Http2Connection<Stream>::on_ping_ack(const std::uint8_t* opaque) {
    if (!ping_outstanding_ || std::memcmp(opaque, &ping_sequence_, sizeof ping_sequence_) != 0)
        return;
    ping_outstanding_ = false;
    const auto rtt =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       engine::SteadyClock::now() - ping_sent_at_)
                                       .count());
    ++counters_.ping_acks;
    counters_.ping_rtt_sum_ns += rtt;
    counters_.ping_rtt_max_ns = std::max(counters_.ping_rtt_max_ns, rtt);
}

template <class Stream>
void Http2Connection<Stream>::close() {
    ++generation_;
    state_ = State::idle;
    ping_outstanding_ = false;
    writing_ = false;
    flush_posted_ = false;
    open_.clear();
    streams_in_use_ = 0;
    session_error_.clear();
    if (session_ != nullptr) {
        nghttp2_session_del(session_);  // calls no callback
        session_ = nullptr;
    }
    if (!stream_) return;
    error_code ignored;
    tcp_layer(*stream_).close(ignored);
}

// ---- nghttp2 callbacks --------------------------------------------------------------------

template <class Stream>
int Http2Connection<Stream>::on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame,
                                           void* user_data) {
    auto& self = *static_cast<Http2Connection*>(user_data);
    switch (frame->hd.type) {
        case NGHTTP2_SETTINGS: {
            if ((frame->hd.flags & NGHTTP2_FLAG_ACK) != 0) break;
            auto& c = self.counters_;
            c.peer_settings_received = true;
            c.peer_max_concurrent_streams = nghttp2_session_get_remote_settings(
                session, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
            c.peer_initial_window_size =
                nghttp2_session_get_remote_settings(session, NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE);
            c.peer_max_frame_size =
                nghttp2_session_get_remote_settings(session, NGHTTP2_SETTINGS_MAX_FRAME_SIZE);
            if (self.state_ == State::connecting) {
                self.state_ = State::ready;
                ++c.connections_opened;
                self.last_received_ = engine::SteadyClock::now();  // PING health starts here
            }
            // nghttp2 applied the settings before this call; streams the owner opens now go
            // out when mem_recv returns (flush() waits for it).
            self.owner_.on_capacity(self.index_);
            break;
        }
        case NGHTTP2_GOAWAY:
            ++self.counters_.goaway_received;
            self.state_ = State::draining;
            break;
        case NGHTTP2_RST_STREAM: {
            ++self.counters_.rst_stream_received;
            auto* request = static_cast<Http2Request*>(
                nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
            if (request != nullptr) request->reset_by_server = true;
            break;
        }
        case NGHTTP2_PING:
            // nghttp2 answers the server's PINGs itself; an ACK answers ours.
            if ((frame->hd.flags & NGHTTP2_FLAG_ACK) != 0)
                self.on_ping_ack(frame->ping.opaque_data);
            break;
        case NGHTTP2_HEADERS:
        case NGHTTP2_DATA:
            if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
                auto* request = static_cast<Http2Request*>(
                    nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
                if (request != nullptr) request->ended = true;
            }
            break;
        default: break;
    }
    return 0;
}

template <class Stream>
int Http2Connection<Stream>::on_header(nghttp2_session* session, const nghttp2_frame* frame,
                                       const std::uint8_t* name, std::size_t name_length,
                                       const std::uint8_t* value, std::size_t value_length,
                                       std::uint8_t /*flags*/, void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    auto& self = *static_cast<Http2Connection*>(user_data);
    auto* request = static_cast<Http2Request*>(
        nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
    if (request == nullptr) return 0;
    const std::string_view field = as_view(name, name_length);
    const std::string_view text = as_view(value, value_length);
    if (field == ":status") {
        int status = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), status);
        request->status = ec == std::errc{} && end == text.data() + text.size() ? status : 0;
        if (request->capture && status >= 200) request->response.clear();  // after a 1xx
        return 0;
    }
    if (!self.shared_.cache_header_lc.empty() && field == self.shared_.cache_header_lc)
        request->cache_value.assign(text);
    if (request->capture && !field.empty() && field.front() != ':') {
        auto& headers = request->response.headers;
        headers.append(field).append(": ").append(text).push_back('\n');
    }
    return 0;
}

template <class Stream>
int Http2Connection<Stream>::on_data_chunk(nghttp2_session* session, std::uint8_t /*flags*/,
                                           std::int32_t stream_id, const std::uint8_t* data,
                                           std::size_t length, void* user_data) {
    auto& self = *static_cast<Http2Connection*>(user_data);
    auto* request =
        static_cast<Http2Request*>(nghttp2_session_get_stream_user_data(session, stream_id));
    if (request == nullptr || request->body_too_large) return 0;
    request->body_bytes += length;
    if (request->body_bytes > self.shared_.config.max_body_bytes) {
        request->body_too_large = true;
        request->response.body.clear();
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
        return 0;
    }
    if (request->capture) request->response.body.append(as_view(data, length));
    return 0;
}

// Also for a request whose HEADERS nghttp2 did not send (a GOAWAY arrived after it was
// submitted, or nghttp2 is ending the session): nghttp2 opened the stream before finding it may
// not, and closes it with REFUSED_STREAM (after on_frame_not_send, which volley does not set:
// acting there too would complete the request twice).
template <class Stream>
int Http2Connection<Stream>::on_stream_close(nghttp2_session* session, std::int32_t stream_id,
                                             std::uint32_t error_code, void* user_data) {
    auto& self = *static_cast<Http2Connection*>(user_data);
    if (self.streams_in_use_ > 0) --self.streams_in_use_;
    auto* request =
        static_cast<Http2Request*>(nghttp2_session_get_stream_user_data(session, stream_id));
    if (request == nullptr) return 0;  // cancelled (timed out) earlier
    nghttp2_session_set_stream_user_data(session, stream_id, nullptr);
    self.remove_open(*request);
    self.owner_.on_stream_closed(*request, error_code);
    return 0;
}

template <class Stream>
int Http2Connection<Stream>::on_error(nghttp2_session* /*session*/, int /*lib_error_code*/,
                                      const char* message, std::size_t length, void* user_data) {
    auto& self = *static_cast<Http2Connection*>(user_data);
    if (self.session_error_.empty())
        self.session_error_ =
            fmt::format("HTTP/2 protocol error: {}", std::string_view(message, length));
    return 0;
}

template <class Stream>
int Http2Connection<Stream>::on_frame_send(nghttp2_session* /*session*/, const nghttp2_frame* frame,
                                           void* user_data) {
    auto& self = *static_cast<Http2Connection*>(user_data);
    if (frame->hd.type != NGHTTP2_GOAWAY || frame->goaway.error_code == NGHTTP2_NO_ERROR ||
        !self.session_error_.empty())
        return 0;
    const std::string_view reason(reinterpret_cast<const char*>(frame->goaway.opaque_data),
                                  frame->goaway.opaque_data_len);
    self.session_error_ = fmt::format("HTTP/2 protocol error ({}){}{}",
                                      nghttp2_http2_strerror(frame->goaway.error_code),
                                      reason.empty() ? "" : ": ", reason);
    return 0;
}

template <class Stream>
ssize_t Http2Connection<Stream>::read_body(nghttp2_session* /*session*/, std::int32_t /*stream_id*/,
                                           std::uint8_t* buffer, std::size_t length,
                                           std::uint32_t* data_flags, nghttp2_data_source* source,
                                           void* /*user_data*/) {
    auto& request = *static_cast<Http2Request*>(source->ptr);
    const std::size_t left = request.body.size() - request.body_sent;
    const std::size_t n = std::min(left, length);
    std::memcpy(buffer, request.body.data() + request.body_sent, n);
    request.body_sent += n;
    if (request.body_sent == request.body.size()) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
}

template class Http2Connection<PlainStream>;
template class Http2Connection<TlsStream>;

}  // namespace volley::targets
