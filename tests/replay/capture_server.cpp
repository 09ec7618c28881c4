#include "replay/capture_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

namespace volley::replay_test {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct CaptureServer::Impl {
    asio::io_context io{1};
    tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
    mutable std::mutex mutex;
    std::vector<std::string> requests;
    const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    struct Connection : std::enable_shared_from_this<Connection> {
        Impl& server;
        tcp::socket socket;
        asio::streambuf buffer;
        Connection(Impl& s, tcp::socket sock) : server(s), socket(std::move(sock)) {}

        void read() {
            asio::async_read_until(
                socket, buffer, "\r\n\r\n",
                [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                    if (!ec) self->on_header(n);
                });
        }
        void on_header(std::size_t header_bytes) {
            std::string header(
                asio::buffers_begin(buffer.data()),
                asio::buffers_begin(buffer.data()) + static_cast<std::ptrdiff_t>(header_bytes));
            buffer.consume(header_bytes);
            std::size_t length = 0;
            for (std::size_t pos = 0; (pos = header.find("\r\n", pos)) != std::string::npos;) {
                pos += 2;
                std::string name = header.substr(pos, 15);
                for (auto& c : name)
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                if (name == "content-length:") length = std::stoul(header.substr(pos + 15));
            }
            auto self = shared_from_this();
            auto complete = [self, header, length] {
                std::string body(
                    asio::buffers_begin(self->buffer.data()),
                    asio::buffers_begin(self->buffer.data()) + static_cast<std::ptrdiff_t>(length));
                self->buffer.consume(length);
                {
                    std::lock_guard lock(self->server.mutex);
                    self->server.requests.push_back(header + body);
                }
                asio::async_write(self->socket, asio::buffer(self->server.response),
                                  [self](boost::system::error_code ec, std::size_t) {
                                      if (!ec) self->read();
                                  });
            };
            if (buffer.size() >= length) return complete();
            asio::async_read(socket, buffer, asio::transfer_exactly(length - buffer.size()),
                             [complete](boost::system::error_code ec, std::size_t) {
                                 if (!ec) complete();
                             });
        }
    };

    void accept() {
        acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
            if (ec) return;
            std::make_shared<Connection>(*this, std::move(socket))->read();
            accept();
        });
    }
};

CaptureServer::CaptureServer() : impl_(std::make_unique<Impl>()) {
    port_ = impl_->acceptor.local_endpoint().port();
    impl_->accept();
    thread_ = std::thread([this] { impl_->io.run(); });
}

CaptureServer::~CaptureServer() {
    impl_->io.stop();
    thread_.join();
}

std::vector<std::string> CaptureServer::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->requests;
}

}  // namespace volley::replay_test
