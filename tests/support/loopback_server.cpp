#include "support/loopback_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <cstdlib>
#include <cstring>
#include <deque>
#include <istream>
#include <optional>

namespace volley::testing {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct LoopbackServer::Impl {
    LoopbackServer& owner;
    LoopbackServerOptions options;
    asio::io_context io{1};
    tcp::acceptor acceptor{io};
    std::string response;
    std::string head_response;  // `response` without its body
    std::uint64_t accepted = 0;
    std::deque<std::chrono::steady_clock::time_point> last_second;  // arrivals (degrade mode)
    std::vector<std::unique_ptr<char[]>> leaked;                    // leak mode's blocks

    // Leak mode: a block of leak_kb_per_request KiB, every byte written (so every page is
    // resident), kept until the server goes (server thread only).
    void leak() {
        const std::size_t bytes = options.leak_kb_per_request * 1024;
        if (bytes == 0) return;
        auto block = std::make_unique_for_overwrite<char[]>(bytes);
        std::memset(block.get(), static_cast<int>(leaked.size() & 0x7f) | 1, bytes);
        leaked.push_back(std::move(block));
    }

    // The arrival rate over the last second, this arrival included (server thread only).
    std::size_t arrivals_in_last_second(std::chrono::steady_clock::time_point now) {
        last_second.push_back(now);
        while (!last_second.empty() && now - last_second.front() >= std::chrono::seconds(1))
            last_second.pop_front();
        return last_second.size();
    }

    // /slow?ms=N → N ms; nullopt for any other request target.
    static std::optional<std::chrono::milliseconds> slow_delay(const std::string& request_line) {
        const auto target_start = request_line.find(' ');
        if (target_start == std::string::npos) return std::nullopt;
        const auto target_end = request_line.find(' ', target_start + 1);
        const std::string target =
            request_line.substr(target_start + 1, target_end - target_start - 1);
        if (target.rfind("/slow?", 0) != 0) return std::nullopt;
        const auto ms = target.find("ms=");
        if (ms == std::string::npos) return std::nullopt;
        return std::chrono::milliseconds(std::atol(target.c_str() + ms + 3));
    }

    Impl(LoopbackServer& o, LoopbackServerOptions opts) : owner(o), options(std::move(opts)) {
        const char* reason = options.status < 300   ? "OK"
                             : options.status < 500 ? "Client Error"
                                                    : "Server Error";
        response = "HTTP/1.1 " + std::to_string(options.status) + " " + reason +
                   "\r\nContent-Type: text/plain\r\nContent-Length: " +
                   std::to_string(options.body.size()) + "\r\n\r\n";
        head_response =
            response;  // a response to HEAD has the headers, never the body (RFC 9110 9.3.2)
        response += options.body;
        tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), options.port);
        acceptor.open(endpoint.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen();
    }

    struct Connection : std::enable_shared_from_this<Connection> {
        Impl& server;
        tcp::socket socket;
        asio::streambuf buffer;
        asio::steady_timer timer;
        std::uint64_t serial;
        bool head = false;  // the request being answered is a HEAD
        Connection(Impl& s, tcp::socket sock, std::uint64_t number)
            : server(s), socket(std::move(sock)), timer(s.io), serial(number) {}

        void read() {
            asio::async_read_until(
                socket, buffer, "\r\n\r\n",
                [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                    if (!ec) self->on_header(n);
                });
        }
        void on_header(std::size_t header_bytes) {
            const auto now = std::chrono::steady_clock::now();
            std::string header(
                asio::buffers_begin(buffer.data()),
                asio::buffers_begin(buffer.data()) + static_cast<std::ptrdiff_t>(header_bytes));
            buffer.consume(header_bytes);
            std::size_t content_length = 0;
            for (std::size_t pos = 0; (pos = header.find("\r\n", pos)) != std::string::npos;) {
                pos += 2;
                if (header.compare(pos, 15, "Content-Length:") == 0 ||
                    header.compare(pos, 15, "content-length:") == 0)
                    content_length = std::stoul(header.substr(pos + 15));
            }
            server.owner.requests_.fetch_add(1);
            server.leak();
            head = header.compare(0, 5, "HEAD ") == 0;
            if (server.options.record_arrivals) {
                std::lock_guard lock(server.owner.arrivals_mutex_);
                server.owner.arrivals_.push_back(
                    {now, header.substr(0, header.find("\r\n")), serial});
            }
            std::chrono::milliseconds extra{0};
            if (const auto slow = slow_delay(header.substr(0, header.find("\r\n")))) extra = *slow;
            if (server.options.degrade_above_rps > 0 &&
                static_cast<double>(server.arrivals_in_last_second(now)) >
                    server.options.degrade_above_rps) {
                extra += server.options.degrade_delay;
            }
            auto after_body = [self = shared_from_this(), now, extra] {
                self->respond(now, extra);
            };
            if (content_length > buffer.size()) {
                asio::async_read(socket, buffer,
                                 asio::transfer_exactly(content_length - buffer.size()),
                                 [self = shared_from_this(), after_body, content_length](
                                     const boost::system::error_code& ec, std::size_t) {
                                     if (ec) return;
                                     self->buffer.consume(content_length);
                                     after_body();
                                 });
            } else {
                buffer.consume(content_length);
                after_body();
            }
        }
        void respond(std::chrono::steady_clock::time_point arrived,
                     std::chrono::milliseconds extra) {
            const auto since = arrived - server.owner.started_;
            const auto stall_start = server.options.stall_at;
            const auto stall_end = server.options.stall_at + server.options.stall_for;
            if (server.options.stall_for.count() > 0 && since >= stall_start && since < stall_end) {
                timer.expires_at(server.owner.started_ + stall_end);
                timer.async_wait([self = shared_from_this()](const boost::system::error_code&) {
                    self->write();
                });
            } else if (server.options.response_delay.count() + extra.count() > 0) {
                timer.expires_at(arrived + server.options.response_delay + extra);
                timer.async_wait([self = shared_from_this()](const boost::system::error_code&) {
                    self->write();
                });
            } else {
                write();
            }
        }
        void write() {
            asio::async_write(
                socket, asio::buffer(head ? server.head_response : server.response),
                [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                    if (!ec) self->read();
                });
        }
    };

    void accept() {
        acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
            if (ec) return;
            socket.set_option(tcp::no_delay(true));
            std::make_shared<Connection>(*this, std::move(socket), ++accepted)->read();
            accept();
        });
    }
};

LoopbackServer::LoopbackServer(LoopbackServerOptions options)
    : impl_(std::make_unique<Impl>(*this, std::move(options))) {
    port_ = impl_->acceptor.local_endpoint().port();
    started_ = std::chrono::steady_clock::now();
    impl_->accept();
    thread_ = std::thread([this] { impl_->io.run(); });
}

LoopbackServer::~LoopbackServer() { stop(); }

void LoopbackServer::stop() {
    if (!thread_.joinable()) return;
    impl_->io.stop();
    thread_.join();
}

std::vector<Arrival> LoopbackServer::arrivals() const {
    std::lock_guard lock(arrivals_mutex_);
    return arrivals_;
}

}  // namespace volley::testing
