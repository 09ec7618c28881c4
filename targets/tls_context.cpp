#include "targets/tls_context.hpp"

#include <boost/asio/ssl/host_name_verification.hpp>

#include <fmt/format.h>

#include <openssl/x509_vfy.h>

#include <stdexcept>

namespace volley::targets {

namespace asio = boost::asio;

asio::ssl::context make_tls_client_context(const TlsClientOptions& options) {
    asio::ssl::context context(asio::ssl::context::tls_client);
    boost::system::error_code ec;
    if (options.insecure) {
        context.set_verify_mode(asio::ssl::verify_none);
    } else {
        context.set_verify_mode(asio::ssl::verify_peer);
        if (!options.ca_file.empty()) {
            context.load_verify_file(options.ca_file, ec);
            if (ec)
                throw std::invalid_argument(
                    fmt::format("cannot load ca_file {}: {}", options.ca_file, ec.message()));
        } else {
            context.set_default_verify_paths();
        }
    }
    if (!options.client_cert.empty()) {
        context.use_certificate_chain_file(options.client_cert, ec);
        if (ec)
            throw std::invalid_argument(
                fmt::format("cannot load client_cert {}: {}", options.client_cert, ec.message()));
        context.use_private_key_file(
            options.client_key.empty() ? options.client_cert : options.client_key,
            asio::ssl::context::pem, ec);
        if (ec)
            throw std::invalid_argument(fmt::format("cannot load client_key: {}", ec.message()));
    }
    return context;
}

std::function<bool(bool, asio::ssl::verify_context&)> server_name_verifier(
    std::string server_name) {
    return [check = asio::ssl::host_name_verification(std::move(server_name))](
               bool preverified, asio::ssl::verify_context& context) {
        const bool accepted = check(preverified, context);
        // host_name_verification rejects without saying why; name the reason for error messages.
        if (preverified && !accepted)
            X509_STORE_CTX_set_error(context.native_handle(), X509_V_ERR_HOSTNAME_MISMATCH);
        return accepted;
    };
}

}  // namespace volley::targets
