#include "apps/record_command.hpp"

#include "apps/run_command.hpp"
#include "scenarios/replay/readers.hpp"
#include "targets/http_target.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <list>
#include <memory>
#include <random>
#include <sstream>

namespace volley::apps {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr std::size_t kMaxBodyBytes = 64 * 1024 * 1024;

std::int64_t unix_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Appends GoReplay records to a plain or gzip file; each record is written whole.
class GorWriter {
public:
    explicit GorWriter(const std::string& path) : gzip_(path.size() > 3 && path.substr(path.size() - 3) == ".gz") {
        if (gzip_) {
            gz_ = gzopen(path.c_str(), "wb6");
        } else {
            file_ = std::fopen(path.c_str(), "wb");
        }
        if (!gz_ && !file_) throw std::runtime_error(fmt::format("cannot write {}", path));
    }
    ~GorWriter() { close(); }

    // type 1 request, 2 response; latency_ns 0 for requests.
    void write(int type, const std::string& id, std::int64_t ts_ns, std::int64_t latency_ns, const std::string& payload) {
        record_ = fmt::format("{} {} {} {}\n", type, id, ts_ns, latency_ns);
        record_ += payload;
        record_ += scenarios::kGorSeparator;
        if (gz_) {
            ok_ = ok_ && gzwrite(gz_, record_.data(), static_cast<unsigned>(record_.size())) == static_cast<int>(record_.size());
        } else if (file_) {
            ok_ = ok_ && std::fwrite(record_.data(), 1, record_.size(), file_) == record_.size();
            std::fflush(file_);  // a killed recorder still leaves whole records behind
        }
        if (type == 1) ++requests_;
    }
    // True when every byte was written and the file closed cleanly.
    bool close() {
        if (gz_) ok_ = gzclose(gz_) == Z_OK && ok_;
        if (file_) ok_ = std::fclose(file_) == 0 && ok_;
        gz_ = nullptr;
        file_ = nullptr;
        return ok_;
    }
    [[nodiscard]] std::uint64_t requests() const { return requests_; }

private:
    bool gzip_;
    gzFile gz_ = nullptr;
    std::FILE* file_ = nullptr;
    std::string record_;
    bool ok_ = true;
    std::uint64_t requests_ = 0;
};

template <class Message>
std::string serialise(const Message& message) {
    std::ostringstream out;
    out << message;
    return out.str();
}

struct Proxy;

// One client connection: read a request, record it, forward it, record and return the response.
class Exchange : public std::enable_shared_from_this<Exchange> {
public:
    Exchange(Proxy& proxy, tcp::socket socket);
    void start() { read_request(); }
    // Closes the client connection now if it waits for a request; otherwise after the response.
    void stop();

private:
    void read_request();
    void on_header(std::int64_t ts_ns);
    void forward(bool retried);
    void on_response(beast::error_code ec, bool reused, bool retried);
    void respond(http::response<http::string_body> response);
    void finish();

    Proxy& proxy_;
    beast::tcp_stream client_;
    beast::tcp_stream upstream_;
    beast::flat_buffer client_buffer_, upstream_buffer_;
    std::optional<http::request_parser<http::string_body>> request_parser_;
    std::optional<http::response_parser<http::string_body>> response_parser_;
    http::request<http::string_body> forwarded_;
    http::response<http::string_body> response_;
    std::string id_;
    std::int64_t request_ns_ = 0;
    bool upstream_open_ = false;
    bool busy_ = false;      // between a request's header and its response being written
    bool stopping_ = false;
};

struct Proxy {
    asio::io_context io{1};
    tcp::acceptor acceptor{io};
    tcp::resolver::results_type upstream_endpoints;
    targets::ParsedUrl upstream;
    GorWriter writer;
    std::mt19937_64 random{std::random_device{}()};
    std::list<std::weak_ptr<Exchange>> exchanges;
    bool stopping = false;

    explicit Proxy(const std::string& output) : writer(output) {}

    std::string next_id() {
        return fmt::format("{:016x}{:08x}", random(), static_cast<std::uint32_t>(random()));
    }

    void accept() {
        acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
            if (ec || stopping) return;
            socket.set_option(tcp::no_delay(true));
            auto exchange = std::make_shared<Exchange>(*this, std::move(socket));
            exchanges.remove_if([](const auto& weak) { return weak.expired(); });
            exchanges.push_back(exchange);
            exchange->start();
            accept();
        });
    }

    [[nodiscard]] bool idle() const {
        return std::all_of(exchanges.begin(), exchanges.end(), [](const auto& weak) { return weak.expired(); });
    }

    void stop() {
        if (stopping) return;
        stopping = true;
        beast::error_code ignored;
        acceptor.close(ignored);
        for (auto& weak : exchanges) {
            if (auto exchange = weak.lock()) exchange->stop();
        }
    }
};

Exchange::Exchange(Proxy& proxy, tcp::socket socket)
    : proxy_(proxy), client_(std::move(socket)), upstream_(proxy.io) {}

void Exchange::stop() {
    stopping_ = true;
    if (!busy_) {
        beast::error_code ignored;
        client_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        client_.close();
    }
}

void Exchange::read_request() {
    if (stopping_) return finish();
    request_parser_.emplace();
    request_parser_->body_limit(kMaxBodyBytes);
    client_.expires_after(120s);
    http::async_read_header(client_, client_buffer_, *request_parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                if (ec) return self->finish();
                                self->on_header(unix_ns());
                            });
}

void Exchange::on_header(std::int64_t ts_ns) {
    busy_ = true;
    request_ns_ = ts_ns;
    http::async_read(client_, client_buffer_, *request_parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) return self->finish();
        auto request = self->request_parser_->release();
        self->id_ = self->proxy_.next_id();
        self->proxy_.writer.write(1, self->id_, self->request_ns_, 0, serialise(request));
        self->forwarded_ = std::move(request);
        // The upstream sees its own host; everything else goes as received.
        const auto& upstream = self->proxy_.upstream;
        const bool default_port = upstream.port == "80";
        self->forwarded_.set(http::field::host, default_port ? upstream.host : upstream.host + ":" + upstream.port);
        self->forwarded_.target(upstream.path_prefix + std::string(self->forwarded_.target()));
        // The body was read whole: forward it with a Content-Length whatever its framing was.
        self->forwarded_.prepare_payload();
        self->forward(false);
    });
}

void Exchange::forward(bool retried) {
    const bool reused = upstream_open_;
    auto send = [self = shared_from_this(), reused, retried] {
        self->upstream_.expires_after(60s);
        http::async_write(self->upstream_, self->forwarded_, [self, reused, retried](beast::error_code ec, std::size_t) {
            if (ec) return self->on_response(ec, reused, retried);
            self->response_parser_.emplace();
            self->response_parser_->body_limit(kMaxBodyBytes);
            if (self->forwarded_.method() == http::verb::head) self->response_parser_->skip(true);
            http::async_read(self->upstream_, self->upstream_buffer_, *self->response_parser_,
                             [self, reused, retried](beast::error_code read_ec, std::size_t) {
                                 self->on_response(read_ec, reused, retried);
                             });
        });
    };
    if (reused) return send();
    upstream_.expires_after(10s);
    upstream_.async_connect(proxy_.upstream_endpoints, [self = shared_from_this(), send](beast::error_code ec, const tcp::endpoint&) {
        if (ec) return self->on_response(ec, false, true);
        self->upstream_open_ = true;
        self->upstream_.socket().set_option(tcp::no_delay(true));
        send();
    });
}

void Exchange::on_response(beast::error_code ec, bool reused, bool retried) {
    if (ec) {
        upstream_open_ = false;
        upstream_.close();
        upstream_buffer_.clear();
        // A kept-alive upstream connection may have been closed meanwhile: try once on a new one.
        if (reused && !retried) return forward(true);
        http::response<http::string_body> error{http::status::bad_gateway, forwarded_.version()};
        error.set(http::field::content_type, "text/plain");
        error.body() = "volley record: upstream error: " + ec.message() + "\n";
        error.keep_alive(false);
        error.prepare_payload();
        return respond(std::move(error));
    }
    auto response = response_parser_->release();
    if (!response.keep_alive()) {
        upstream_open_ = false;
        upstream_.close();
    }
    respond(std::move(response));
}

void Exchange::respond(http::response<http::string_body> response) {
    const std::int64_t now_ns = unix_ns();
    proxy_.writer.write(2, id_, now_ns, now_ns - request_ns_, serialise(response));
    const bool keep_alive = forwarded_.keep_alive() && response.keep_alive() && !stopping_;
    response.keep_alive(keep_alive);
    response_ = std::move(response);
    client_.expires_after(60s);
    http::async_write(client_, response_, [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
        self->busy_ = false;
        if (ec || !keep_alive || self->stopping_) return self->finish();
        self->read_request();
    });
}

void Exchange::finish() {
    busy_ = false;
    beast::error_code ignored;
    client_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    client_.close();
    upstream_.close();
}

}  // namespace

int record_command(const RecordOptions& options) {
    const auto colon = options.listen.rfind(':');
    if (colon == std::string::npos) {
        std::cerr << "error: --listen '" << options.listen << "': expected HOST:PORT\n";
        return kExitUsage;
    }
    std::string host = options.listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    const std::string port_text = options.listen.substr(colon + 1);
    unsigned long port = 0;
    try {
        std::size_t used = 0;
        port = std::stoul(port_text, &used);
        if (used != port_text.size() || port > 65535) throw std::invalid_argument("port");
    } catch (const std::exception&) {
        std::cerr << "error: --listen '" << options.listen << "': bad port\n";
        return kExitUsage;
    }
    targets::ParsedUrl upstream;
    try {
        upstream = targets::parse_base_url(options.upstream);
        if (upstream.tls) throw std::invalid_argument("https upstreams are not supported; record in front of an http one");
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: --upstream: " << e.what() << "\n";
        return kExitUsage;
    }

    std::unique_ptr<Proxy> proxy;
    try {
        proxy = std::make_unique<Proxy>(options.output);
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitCannotRun;
    }
    proxy->upstream = upstream;
    try {
        tcp::resolver resolver(proxy->io);
        proxy->upstream_endpoints = resolver.resolve(upstream.host, upstream.port);
        const tcp::endpoint endpoint(asio::ip::make_address(host), static_cast<unsigned short>(port));
        proxy->acceptor.open(endpoint.protocol());
        proxy->acceptor.set_option(tcp::acceptor::reuse_address(true));
        proxy->acceptor.bind(endpoint);
        proxy->acceptor.listen();
    } catch (const std::exception& e) {
        std::cerr << "error: cannot listen on " << options.listen << " for " << options.upstream << ": " << e.what() << "\n";
        return kExitCannotRun;
    }
    const auto local = proxy->acceptor.local_endpoint();
    if (!options.quiet) {
        std::cout << fmt::format("recording {}:{} -> {} into {} (Ctrl-C to stop)", local.address().to_string(),
                                 local.port(), options.upstream, options.output)
                  << std::endl;
    }

    asio::signal_set signals(proxy->io, SIGINT, SIGTERM);
    asio::steady_timer grace(proxy->io);
    signals.async_wait([&](const beast::error_code& ec, int) {
        if (ec) return;
        proxy->stop();
        // Exchanges in progress get a moment to finish; then everything stops.
        grace.expires_after(5s);
        grace.async_wait([&](const beast::error_code& timer_ec) {
            if (!timer_ec) proxy->io.stop();
        });
    });
    proxy->accept();
    // Runs until a signal's stop has let every exchange finish, or its grace period ended.
    while (true) {
        proxy->io.run_for(100ms);
        if (proxy->io.stopped()) break;
        if (proxy->stopping && proxy->idle()) break;
    }
    const std::uint64_t recorded = proxy->writer.requests();
    if (!proxy->writer.close()) {
        std::cerr << "error: writing " << options.output << " failed\n";
        return kExitCannotRun;
    }
    if (!options.quiet) std::cout << fmt::format("{} request(s) recorded in {}", recorded, options.output) << std::endl;
    return kExitPass;
}

}  // namespace volley::apps
