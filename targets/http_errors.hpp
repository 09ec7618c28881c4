// Why an HTTP request failed, in a few words a user can act on (Completion::error_detail).
// Only called on the error path: the texts are built into a caller-owned, reused string.
#pragma once

#include "engine/clock.hpp"
#include "engine/outcome.hpp"

#include <boost/system/error_code.hpp>

#include <string>
#include <vector>

namespace volley::targets {

// Where in a request's life an error happened.
enum class ErrorStage { connect, handshake, write, read };

// The outcome class of a socket, TLS or parser error (connect errors are connect_error, TLS
// ones tls_error, parse errors protocol_error, the rest reset).
[[nodiscard]] engine::Outcome classify_error(const boost::system::error_code& ec, ErrorStage stage,
                                             bool tls);

// "connection refused", "connection reset by peer", "response parse error: bad field",
// "TLS: …", "body larger than N bytes", "connection closed before the response", …
// `got_bytes`: part of the response had arrived. `body_limit_bytes` names the limit.
void describe_error(std::string& out, const boost::system::error_code& ec, ErrorStage stage,
                    bool got_bytes, std::uint64_t body_limit_bytes);

// "TLS: certificate verify failed: self-signed certificate" from an X509 verify result.
void describe_verify_failure(std::string& out, long verify_result);

// "no response within 10s (timeout)" / "no connection within 5s (connect timeout)".
void describe_timeout(std::string& out, engine::Nanos limit, bool connecting);

// "unexpected status 503 (expect.status 200)" or "unexpected status 503 (expected 2xx or 3xx)";
// for 101 (volley asks for no upgrade) "unexpected status 101: the server switched protocols, …".
void describe_status(std::string& out, int status, const std::vector<int>& expected);

// "10s", "1.5s", "250ms".
[[nodiscard]] std::string duration_text(engine::Nanos duration);

}  // namespace volley::targets
