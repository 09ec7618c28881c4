#include "targets/http_endpoint.hpp"

#include "targets/http_errors.hpp"
#include "targets/tls_context.hpp"

#include <boost/asio/connect.hpp>

#include <fmt/format.h>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <cctype>
#include <stdexcept>

namespace volley::targets {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// h2 needs https://, h2c http:// (the loader says so first; this guards other callers).
// `automatic` is HTTP/1.1 for http://; for https:// a first TLS handshake offering "h2" and
// "http/1.1" by ALPN decides (alpn_probe).
HttpProtocol resolve_protocol(const HttpTarget::Shared& shared) {
    const auto protocol = shared.config.protocol;
    if (protocol == HttpProtocol::h2 && !shared.url.tls)
        throw std::invalid_argument(
            "protocol h2 is HTTP/2 over TLS and needs an https:// URL (h2c for http://)");
    if (protocol == HttpProtocol::h2c && shared.url.tls)
        throw std::invalid_argument(
            "protocol h2c is HTTP/2 over cleartext TCP and needs an http:// URL (h2 for https://)");
    if (protocol != HttpProtocol::automatic) return protocol;
    if (!shared.url.tls) return HttpProtocol::h1;
    return alpn_probe(shared) == "h2" ? HttpProtocol::h2 : HttpProtocol::h1;
}

}  // namespace

std::string alpn_probe(const HttpTarget::Shared& shared) {
    asio::io_context io;
    std::optional<TlsStream> stream;
    open_stream(stream, io, shared);
    static constexpr unsigned char kOffer[] = {2,   'h', '2', 8,   'h', 't',
                                               't', 'p', '/', '1', '.', '1'};
    SSL_set_alpn_protos(stream->native_handle(), kOffer, sizeof kOffer);
    std::string selected;
    asio::async_connect(stream->next_layer(), shared.endpoints,
                        [&](const boost::system::error_code& ec, const tcp::endpoint&) {
                            if (ec) return;
                            stream->async_handshake(
                                asio::ssl::stream_base::client,
                                [&](const boost::system::error_code& hec) {
                                    if (hec) return;
                                    const unsigned char* data = nullptr;
                                    unsigned int length = 0;
                                    SSL_get0_alpn_selected(stream->native_handle(), &data, &length);
                                    selected.assign(reinterpret_cast<const char*>(data), length);
                                });
                        });
    io.run_for(shared.config.connect_timeout);
    return selected;
}

std::shared_ptr<HttpTarget::Shared> make_http_shared(const HttpTargetConfig& config) {
    auto shared = std::make_shared<HttpTarget::Shared>();
    shared->config = config;
    shared->url = parse_base_url(config.base_url);
    asio::io_context io;
    tcp::resolver resolver(io);
    boost::system::error_code ec;
    auto results = resolver.resolve(shared->url.host, shared->url.port, ec);
    if (ec) throw std::runtime_error(fmt::format("DNS: {}: {}", shared->url.host, ec.message()));
    for (const auto& entry : results) shared->endpoints.push_back(entry.endpoint());
    if (shared->url.tls) {
        TlsClientOptions tls;
        tls.insecure = config.insecure;
        tls.ca_file = config.ca_file;
        tls.client_cert = config.client_cert;
        tls.client_key = config.client_key;
        shared->tls.emplace(make_tls_client_context(tls));
    }
    shared->host_header = "Host: " + host_header_value(shared->url) + "\r\n";
    for (const auto& [name, value] : config.headers)
        shared->host_header += name + ": " + value + "\r\n";
    if (config.cache) shared->cache_header_lc = lower(config.cache->header);
    shared->authority = host_header_value(shared->url);
    shared->protocol = resolve_protocol(*shared);
    return shared;
}

void open_stream(std::optional<PlainStream>& slot, asio::io_context& io,
                 const HttpTarget::Shared&) {
    slot.emplace(io);
}

void open_stream(std::optional<TlsStream>& slot, asio::io_context& io,
                 const HttpTarget::Shared& shared) {
    slot.emplace(io, *shared.tls);
    const std::string& sni = shared.config.sni.empty() ? shared.url.host : shared.config.sni;
    prepare_tls_client_stream(*slot, sni, !shared.config.insecure);
}

bool describe_refused_certificate(TlsStream& stream, std::string& detail) {
    const long verify = SSL_get_verify_result(stream.native_handle());
    if (verify == X509_V_OK) return false;
    describe_verify_failure(detail, verify);
    return true;
}

}  // namespace volley::targets
