// The HTTP target's per-worker half (docs/architecture.md "Targets"): one keep-alive
// HttpConnection per slot (or, with target.http.pipeline N > 1, one HttpPipelineConnection per N
// slots), request serialisation, the timeout sweep and the retry policy.
#pragma once

#include "engine/target.hpp"
#include "targets/http_target.hpp"

#include <memory>
#include <string_view>

namespace volley::targets {

// A session over `shared`'s plain or TLS connections (chosen once, by the URL's scheme).
// Contract beyond engine::TargetSession:
// - Every request completes exactly once: by its response, an error, its timeout (checked by a
//   sweep every tenth of the shortest timeout, between 1 ms and 100 ms) or abort_all().
// - A request that went out on a reused connection the server had already closed is sent once
//   more on a fresh connection when its method is idempotent (may_retry_on_fresh_connection);
//   otherwise the error is its completion.
// - Requests with a static_key are serialised once per session; others in a per-slot buffer.
// - target.http.pipeline N > 1 (HTTP/1.1 pipelining): ceil(slots / N) HttpPipelineConnections
//   instead, slot s on connection s mod their count (slots taken in order spread over them); their
//   deadlines and re-sending rules are in http_pipeline_connection.hpp.
std::unique_ptr<engine::TargetSession> make_http_session(std::shared_ptr<HttpTarget::Shared> shared,
                                                         const engine::SessionContext& context);

// GET, HEAD, PUT, DELETE, OPTIONS (and the empty method, sent as GET): sending them twice has
// the effect of sending them once (RFC 9110 §9.2.2). POST and PATCH are not.
[[nodiscard]] bool may_retry_on_fresh_connection(std::string_view method);

}  // namespace volley::targets
