// The HTTP target's per-worker half for HTTP/2 (docs/architecture.md "HTTP/2"): a few
// connections each carrying many streams, and a queue for requests no stream is free for.
#pragma once

#include "engine/target.hpp"
#include "targets/http_target.hpp"

#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace volley::targets {

// A session over `shared`'s h2 (TLS) or h2c (cleartext) connections. Contract beyond
// engine::TargetSession:
// - Slots are requests, not connections: the worker's context.slots are served by
//   ceil(slots / max_streams) connections, opened when requests need them.
// - A request goes out on the ready connection with the most free streams; with none free (the
//   server's SETTINGS not arrived yet, SETTINGS_MAX_CONCURRENT_STREAMS below max_streams, a
//   connection being set up) it waits in the session's queue, oldest first. The wait, from
//   send() to its stream opening, is its Completion::stream_wait.
// - Every send() completes exactly once: by its response, an error, its timeout (queued: connect
//   plus request timeout from send(); open: request timeout from the stream opening), or
//   abort_all(). A request the server refused unprocessed (RST_STREAM REFUSED_STREAM, or above a
//   GOAWAY's last stream id) is queued once more at the head of the queue; refused twice, it is
//   an error. A connection that failed before its SETTINGS fails the queued requests when no
//   other connection is up or being set up (so nothing waits for a server that is not there).
// - PING health (config.ping_interval > 0): the periodic sweep that expires requests also sends
//   each connection's PINGs and fails a connection whose ACK is overdue; its open requests end
//   as `timeout` errors naming the health check (not sent again: the server may have processed
//   them), its queued ones wait for another connection.
// - The counts (streams, GOAWAY, RST_STREAM, retries, PINGs, the server's SETTINGS) go to
//   shared->http2_totals when the session is destroyed.
std::unique_ptr<engine::TargetSession> make_http2_session(
    std::shared_ptr<HttpTarget::Shared> shared, const engine::SessionContext& context);

// The connections a worker with `slots` slots opens at most: ceil(slots / max_streams), >= 1.
[[nodiscard]] std::size_t http2_connections_for(std::size_t slots, std::uint32_t max_streams);

// Request header lines ("Name: value\r\n") as HTTP/2 fields: `lines` is modified in place
// (names lower-cased) and `fields` gets views into it. Fields HTTP/2 forbids or that
// pseudo-headers replace (Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade,
// Host, and TE other than "trailers") are left out; a line without ':' is skipped.
void http2_fields(std::string& lines,
                  std::vector<std::pair<std::string_view, std::string_view>>& fields);

}  // namespace volley::targets
