#include "support/scripted_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <optional>

namespace volley::testing {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct ScriptedServer::Impl {
    explicit Impl(Responder r) : responder(std::move(r)) {
        const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
        acceptor.open(endpoint.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen();
    }

    struct Connection : std::enable_shared_from_this<Connection> {
        Connection(Impl& s, tcp::socket sock, std::uint64_t number)
            : server(s), socket(std::move(sock)), serial(number) {}
        Impl& server;
        tcp::socket socket;
        boost::beast::flat_buffer buffer;
        std::optional<http::request_parser<http::string_body>> parser;
        std::uint64_t serial;
        std::string reply;

        void read() {
            parser.emplace();
            parser->body_limit(64 * 1024 * 1024);
            http::async_read(
                socket, buffer, *parser,
                [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                    if (!ec) self->on_request();
                });
        }
        void on_request() {
            const auto& message = parser->get();
            ScriptedRequest request;
            request.method = std::string(message.method_string());
            request.target = std::string(message.target());
            for (const auto& field : message) {
                request.headers.emplace_back(std::string(field.name_string()),
                                             std::string(field.value()));
            }
            request.body = message.body();
            request.connection = serial;
            {
                std::lock_guard lock(server.mutex);
                server.received.push_back(request);
            }
            const ScriptedReply answer = server.responder(request);
            if (answer.hold) return;  // the server's `held` list keeps the socket open
            reply = answer.bytes;
            next = answer.next;
            pause = answer.pause;
            close = answer.close;
            reset = answer.reset;
            write(reply, 0);
        }
        // Writes `bytes`, then piece `piece` of `next` after `pause`, …, then ends the reply.
        void write(const std::string& bytes, std::uint64_t piece) {
            asio::async_write(socket, asio::buffer(bytes),
                              [self = shared_from_this(), piece](
                                  const boost::system::error_code& ec, std::size_t) {
                                  if (ec) return;
                                  self->write_next(piece);
                              });
        }
        void write_next(std::uint64_t piece) {
            if (next) {
                reply = next(piece);
                if (!reply.empty()) {
                    if (pause.count() == 0) return write(reply, piece + 1);
                    timer.expires_after(pause);
                    timer.async_wait(
                        [self = shared_from_this(), piece](const boost::system::error_code& ec) {
                            if (!ec) self->write(self->reply, piece + 1);
                        });
                    return;
                }
            }
            end_reply();
        }
        void end_reply() {
            server.count_reply();
            boost::system::error_code ignored;
            if (reset) {
                socket.set_option(asio::socket_base::linger(true, 0), ignored);
                socket.close(ignored);
                return server.count_close();
            }
            if (close) {
                socket.shutdown(tcp::socket::shutdown_both, ignored);
                socket.close(ignored);
                return server.count_close();
            }
            read();
        }
        std::function<std::string(std::uint64_t)> next;
        std::chrono::milliseconds pause{0};
        bool close = false;
        bool reset = false;
        asio::steady_timer timer{socket.get_executor()};
    };

    void accept() {
        acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
            if (ec) return;
            std::uint64_t number = 0;
            {
                std::lock_guard lock(mutex);
                number = ++accepted;
            }
            auto connection = std::make_shared<Connection>(*this, std::move(socket), number);
            held.push_back(
                connection);  // held replies keep their socket open until the server stops
            connection->read();
            accept();
        });
    }

    void count_reply() {
        {
            std::lock_guard lock(mutex);
            ++replied;
        }
        closes_changed.notify_all();
    }

    void count_close() {
        {
            std::lock_guard lock(mutex);
            ++closed;
        }
        closes_changed.notify_all();
    }

    Responder responder;
    asio::io_context io{1};
    tcp::acceptor acceptor{io};
    std::vector<std::shared_ptr<Connection>> held;
    mutable std::mutex mutex;  // guards the four below
    std::uint64_t accepted = 0;
    std::uint64_t closed = 0;   // by the server itself
    std::uint64_t replied = 0;  // replies written in full
    std::vector<ScriptedRequest> received;
    mutable std::condition_variable closes_changed;  // or replies
};

ScriptedServer::ScriptedServer(Responder responder)
    : impl_(std::make_unique<Impl>(std::move(responder))) {
    port_ = impl_->acceptor.local_endpoint().port();
    impl_->accept();
    thread_ = std::thread([this] { impl_->io.run(); });
}

ScriptedServer::~ScriptedServer() {
    impl_->io.stop();
    if (thread_.joinable()) thread_.join();
}

std::vector<ScriptedRequest> ScriptedServer::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->received;
}

std::uint64_t ScriptedServer::connections() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->accepted;
}

bool ScriptedServer::wait_for_closes(std::uint64_t count, std::chrono::milliseconds limit) const {
    std::unique_lock lock(impl_->mutex);
    return impl_->closes_changed.wait_for(lock, limit, [&] { return impl_->closed >= count; });
}

bool ScriptedServer::wait_for_replies(std::uint64_t count, std::chrono::milliseconds limit) const {
    std::unique_lock lock(impl_->mutex);
    return impl_->closes_changed.wait_for(lock, limit, [&] { return impl_->replied >= count; });
}

std::string http_response(int status, const std::string& body, const std::string& extra_headers) {
    return "HTTP/1.1 " + std::to_string(status) +
           " Scripted\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers +
           "\r\n" + body;
}

}  // namespace volley::testing
