// Where the HTTP target connects and how (docs/architecture.md "Targets"): the state every
// session shares — resolved endpoints, the TLS client context, the prebuilt header block —
// built once when the target is made, and the two stream types a connection runs on.
#pragma once

#include "targets/http2_counters.hpp"
#include "targets/http_errors.hpp"
#include "targets/http_target.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace volley::targets {

struct HttpTarget::Shared {
    HttpTargetConfig config;
    ParsedUrl url;
    std::vector<boost::asio::ip::tcp::endpoint> endpoints;  // every address the host resolved to
    // Set exactly when url.tls. Mutable because Asio wants a non-const context to make a stream;
    // making streams from it (SSL_new) is thread-safe in OpenSSL, so workers share it.
    mutable std::optional<boost::asio::ssl::context> tls;
    std::string host_header;      // "Host: host[:port]\r\n" + the target-wide headers
    std::string cache_header_lc;  // lower-case name of the cache header, empty if none
    // What the sessions speak: h1, h2 or h2c (config.protocol, `automatic` resolved).
    HttpProtocol protocol = HttpProtocol::h1;
    std::string authority;  // HTTP/2 :authority, host_header_value(url)
    Http2Totals http2_totals;
};

// Parses the URL, resolves the host (once, blocking) and loads the TLS files. Throws
// std::invalid_argument (bad URL, unreadable TLS file) or std::runtime_error
// ("DNS: host: reason").
std::shared_ptr<HttpTarget::Shared> make_http_shared(const HttpTargetConfig& config);

// protocol: auto over https://: the protocol the server selects by ALPN when offered "h2" and
// "http/1.1" in one TLS handshake (blocking, within the connect timeout); empty when it selects
// none or cannot be reached (the run then speaks HTTP/1.1 and its own requests report why).
std::string alpn_probe(const HttpTarget::Shared& shared);

// The streams a connection runs on: plain TCP for http://, TLS over TCP for https://.
using PlainStream = boost::asio::ip::tcp::socket;
using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

template <class Stream>
inline constexpr bool is_tls_stream = std::is_same_v<Stream, TlsStream>;

// The TCP socket under a stream (to connect, set options and close it).
inline boost::asio::ip::tcp::socket& tcp_layer(PlainStream& stream) { return stream; }
inline boost::asio::ip::tcp::socket& tcp_layer(TlsStream& stream) { return stream.next_layer(); }

// A fresh, unconnected stream in `slot` (replacing what was there). For TLS: SNI names
// config.sni (default: the URL's host) and, unless config.insecure, the server's certificate
// must be issued for that name.
void open_stream(std::optional<PlainStream>& slot, boost::asio::io_context& io,
                 const HttpTarget::Shared& shared);
void open_stream(std::optional<TlsStream>& slot, boost::asio::io_context& io,
                 const HttpTarget::Shared& shared);

// After a failed handshake: true, with `detail` naming the reason, when the server's certificate
// was refused (OpenSSL reports that as a generic handshake error).
bool describe_refused_certificate(TlsStream& stream, std::string& detail);

// An idle, connected stream holds bytes no request asked for (TCP level: with TLS, a record the
// TLS layer already buffered is not seen); an error counts as bytes (the stream is unusable).
template <class Stream>
bool bytes_waiting(Stream& stream) {
    boost::system::error_code ec;
    const std::size_t available = tcp_layer(stream).available(ec);
    return ec || available > 0;
}

// Connects the stream in `slot` (fresh from open_stream) to the target: TCP, with TCP_NODELAY,
// then the client TLS handshake for a TlsStream. Calls done(ec, stage) once: an empty `ec` when
// the stream is ready, else the error and where it happened (connect or handshake) — unless
// current() is false by then (the owner closed or replaced the stream meanwhile): nothing more
// is done and `done` is not called.
template <class Stream, class Current, class Done>
void connect_stream(std::optional<Stream>& slot, const HttpTarget::Shared& shared, Current current,
                    Done done) {
    boost::asio::async_connect(
        tcp_layer(*slot), shared.endpoints,
        [&slot, current, done = std::move(done)](const boost::system::error_code& ec,
                                                 const boost::asio::ip::tcp::endpoint&) mutable {
            if (!current()) return;
            if (ec) return done(ec, ErrorStage::connect);
            boost::system::error_code ignored;
            tcp_layer(*slot).set_option(boost::asio::ip::tcp::no_delay(true), ignored);
            if constexpr (!is_tls_stream<Stream>) {
                done(ec, ErrorStage::connect);
            } else {
                slot->async_handshake(boost::asio::ssl::stream_base::client,
                                      [current, done = std::move(done)](
                                          const boost::system::error_code& hec) mutable {
                                          if (current()) done(hec, ErrorStage::handshake);
                                      });
            }
        });
}

}  // namespace volley::targets
