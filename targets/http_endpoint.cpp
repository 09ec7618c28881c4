#include "targets/http_endpoint.hpp"

#include "targets/http_errors.hpp"
#include "targets/tls_context.hpp"

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

}  // namespace

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
