// TLS client set-up shared by the HTTP target and `volley record`'s https upstreams: one place
// decides how servers' certificates are verified.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/verify_context.hpp>

#include <openssl/ssl.h>

#include <functional>
#include <string>

namespace volley::targets {

struct TlsClientOptions {
    bool insecure = false;    // skip certificate verification (ca_file is then not loaded)
    std::string ca_file;      // PEM CA(s) or certificate(s) to trust; empty: the system trust store
    std::string client_cert;  // PEM chain presented to the server; empty: none
    std::string client_key;   // PEM key of client_cert; empty: read from client_cert
};

// A TLS client context that verifies the peer's chain unless `insecure`. Throws
// std::invalid_argument naming the file that cannot be loaded.
boost::asio::ssl::context make_tls_client_context(const TlsClientOptions& options);

// Accepts a chain that passed OpenSSL's checks and whose leaf names `server_name` (a DNS name,
// or an IP address literal in its subjectAltName). A name mismatch is reported by
// SSL_get_verify_result as X509_V_ERR_HOSTNAME_MISMATCH.
std::function<bool(bool, boost::asio::ssl::verify_context&)> server_name_verifier(
    std::string server_name);

// Prepares one connection's stream (asio or beast ssl stream) before its client handshake: SNI
// names `server_name` and, with `verify`, the certificate must be issued for it.
template <class TlsStream>
void prepare_tls_client_stream(TlsStream& stream, const std::string& server_name, bool verify) {
    SSL_set_tlsext_host_name(stream.native_handle(), server_name.c_str());
    if (verify) stream.set_verify_callback(server_name_verifier(server_name));
}

}  // namespace volley::targets
