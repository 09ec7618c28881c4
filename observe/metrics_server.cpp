#include "observe/metrics_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <mutex>
#include <optional>

namespace volley::observe {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

constexpr auto kIdleLimit = std::chrono::seconds(30);
constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace

ListenAddress parse_listen_address(std::string_view text) {
    const auto expected = [&] {
        return std::invalid_argument(fmt::format(
            "\"{}\": expected HOST:PORT, e.g. 127.0.0.1:9464 (port 0: any free port)", text));
    };
    ListenAddress address;
    std::string_view port_text;
    if (text.starts_with('[')) {  // [IPv6]:PORT
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            throw expected();
        address.host = std::string(text.substr(1, close - 1));
        port_text = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) throw expected();
        address.host = std::string(text.substr(0, colon));
        port_text = text.substr(colon + 1);
        if (address.host.find(':') != std::string::npos)
            throw std::invalid_argument(
                fmt::format("\"{}\": write an IPv6 address in brackets, e.g. [::1]:9464", text));
    }
    if (address.host.empty() || port_text.empty()) throw expected();
    unsigned long port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size()) throw expected();
    if (port > 65535)
        throw std::invalid_argument(fmt::format("\"{}\": port {} is not 0..65535", text, port));
    address.port = static_cast<std::uint16_t>(port);
    return address;
}

struct MetricsServer::Impl {
    asio::io_context io;
    tcp::acceptor acceptor{io};
    std::mutex mutex;
    std::shared_ptr<const std::string> exposition = std::make_shared<const std::string>();

    std::shared_ptr<const std::string> current() {
        std::lock_guard lock(mutex);
        return exposition;
    }

    struct Session : std::enable_shared_from_this<Session> {
        Session(Impl& s, tcp::socket socket) : server(s), stream(std::move(socket)) {}
        Impl& server;
        beast::tcp_stream stream;
        beast::flat_buffer buffer;
        http::request<http::string_body> request;
        http::response<http::string_body> response;

        void read() {
            request = {};
            stream.expires_after(kIdleLimit);
            http::async_read(stream, buffer, request,
                             [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                 if (!ec) self->answer();
                             });
        }

        void answer() {
            response = {};
            response.version(request.version());
            response.keep_alive(request.keep_alive());
            response.set(http::field::server, "volley");
            const bool read_only =
                request.method() == http::verb::get || request.method() == http::verb::head;
            const std::string_view path = request.target().substr(0, request.target().find('?'));
            if (!read_only) {
                response.result(http::status::method_not_allowed);
                response.set(http::field::allow, "GET, HEAD");
                response.body() = "only GET /metrics\n";
            } else if (path != "/metrics") {
                response.result(http::status::not_found);
                response.body() = "volley serves its metrics at /metrics\n";
            } else {
                response.result(http::status::ok);
                response.body() = *server.current();
            }
            if (response.result() == http::status::ok)
                response.set(http::field::content_type, kContentType);
            else
                response.set(http::field::content_type, "text/plain; charset=utf-8");
            response.prepare_payload();
            if (request.method() == http::verb::head) response.body().clear();
            stream.expires_after(kIdleLimit);
            http::async_write(
                stream, response, [self = shared_from_this()](beast::error_code ec, std::size_t) {
                    if (ec || !self->response.keep_alive()) {
                        beast::error_code ignored;
                        self->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
                        return;
                    }
                    self->read();
                });
        }
    };

    void accept() {
        acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
            if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
            if (!ec) std::make_shared<Session>(*this, std::move(socket))->read();
            accept();
        });
    }
};

MetricsServer::MetricsServer(const ListenAddress& address)
    : impl_(std::make_unique<Impl>()), host_(address.host) {
    const std::string where = address.host.find(':') != std::string::npos
                                  ? fmt::format("[{}]:{}", address.host, address.port)
                                  : fmt::format("{}:{}", address.host, address.port);
    tcp::endpoint endpoint;
    beast::error_code ec;
    const auto literal = asio::ip::make_address(address.host, ec);
    if (!ec) {
        endpoint = tcp::endpoint(literal, address.port);
    } else {
        tcp::resolver resolver(impl_->io);
        const auto results = resolver.resolve(address.host, std::to_string(address.port),
                                              tcp::resolver::passive, ec);
        if (ec || results.empty())
            throw MetricsListenError(fmt::format("cannot listen on {}: {} does not resolve ({})",
                                                 where, address.host, ec.message()));
        endpoint = results.begin()->endpoint();
    }
    const auto failed = [&](std::string_view step) {
        return MetricsListenError(
            fmt::format("cannot listen on {}: {}: {}", where, step, ec.message()));
    };
    auto& acceptor = impl_->acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (ec) throw failed("socket");
    acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    acceptor.bind(endpoint, ec);
    if (ec) throw failed("bind");
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw failed("listen");
    port_ = acceptor.local_endpoint().port();
    impl_->accept();
    thread_ = std::thread([impl = impl_.get()] { impl->io.run(); });
}

// Stopping the io_context ends the thread; the listener and the sessions (owned by their pending
// handlers) close when Impl and its io_context are destroyed.
MetricsServer::~MetricsServer() {
    impl_->io.stop();
    if (thread_.joinable()) thread_.join();
}

std::string MetricsServer::url() const {
    return host_.find(':') != std::string::npos
               ? fmt::format("http://[{}]:{}/metrics", host_, port_)
               : fmt::format("http://{}:{}/metrics", host_, port_);
}

void MetricsServer::publish(std::string exposition) {
    auto next = std::make_shared<const std::string>(std::move(exposition));
    std::lock_guard lock(impl_->mutex);
    impl_->exposition = std::move(next);
}

}  // namespace volley::observe
