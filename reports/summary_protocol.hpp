// The target's protocol in summary.json (target.protocol, stream_wait_ms; docs/outputs.md) and
// back: HTTP version negotiated, the HTTP/1.1 pipelining depth, the HTTP/2 server's SETTINGS,
// streams per connection, GOAWAY and RST_STREAM counts, PING health, and the wait for a free
// stream.
#pragma once

#include "engine/hdr_histogram.hpp"
#include "engine/target.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace volley::reports {

namespace detail {
class Fields;
}

// summary.json target.protocol, as read back (RunSummary::target.protocol).
struct ProtocolInfo {
    std::string negotiated;  // "http/1.1", "h2", "h2c"
    bool http2 = false;      // the fields below are present
    std::uint64_t max_streams = 0, window_bytes = 0;
    bool peer_settings = false;                                // the server's SETTINGS arrived
    std::optional<std::uint64_t> peer_max_concurrent_streams;  // nullopt: no limit
    std::uint64_t peer_initial_window_size = 0, peer_max_frame_size = 0;
    std::uint64_t connections = 0, streams = 0;
    double streams_peak = 0, streams_mean = 0;
    std::uint64_t goaway_received = 0, rst_stream_received = 0, retried = 0;
    // PING health (target.protocol.ping; null or absent: off, and these are 0).
    bool ping = false;
    std::uint64_t ping_interval_ms = 0, ping_timeout_ms = 0, pings_sent = 0, ping_acks = 0;
    double ping_rtt_mean_ms = 0, ping_rtt_max_ms = 0;
    std::uint64_t connections_failed_health = 0;
    std::uint64_t pipeline = 0;  // HTTP/1.1 pipelining depth; 0: not pipelined
    bool operator==(const ProtocolInfo&) const = default;
};

// target.protocol of summary.json.
boost::json::object protocol_json(const engine::ProtocolReport& report);
// stream_wait_ms: {p50, p90, p99, max} of the stream-wait histogram (ns).
boost::json::object stream_wait_json(const engine::HdrHistogram& stream_wait);
// Reads target.protocol back; throws SummaryError naming a bad key.
ProtocolInfo read_protocol(const detail::Fields& protocol);
// Back to the target's figures (a segment's header, for `volley merge`).
engine::ProtocolReport protocol_report(const ProtocolInfo& protocol);
// The figures of several segments' targets as one: counts added, the peak the largest, the
// mean weighted by streams (the PING round trip's by ACKs, its max the largest), the server's
// SETTINGS and the configuration of the first.
engine::ProtocolReport merge_protocol_reports(const std::vector<engine::ProtocolReport>& reports);

// The console's lines about it (two-space indent, newline-terminated); empty for HTTP/1.1.
std::string protocol_console_lines(const ProtocolInfo& protocol);

}  // namespace volley::reports
