#include "demo/demo_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace volley::demo {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr std::size_t kBodyLimitBytes = std::size_t{64} * 1024;
// An idle keep-alive connection, or a request that takes this long to arrive, is closed.
constexpr std::chrono::seconds kIdleTimeout{60};

// One connection: read a request, let the service answer it, wait until the answer is due,
// write it, read the next one (while the client keeps the connection alive).
class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, DemoService& service)
        : stream_(std::move(socket)), timer_(stream_.get_executor()), service_(service) {}

    void start() { read(); }

private:
    void read() {
        parser_.emplace();
        parser_->body_limit(kBodyLimitBytes);
        stream_.expires_after(kIdleTimeout);
        http::async_read(
            stream_, buffer_, *parser_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec) {
            close();
            return;
        }
        const auto& req = parser_->get();
        DemoReply reply = service_.handle(DemoRequest{
            .method = req.method_string(),
            .target = req.target(),
            .body = req.body(),
            .authorization = req[http::field::authorization],
            .cookie = req[http::field::cookie],
            .api_key = req["X-API-Key"],
        });
        res_ = {};
        res_.version(req.version());
        res_.result(static_cast<http::status>(reply.status));
        res_.set(http::field::server, "demo-volley");
        res_.set(http::field::content_type, "application/json");
        for (const auto& [name, value] : reply.headers) res_.insert(name, value);
        res_.keep_alive(req.keep_alive());
        res_.body() = std::move(reply.body);
        res_.prepare_payload();
        stream_.expires_never();  // the wait below may be a long stall; the write has its own
        timer_.expires_at(reply.answer_at);
        timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
            if (wait_ec) return;  // cancelled: the server stops
            self->write();
        });
    }

    void write() {
        stream_.expires_after(kIdleTimeout);
        http::async_write(stream_, res_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec || !self->res_.keep_alive()) {
                                  self->close();
                                  return;
                              }
                              self->read();
                          });
    }

    void close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.socket().close(ignored);
    }

    beast::tcp_stream stream_;
    asio::steady_timer timer_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> res_;
    DemoService& service_;
};

}  // namespace

struct DemoServer::Impl {
    explicit Impl(DemoOptions o)
        : options(std::move(o)), service(options, engine::steady_time_source()), acceptor(ioc) {}

    void accept() {
        acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
            if (ec) {
                if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
            } else {
                std::make_shared<Session>(std::move(socket), service)->start();
            }
            accept();
        });
    }

    DemoOptions options;
    DemoService service;  // its replies are due on the steady clock the timers use
    asio::io_context ioc;
    tcp::acceptor acceptor;
    std::vector<std::thread> threads;
    std::uint16_t bound_port = 0;
    bool running = false;
};

DemoServer::DemoServer(DemoOptions options) {
    check_demo_options(options);
    impl_ = std::make_unique<Impl>(std::move(options));
}

DemoServer::~DemoServer() { stop(); }

void DemoServer::start() {
    if (impl_->running) return;
    const auto& o = impl_->options;
    const tcp::endpoint endpoint(asio::ip::make_address(o.host), o.port);
    beast::error_code ec;
    auto& acceptor = impl_->acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        throw std::runtime_error("cannot listen on " + o.host + ":" + std::to_string(o.port) +
                                 ": " + ec.message());
    impl_->bound_port = acceptor.local_endpoint().port();
    impl_->accept();
    for (int i = 0; i < o.threads; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
    impl_->running = true;
}

std::uint16_t DemoServer::port() const { return impl_->bound_port; }

void DemoServer::stop() {
    if (!impl_ || !impl_->running) return;
    asio::post(impl_->ioc, [this] {
        beast::error_code ignored;
        impl_->acceptor.close(ignored);
    });
    impl_->ioc.stop();
    for (auto& t : impl_->threads) t.join();
    impl_->threads.clear();
    impl_->running = false;
}

DemoService& DemoServer::service() { return impl_->service; }

}  // namespace volley::demo
