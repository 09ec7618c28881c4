#include "targets/http_errors.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>

#include <fmt/format.h>

#include <openssl/x509.h>

#include <iterator>

namespace volley::targets {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;
using engine::Outcome;

namespace {

bool is_http_error(const error_code& ec) {
    return ec.category() == http::make_error_code(http::error::end_of_stream).category();
}

bool is_tls_error(const error_code& ec) {
    return ec.category() == asio::error::get_ssl_category() ||
           ec == asio::ssl::error::stream_truncated;
}

bool is_closed(const error_code& ec) {
    return ec == asio::error::eof || ec == http::error::end_of_stream;
}

bool is_reset(const error_code& ec) {
    return ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::error::connection_aborted;
}

}  // namespace

Outcome classify_error(const error_code& ec, ErrorStage stage, bool tls) {
    if (stage == ErrorStage::connect) return Outcome::connect_error;
    if (stage == ErrorStage::handshake) {
        return ec.category() == asio::error::get_ssl_category() ? Outcome::tls_error
                                                                : Outcome::connect_error;
    }
    if (is_tls_error(ec)) return Outcome::tls_error;
    if (is_http_error(ec)) {
        if (ec == http::error::end_of_stream || ec == http::error::partial_message)
            return Outcome::reset;
        return Outcome::protocol_error;
    }
    if (is_closed(ec) || is_reset(ec)) return Outcome::reset;
    return tls ? Outcome::tls_error : Outcome::reset;
}

void describe_error(std::string& out, const error_code& ec, ErrorStage stage, bool got_bytes,
                    std::uint64_t body_limit_bytes) {
    out.clear();
    auto text = std::back_inserter(out);
    switch (stage) {
        case ErrorStage::connect:
            if (ec == asio::error::connection_refused) {
                out = "connection refused";
            } else if (ec == asio::error::host_unreachable) {
                out = "host unreachable";
            } else if (ec == asio::error::network_unreachable) {
                out = "network unreachable";
            } else {
                fmt::format_to(text, "connect failed: {}", ec.message());
            }
            return;
        case ErrorStage::handshake:
            if (is_closed(ec) || ec == asio::ssl::error::stream_truncated) {
                out = "TLS: the server closed the connection during the handshake";
            } else if (is_reset(ec)) {
                out = "TLS: connection reset by peer during the handshake";
            } else {
                fmt::format_to(text, "TLS: handshake failed: {}", ec.message());
            }
            return;
        case ErrorStage::write:
            if (is_closed(ec)) {
                out = "connection closed by peer while sending the request";
            } else if (is_reset(ec)) {
                out = "connection reset by peer while sending the request";
            } else if (is_tls_error(ec)) {
                fmt::format_to(text, "TLS: {}", ec.message());
            } else {
                fmt::format_to(text, "write failed: {}", ec.message());
            }
            return;
        case ErrorStage::read:
            if (ec == http::error::body_limit) {
                fmt::format_to(text, "body larger than {} bytes", body_limit_bytes);
            } else if (ec == http::error::partial_message || (is_closed(ec) && got_bytes)) {
                out = "connection closed mid-response";
            } else if (is_closed(ec)) {
                out = "connection closed before the response";
            } else if (ec == asio::ssl::error::stream_truncated) {
                out = got_bytes ? "TLS: connection closed mid-response without close_notify"
                                : "TLS: connection closed before the response without close_notify";
            } else if (is_reset(ec)) {
                out = "connection reset by peer";
            } else if (is_http_error(ec)) {
                fmt::format_to(text, "response parse error: {}", ec.message());
            } else if (is_tls_error(ec)) {
                fmt::format_to(text, "TLS: {}", ec.message());
            } else {
                fmt::format_to(text, "read failed: {}", ec.message());
            }
            return;
    }
}

void describe_verify_failure(std::string& out, long verify_result) {
    out.clear();
    fmt::format_to(std::back_inserter(out), "TLS: certificate verify failed: {}",
                   X509_verify_cert_error_string(verify_result));
}

std::string duration_text(engine::Nanos duration) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
    if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
    if (ms < 1000) return fmt::format("{}ms", ms);
    return fmt::format("{:g}s", static_cast<double>(ms) / 1000.0);
}

void describe_timeout(std::string& out, engine::Nanos limit, bool connecting) {
    out.clear();
    if (connecting) {
        fmt::format_to(std::back_inserter(out), "no connection within {} (connect timeout)",
                       duration_text(limit));
    } else {
        fmt::format_to(std::back_inserter(out), "no response within {} (timeout)",
                       duration_text(limit));
    }
}

void describe_status(std::string& out, int status, const std::vector<int>& expected) {
    out.clear();
    auto text = std::back_inserter(out);
    if (status == 101) {
        // volley never asks to upgrade (no Upgrade header of its own), so 101 ends the exchange.
        out = "unexpected status 101: the server switched protocols, but no upgrade was asked for";
        return;
    }
    if (expected.empty()) {
        fmt::format_to(text, "unexpected status {} (expected 2xx or 3xx)", status);
        return;
    }
    fmt::format_to(text, "unexpected status {} (expect.status {})", status,
                   fmt::join(expected, ", "));
}

}  // namespace volley::targets
