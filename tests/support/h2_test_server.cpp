#include "support/h2_test_server.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <nghttp2/nghttp2.h>

#include <array>
#include <memory>
#include <utility>
#include <vector>

namespace volley::testing {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

struct H2TestServer::Connection : std::enable_shared_from_this<Connection> {
    Connection(H2TestServer& owner, tcp::socket accepted, bool first)
        : server(owner),
          socket(std::move(accepted)),
          stall_end(socket.get_executor()),
          goes_silent(first && owner.options_.silent_after != 0) {
        nghttp2_session_server_new(&session, server.callbacks_, this);
        const nghttp2_settings_entry entry{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS,
                                           server.options_.max_concurrent_streams};
        nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, &entry, 1);
    }
    ~Connection() { nghttp2_session_del(session); }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void start() {
        read();
        flush();
    }

    static int on_frame(nghttp2_session* /*session*/, const nghttp2_frame* frame, void* user) {
        auto& self = *static_cast<Connection*>(user);
        const bool request_done =
            (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
            (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
        if (request_done) self.on_request(frame->hd.stream_id);
        return 0;
    }

    void on_request(std::int32_t stream_id) {
        const auto& options = server.options_;
        if (options.hostile_reply) {
            raw += options.hostile_reply(stream_id);
            return;
        }
        if (options.goaway_after != 0 && answered == options.goaway_after) return;
        if (goes_silent && received++ >= options.silent_after) return;  // never answered
        const auto now = std::chrono::steady_clock::now();
        if (!server.first_request_) server.first_request_ = now;
        const auto since_first = now - *server.first_request_;
        if (since_first >= options.stall_at && since_first < options.stall_at + options.stall_for) {
            held.push_back(stream_id);
            if (held.size() == 1) {
                stall_end.expires_at(*server.first_request_ + options.stall_at + options.stall_for);
                stall_end.async_wait([self = shared_from_this()](const error_code& ec) {
                    if (ec) return;
                    for (const auto id : self->held) self->respond(id);
                    self->held.clear();
                    self->flush();
                });
            }
        } else {
            respond(stream_id);
        }
        if (options.goaway_after != 0 && ++answered == options.goaway_after)
            nghttp2_submit_goaway(session, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_NO_ERROR, nullptr,
                                  0);
    }

    void respond(std::int32_t stream_id) {
        static const std::array<std::uint8_t, 8> name{':', 's', 't', 'a', 't', 'u', 's', 0};
        static const std::array<std::uint8_t, 4> value{'2', '0', '0', 0};
        const nghttp2_nv status{const_cast<std::uint8_t*>(name.data()),
                                const_cast<std::uint8_t*>(value.data()), 7, 3,
                                NGHTTP2_NV_FLAG_NONE};
        if (nghttp2_submit_response(session, stream_id, &status, 1, nullptr) == 0)
            ++server.responses_;
    }

    void read() {
        socket.async_read_some(
            asio::buffer(in), [self = shared_from_this()](const error_code& ec, std::size_t n) {
                if (ec || nghttp2_session_mem_recv(self->session, self->in.data(), n) < 0) {
                    self->close();
                    return;
                }
                self->flush();
                if (self->goes_silent && self->received > self->server.options_.silent_after) {
                    // No more reading, so nothing more to write once what was submitted went
                    // out (the answers so far; not the requests after the first silent_after).
                    self->server.silenced_.push_back(self);
                    return;
                }
                if (nghttp2_session_want_read(self->session) != 0)
                    self->read();
                else
                    self->drain();
            });
    }

    // After the session ended: reads (and drops) what the client still sends until it closes,
    // so that closing never resets the connection under the client's unread GOAWAY.
    void drain() {
        socket.async_read_some(asio::buffer(in),
                               [self = shared_from_this()](const error_code& ec, std::size_t) {
                                   if (ec) return self->close();
                                   self->drain();
                               });
    }

    void flush() {
        if (writing || !socket.is_open()) return;
        out.clear();
        const std::uint8_t* data = nullptr;
        for (ssize_t n = 0; (n = nghttp2_session_mem_send(session, &data)) > 0;)
            out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
        out += raw;
        raw.clear();
        if (out.empty()) {
            // GOAWAY sent and every stream closed: the server's side ends here.
            if (nghttp2_session_want_read(session) == 0 &&
                nghttp2_session_want_write(session) == 0) {
                error_code ignored;
                socket.shutdown(tcp::socket::shutdown_send, ignored);
            }
            return;
        }
        writing = true;
        asio::async_write(socket, asio::buffer(out),
                          [self = shared_from_this()](const error_code& ec, std::size_t) {
                              self->writing = false;
                              if (ec) return self->close();
                              self->flush();
                          });
    }

    void close() {
        error_code ignored;
        socket.close(ignored);
        stall_end.cancel();
    }

    H2TestServer& server;
    tcp::socket socket;
    asio::steady_timer stall_end;
    nghttp2_session* session = nullptr;
    std::array<std::uint8_t, 16384> in{};
    std::string out;
    std::string raw;                 // hostile bytes to write after nghttp2's
    std::vector<std::int32_t> held;  // streams whose response waits for the stall's end
    std::size_t answered = 0;
    std::size_t received = 0;  // requests received (counted when goes_silent)
    bool goes_silent = false;  // options.silent_after applies to this connection
    bool writing = false;
};

H2TestServer::H2TestServer(H2TestServerOptions options)
    : options_(std::move(options)), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    nghttp2_session_callbacks_new(&callbacks_);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks_, &Connection::on_frame);
    accept();
    thread_ = std::thread([this] { io_.run(); });
}

H2TestServer::~H2TestServer() {
    io_.stop();
    thread_.join();
    nghttp2_session_callbacks_del(callbacks_);
}

std::string H2TestServer::url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
}

void H2TestServer::accept() {
    acceptor_.async_accept([this](const error_code& ec, tcp::socket socket) {
        if (ec) return;
        std::make_shared<Connection>(*this, std::move(socket), accepted_++ == 0)->start();
        accept();
    });
}

}  // namespace volley::testing
