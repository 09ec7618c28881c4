#include "replay/record_proxy.hpp"

#include "replay/readers.hpp"
#include "targets/tls_context.hpp"

#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace volley::replay {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr std::size_t kMaxBodyBytes = 64 * 1024 * 1024;
constexpr auto kTlsHandshakeTimeout = 10s;
constexpr auto kTlsShutdownTimeout = 2s;
constexpr auto kClientIdleTimeout = 120s;  // waiting for, and reading, a request
constexpr auto kClientWriteTimeout = 60s;
constexpr auto kUpstreamConnectTimeout = 10s;
constexpr auto kUpstreamExchangeTimeout = 60s;

std::int64_t unix_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

template <class Message>
std::string serialise(const Message& message) {
    std::ostringstream out;
    out << message;
    return out.str();
}

std::string endpoint_text(const tcp::endpoint& endpoint) {
    const auto address = endpoint.address();
    if (address.is_v6()) return fmt::format("[{}]:{}", address.to_string(), endpoint.port());
    return fmt::format("{}:{}", address.to_string(), endpoint.port());
}

// OpenSSL's reason, plus the certificate check's verdict when that is what failed.
std::string tls_failure(const beast::error_code& ec, SSL* ssl) {
    std::string text = ec.message();
    const long verify_result = SSL_get_verify_result(ssl);
    if (verify_result != X509_V_OK)
        text += fmt::format(": {}", X509_verify_cert_error_string(verify_result));
    return text;
}

// The verify result says the chain ends at a certificate the trust store does not hold.
bool unknown_issuer(long verify_result) {
    switch (verify_result) {
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: return true;
        default: return false;
    }
}

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One TCP connection, plain or TLS as chosen at run time. visit() hands the stream that HTTP
// is read from and written to; transport() the TCP stream, for timeouts and closing.
class PeerStream {
public:
    // tls_context null: plain. The socket may be connected (accepted) or not yet open.
    PeerStream(tcp::socket socket, asio::ssl::context* tls_context) {
        if (tls_context) {
            tls_.emplace(std::move(socket), *tls_context);
        } else {
            plain_.emplace(std::move(socket));
        }
    }
    template <class Operation>
    void visit(Operation&& operation) {
        if (tls_) return operation(*tls_);
        operation(*plain_);
    }
    beast::tcp_stream& transport() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }
    TlsStream* tls() { return tls_ ? &*tls_ : nullptr; }
    // Closes the transport at once (no TLS close_notify); pending operations complete with an
    // error.
    void close() {
        beast::error_code ignored;
        transport().socket().shutdown(tcp::socket::shutdown_both, ignored);
        transport().close();
    }

private:
    std::optional<beast::tcp_stream> plain_;
    std::optional<TlsStream> tls_;
};

}  // namespace

GorWriter::GorWriter(const std::string& path) {
    const bool gzip = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
    if (gzip) {
        gz_ = gzopen(path.c_str(), "wb6");
    } else {
        file_ = std::fopen(path.c_str(), "wb");
    }
    if (!gz_ && !file_) throw std::runtime_error(fmt::format("cannot write {}", path));
}

GorWriter::~GorWriter() { close(); }

void GorWriter::write(int type, const std::string& id, std::int64_t timestamp_ns,
                      std::int64_t latency_ns, std::uint64_t connection,
                      const std::string& payload) {
    record_ = fmt::format("{} {} {} {} {}\n", type, id, timestamp_ns, latency_ns, connection);
    record_ += payload;
    record_ += kGorSeparator;
    if (gz_) {
        ok_ = ok_ && gzwrite(gz_, record_.data(), static_cast<unsigned>(record_.size())) ==
                         static_cast<int>(record_.size());
    } else if (file_) {
        ok_ = ok_ && std::fwrite(record_.data(), 1, record_.size(), file_) == record_.size();
        std::fflush(file_);  // a killed recorder still leaves whole records behind
    }
    if (type == 1) ++requests_;
}

bool GorWriter::close() {
    if (gz_) ok_ = gzclose(gz_) == Z_OK && ok_;
    if (file_) ok_ = std::fclose(file_) == 0 && ok_;
    gz_ = nullptr;
    file_ = nullptr;
    return ok_;
}

asio::ssl::context make_tls_server_context(const std::string& cert_path,
                                           const std::string& key_path) {
    asio::ssl::context context(asio::ssl::context::tls_server);
    context.set_options(asio::ssl::context::default_workarounds);
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
    beast::error_code ec;
    context.use_certificate_chain_file(cert_path, ec);
    if (ec)
        throw std::invalid_argument(fmt::format("--tls-cert {}: cannot load a PEM certificate: {}",
                                                cert_path, ec.message()));
    context.use_private_key_file(key_path, asio::ssl::context::pem, ec);
    if (ec)
        throw std::invalid_argument(
            fmt::format("--tls-key {}: cannot load a PEM private key matching --tls-cert: {}",
                        key_path, ec.message()));
    if (SSL_CTX_check_private_key(context.native_handle()) != 1)
        throw std::invalid_argument(
            fmt::format("--tls-key {} does not match --tls-cert {}", key_path, cert_path));
    return context;
}

// One client connection: (TLS handshake,) read a request, record it, forward it, record and
// return the response; repeat while both sides keep the connection alive.
class RecordProxy::Exchange : public std::enable_shared_from_this<Exchange> {
public:
    Exchange(RecordProxy& proxy, tcp::socket socket, std::uint64_t connection);
    void start();
    // Closes the client connection now if it waits for a request; otherwise after the response.
    void stop();

private:
    void read_request();
    void on_header(std::int64_t timestamp_ns);
    void forward(bool retried);
    void send_upstream(bool reused, bool retried);
    void on_response(beast::error_code ec, bool reused, bool retried);
    void respond(http::response<http::string_body> response);
    void finish();
    void close_upstream();

    RecordProxy& proxy_;
    const std::uint64_t connection_;
    const std::string client_name_;  // "127.0.0.1:50312", for messages
    PeerStream client_;
    std::optional<PeerStream> upstream_;
    beast::flat_buffer client_buffer_, upstream_buffer_;
    std::optional<http::request_parser<http::string_body>> request_parser_;
    std::optional<http::response_parser<http::string_body>> response_parser_;
    http::request<http::string_body> forwarded_;
    http::response<http::string_body> response_;
    std::string id_;
    std::string upstream_failure_;  // why the upstream connection could not be set up, for the 502
    std::int64_t request_ns_ = 0;
    bool upstream_open_ = false;
    bool busy_ = false;  // between a request's header and its response being written
    bool stopping_ = false;
    bool closing_ = false;  // the client connection is being closed
};

RecordProxy::Exchange::Exchange(RecordProxy& proxy, tcp::socket socket, std::uint64_t connection)
    : proxy_(proxy),
      connection_(connection),
      client_name_([&] {
          beast::error_code ec;
          const auto remote = socket.remote_endpoint(ec);
          return ec ? std::string("?") : endpoint_text(remote);
      }()),
      client_(std::move(socket), proxy.client_tls_ ? &*proxy.client_tls_ : nullptr) {}

void RecordProxy::Exchange::start() {
    auto* tls = client_.tls();
    if (!tls) return read_request();
    client_.transport().expires_after(kTlsHandshakeTimeout);
    tls->async_handshake(
        asio::ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
            if (!ec) return self->read_request();
            // A connection closed before (or during) its handshake, as TCP health checks do, is no
            // failure.
            const bool closed_by_peer = ec == asio::error::eof ||
                                        ec == asio::ssl::error::stream_truncated ||
                                        ec == asio::error::connection_reset;
            if (!self->stopping_ && !closed_by_peer) {
                ++self->proxy_.client_handshake_failures_;
                std::cerr << fmt::format(
                    "volley record: client {} (connection {}): TLS handshake failed: {}; dropped\n",
                    self->client_name_, self->connection_,
                    tls_failure(ec, self->client_.tls()->native_handle()));
            }
            self->closing_ = true;
            self->client_.close();
        });
}

void RecordProxy::Exchange::stop() {
    stopping_ = true;
    if (!busy_) {
        closing_ = true;
        client_.close();
    }
}

void RecordProxy::Exchange::read_request() {
    if (stopping_) return finish();
    request_parser_.emplace();
    request_parser_->body_limit(kMaxBodyBytes);
    client_.transport().expires_after(kClientIdleTimeout);
    client_.visit([&](auto& stream) {
        http::async_read_header(stream, client_buffer_, *request_parser_,
                                [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                    if (ec) return self->finish();
                                    self->on_header(unix_ns());
                                });
    });
}

void RecordProxy::Exchange::on_header(std::int64_t timestamp_ns) {
    busy_ = true;
    request_ns_ = timestamp_ns;
    client_.visit([&](auto& stream) {
        http::async_read(stream, client_buffer_, *request_parser_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec) return self->finish();
                             auto request = self->request_parser_->release();
                             self->id_ = self->proxy_.next_id();
                             self->proxy_.writer_.write(1, self->id_, self->request_ns_, 0,
                                                        self->connection_, serialise(request));
                             self->forwarded_ = std::move(request);
                             // The upstream sees its own host; everything else goes as received.
                             const auto& upstream = self->proxy_.upstream_;
                             self->forwarded_.set(http::field::host, upstream.host_header);
                             self->forwarded_.target(upstream.url.path_prefix +
                                                     std::string(self->forwarded_.target()));
                             // The body was read whole: forward it with a Content-Length whatever
                             // its framing was.
                             self->forwarded_.prepare_payload();
                             self->forward(false);
                         });
    });
}

void RecordProxy::Exchange::forward(bool retried) {
    if (upstream_open_) return send_upstream(true, retried);
    auto& upstream = proxy_.upstream_;
    upstream_.emplace(tcp::socket(proxy_.io_), upstream.tls ? &*upstream.tls : nullptr);
    if (auto* tls = upstream_->tls())
        targets::prepare_tls_client_stream(*tls, upstream.url.host, upstream.verify_name);
    upstream_->transport().expires_after(kUpstreamConnectTimeout);
    upstream_->transport().async_connect(upstream.endpoints, [self = shared_from_this(), retried](
                                                                 beast::error_code ec,
                                                                 const tcp::endpoint&) {
        if (ec) return self->on_response(ec, false, true);
        self->upstream_->transport().socket().set_option(tcp::no_delay(true));
        auto* tls = self->upstream_->tls();
        if (!tls) {
            self->upstream_open_ = true;
            return self->send_upstream(false, retried);
        }
        tls->async_handshake(asio::ssl::stream_base::client, [self, retried](
                                                                 beast::error_code handshake_ec) {
            if (handshake_ec) {
                const auto& url = self->proxy_.upstream_.url;
                self->upstream_failure_ =
                    fmt::format("TLS handshake with upstream {}:{} failed: {}", url.host, url.port,
                                tls_failure(handshake_ec, self->upstream_->tls()->native_handle()));
                const bool untrusted_issuer =
                    unknown_issuer(SSL_get_verify_result(self->upstream_->tls()->native_handle()));
                std::cerr
                    << "volley record: " << self->upstream_failure_
                    << (untrusted_issuer
                            ? " (trust its CA with --ca-file, or skip verification with --insecure)"
                            : "")
                    << "; the client gets 502\n";
                return self->on_response(handshake_ec, false, true);
            }
            self->upstream_open_ = true;
            self->send_upstream(false, retried);
        });
    });
}

void RecordProxy::Exchange::send_upstream(bool reused, bool retried) {
    upstream_->transport().expires_after(kUpstreamExchangeTimeout);
    upstream_->visit([&](auto& stream) {
        http::async_write(stream, forwarded_,
                          [self = shared_from_this(), &stream, reused, retried](
                              beast::error_code ec, std::size_t) {
                              if (ec) return self->on_response(ec, reused, retried);
                              self->response_parser_.emplace();
                              self->response_parser_->body_limit(kMaxBodyBytes);
                              if (self->forwarded_.method() == http::verb::head)
                                  self->response_parser_->skip(true);
                              http::async_read(
                                  stream, self->upstream_buffer_, *self->response_parser_,
                                  [self, reused, retried](beast::error_code read_ec, std::size_t) {
                                      self->on_response(read_ec, reused, retried);
                                  });
                          });
    });
}

void RecordProxy::Exchange::on_response(beast::error_code ec, bool reused, bool retried) {
    if (ec) {
        close_upstream();
        // A kept-alive upstream connection may have been closed meanwhile: try once on a new one.
        if (reused && !retried) return forward(true);
        http::response<http::string_body> error{http::status::bad_gateway, forwarded_.version()};
        error.set(http::field::content_type, "text/plain");
        const std::string reason = upstream_failure_.empty() ? ec.message() : upstream_failure_;
        error.body() = "volley record: upstream error: " + reason + "\n";
        upstream_failure_.clear();
        error.keep_alive(false);
        error.prepare_payload();
        return respond(std::move(error));
    }
    auto response = response_parser_->release();
    if (!response.keep_alive()) close_upstream();
    respond(std::move(response));
}

void RecordProxy::Exchange::respond(http::response<http::string_body> response) {
    const std::int64_t now_ns = unix_ns();
    proxy_.writer_.write(2, id_, now_ns, now_ns - request_ns_, connection_, serialise(response));
    const bool keep_alive = forwarded_.keep_alive() && response.keep_alive() && !stopping_;
    response.keep_alive(keep_alive);
    response_ = std::move(response);
    client_.transport().expires_after(kClientWriteTimeout);
    client_.visit([&](auto& stream) {
        http::async_write(
            stream, response_,
            [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                self->busy_ = false;
                if (ec || !keep_alive || self->stopping_) return self->finish();
                self->read_request();
            });
    });
}

void RecordProxy::Exchange::finish() {
    busy_ = false;
    close_upstream();
    if (closing_) return;
    closing_ = true;
    auto* tls = client_.tls();
    if (!tls) return client_.close();
    // TLS clients get a close_notify, so that a response framed by the end of the connection
    // is not taken for a truncation.
    client_.transport().expires_after(kTlsShutdownTimeout);
    tls->async_shutdown([self = shared_from_this()](beast::error_code) { self->client_.close(); });
}

void RecordProxy::Exchange::close_upstream() {
    upstream_open_ = false;
    upstream_buffer_.clear();
    if (upstream_) upstream_->close();
}

RecordProxy::RecordProxy(asio::io_context& io, tcp::acceptor acceptor, RecordUpstream upstream,
                         std::optional<asio::ssl::context> client_tls, GorWriter& writer)
    : io_(io),
      acceptor_(std::move(acceptor)),
      upstream_(std::move(upstream)),
      client_tls_(std::move(client_tls)),
      writer_(writer) {}

RecordProxy::~RecordProxy() = default;

void RecordProxy::start() { accept(); }

std::string RecordProxy::next_id() {
    return fmt::format("{:016x}{:08x}", random_(), static_cast<std::uint32_t>(random_()));
}

void RecordProxy::accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
        if (ec || stopping_) return;
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        auto exchange =
            std::make_shared<Exchange>(*this, std::move(socket), ++connections_accepted_);
        exchanges_.remove_if([](const auto& weak) { return weak.expired(); });
        exchanges_.push_back(exchange);
        exchange->start();
        accept();
    });
}

bool RecordProxy::idle() const {
    return std::all_of(exchanges_.begin(), exchanges_.end(),
                       [](const auto& weak) { return weak.expired(); });
}

void RecordProxy::stop() {
    if (stopping_) return;
    stopping_ = true;
    beast::error_code ignored;
    acceptor_.close(ignored);
    for (auto& weak : exchanges_) {
        if (auto exchange = weak.lock()) exchange->stop();
    }
}

}  // namespace volley::replay
