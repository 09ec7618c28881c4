#include "support/pipeline_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <deque>
#include <mutex>

namespace volley::testing {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

struct Parsed {
    std::string method, path;
};

// The Content-Length of a request header block (0 when absent).
std::size_t content_length(const std::string& header) {
    std::string lower(header);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto at = lower.find("\r\ncontent-length:");
    if (at == std::string::npos) return 0;
    return std::stoul(lower.substr(at + 17));
}

std::string response_to(const Parsed& request) {
    if (request.method == "HEAD") return "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
    if (request.path == "/204") return "HTTP/1.1 204 No Content\r\n\r\n";
    if (request.path == "/304") return "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n";
    const std::string body = request.method + " " + request.path;
    return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

struct PipelineServer::Impl {
    explicit Impl(PipelineServerOptions o) : options(o) {
        const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
        acceptor.open(endpoint.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen();
    }

    struct Connection : std::enable_shared_from_this<Connection> {
        Connection(Impl& s, tcp::socket sock) : server(s), socket(std::move(sock)) {}
        Impl& server;
        tcp::socket socket;
        asio::steady_timer timer{socket.get_executor()};
        std::array<char, 4096> chunk{};
        std::string input;
        std::deque<Parsed> waiting;  // parsed, not answered
        std::string output;          // the batch being written
        std::size_t written = 0;
        std::size_t answered = 0;
        bool writing = false;
        bool holding = false;   // a "/hold" request came: no more answers on this connection
        bool draining = false;  // closed for sending; reads until the client goes

        void read() {
            socket.async_read_some(asio::buffer(chunk), [self = shared_from_this()](
                                                            const error_code& ec, std::size_t n) {
                if (ec) {
                    error_code ignored;
                    self->socket.close(ignored);
                    return;
                }
                if (!self->draining) {
                    self->input.append(self->chunk.data(), n);
                    self->parse();
                    self->answer();
                }
                self->read();
            });
        }

        void parse() {
            for (;;) {
                const auto end = input.find("\r\n\r\n");
                if (end == std::string::npos) return;
                const std::size_t total = end + 4 + content_length(input.substr(0, end + 2));
                if (input.size() < total) return;
                const std::string line = input.substr(0, input.find("\r\n"));
                const auto space = line.find(' ');
                Parsed request{line.substr(0, space),
                               line.substr(space + 1, line.rfind(' ') - space - 1)};
                input.erase(0, total);
                server.count_received();
                if (request.path == "/hold") holding = true;
                if (!holding) waiting.push_back(std::move(request));
            }
        }

        void answer() {
            if (writing || draining || waiting.size() < server.options.batch) return;
            output.clear();
            written = 0;
            std::vector<std::string> lines;
            for (std::size_t i = 0; i < server.options.batch; ++i) {
                if (server.options.close_after > 0 && answered == server.options.close_after) break;
                output += response_to(waiting.front());
                lines.push_back(waiting.front().method + " " + waiting.front().path);
                waiting.pop_front();
                ++answered;
            }
            server.count_answered(lines);
            writing = true;
            write_piece();
        }

        void write_piece() {
            const std::size_t piece =
                server.options.split_bytes == 0
                    ? output.size() - written
                    : std::min(server.options.split_bytes, output.size() - written);
            asio::async_write(socket, asio::buffer(output.data() + written, piece),
                              [self = shared_from_this()](const error_code& ec, std::size_t n) {
                                  if (ec) return;
                                  self->written += n;
                                  if (self->written < self->output.size()) {
                                      self->timer.expires_after(self->server.options.pause);
                                      self->timer.async_wait([self](const error_code& tec) {
                                          if (!tec) self->write_piece();
                                      });
                                      return;
                                  }
                                  self->writing = false;
                                  self->after_write();
                              });
        }

        void after_write() {
            if (server.options.close_after > 0 && answered == server.options.close_after) {
                // A FIN, then whatever the client still sends is read and dropped: closing with
                // unread bytes would reset the connection and could lose the responses written.
                draining = true;
                error_code ignored;
                socket.shutdown(tcp::socket::shutdown_send, ignored);
                return;
            }
            answer();
        }
    };

    void accept() {
        acceptor.async_accept([this](const error_code& ec, tcp::socket socket) {
            if (ec) return;
            {
                const std::lock_guard lock(mutex);
                ++counts.connections;
            }
            auto connection = std::make_shared<Connection>(*this, std::move(socket));
            connections.push_back(connection);
            connection->read();
            accept();
        });
    }

    void count_received() {
        const std::lock_guard lock(mutex);
        ++counts.received;
    }

    void count_answered(const std::vector<std::string>& lines) {
        const std::lock_guard lock(mutex);
        counts.answered += lines.size();
        counts.answered_lines.insert(counts.answered_lines.end(), lines.begin(), lines.end());
    }

    PipelineServerOptions options;
    asio::io_context io{1};
    tcp::acceptor acceptor{io};
    std::vector<std::shared_ptr<Connection>> connections;  // kept open until the server stops
    mutable std::mutex mutex;                              // guards counts
    PipelineServerCounts counts;
};

PipelineServer::PipelineServer(PipelineServerOptions options)
    : impl_(std::make_unique<Impl>(options)) {
    port_ = impl_->acceptor.local_endpoint().port();
    impl_->accept();
    thread_ = std::thread([this] { impl_->io.run(); });
}

PipelineServer::~PipelineServer() {
    impl_->io.stop();
    if (thread_.joinable()) thread_.join();
}

PipelineServerCounts PipelineServer::counts() const {
    const std::lock_guard lock(impl_->mutex);
    return impl_->counts;
}

}  // namespace volley::testing
