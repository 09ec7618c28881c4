#include "reports/summary_protocol.hpp"

#include "reports/number_format.hpp"
#include "reports/summary_fields.hpp"
#include "reports/text_escape.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace volley::reports {
namespace json = boost::json;

namespace {

double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

}  // namespace

json::object protocol_json(const engine::ProtocolReport& report) {
    json::object out{{"negotiated", report.negotiated}};
    if (report.pipeline > 1) out["pipeline"] = report.pipeline;
    if (!report.http2) return out;
    out["max_streams"] = report.max_streams;
    out["window_bytes"] = report.window_bytes;
    if (report.peer_settings_received) {
        const bool unlimited =
            report.peer_max_concurrent_streams == std::numeric_limits<std::uint32_t>::max();
        json::object settings{{"initial_window_size", report.peer_initial_window_size},
                              {"max_frame_size", report.peer_max_frame_size}};
        settings["max_concurrent_streams"] =
            unlimited ? json::value(nullptr) : json::value(report.peer_max_concurrent_streams);
        out["peer_settings"] = std::move(settings);
    } else {
        out["peer_settings"] = nullptr;
    }
    out["connections"] = report.connections_opened;
    out["streams"] = report.streams_opened;
    out["streams_per_connection"] = json::object{{"peak", report.streams_per_connection_peak},
                                                 {"mean", report.streams_per_connection_mean}};
    out["goaway_received"] = report.goaway_received;
    out["rst_stream_received"] = report.rst_stream_received;
    out["retried"] = report.retried;
    if (report.ping_interval_ms == 0) {
        out["ping"] = nullptr;
    } else {
        out["ping"] = json::object{{"interval_ms", report.ping_interval_ms},
                                   {"timeout_ms", report.ping_timeout_ms},
                                   {"sent", report.pings_sent},
                                   {"acks", report.ping_acks},
                                   {"rtt_ms", json::object{{"mean", report.ping_rtt_mean_ms},
                                                           {"max", report.ping_rtt_max_ms}}},
                                   {"connections_failed", report.connections_failed_health}};
    }
    return out;
}

json::object stream_wait_json(const engine::HdrHistogram& wait) {
    return json::object{{"p50", ms(wait.value_at_percentile(50))},
                        {"p90", ms(wait.value_at_percentile(90))},
                        {"p99", ms(wait.value_at_percentile(99))},
                        {"max", ms(wait.max())}};
}

ProtocolInfo read_protocol(const detail::Fields& protocol) {
    ProtocolInfo out;
    out.negotiated = protocol.text("negotiated");
    if (protocol.has("pipeline")) out.pipeline = protocol.count("pipeline");
    if (!protocol.has("max_streams")) return out;
    out.http2 = true;
    out.max_streams = protocol.count("max_streams");
    out.window_bytes = protocol.count("window_bytes");
    if (const auto settings = protocol.object_or_null("peer_settings")) {
        out.peer_settings = true;
        if (const auto limit = settings->number_or_null("max_concurrent_streams"))
            out.peer_max_concurrent_streams = static_cast<std::uint64_t>(*limit);
        out.peer_initial_window_size = settings->count("initial_window_size");
        out.peer_max_frame_size = settings->count("max_frame_size");
    }
    out.connections = protocol.count("connections");
    out.streams = protocol.count("streams");
    const auto per_connection = protocol.object("streams_per_connection");
    out.streams_peak = per_connection.number("peak");
    out.streams_mean = per_connection.number("mean");
    out.goaway_received = protocol.count("goaway_received");
    out.rst_stream_received = protocol.count("rst_stream_received");
    out.retried = protocol.count("retried");
    // Absent from summaries written before PING health existed: off.
    if (const auto ping = protocol.has("ping") ? protocol.object_or_null("ping") : std::nullopt) {
        out.ping = true;
        out.ping_interval_ms = ping->count("interval_ms");
        out.ping_timeout_ms = ping->count("timeout_ms");
        out.pings_sent = ping->count("sent");
        out.ping_acks = ping->count("acks");
        const auto rtt = ping->object("rtt_ms");
        out.ping_rtt_mean_ms = rtt.number("mean");
        out.ping_rtt_max_ms = rtt.number("max");
        out.connections_failed_health = ping->count("connections_failed");
    }
    return out;
}

engine::ProtocolReport protocol_report(const ProtocolInfo& p) {
    engine::ProtocolReport out;
    out.negotiated = p.negotiated;
    out.http2 = p.http2;
    out.max_streams = static_cast<std::uint32_t>(p.max_streams);
    out.window_bytes = static_cast<std::uint32_t>(p.window_bytes);
    out.peer_settings_received = p.peer_settings;
    out.peer_max_concurrent_streams = static_cast<std::uint32_t>(
        p.peer_max_concurrent_streams.value_or(std::numeric_limits<std::uint32_t>::max()));
    out.peer_initial_window_size = static_cast<std::uint32_t>(p.peer_initial_window_size);
    out.peer_max_frame_size = static_cast<std::uint32_t>(p.peer_max_frame_size);
    out.connections_opened = p.connections;
    out.streams_opened = p.streams;
    out.streams_per_connection_peak = static_cast<std::uint32_t>(p.streams_peak);
    out.streams_per_connection_mean = p.streams_mean;
    out.goaway_received = p.goaway_received;
    out.rst_stream_received = p.rst_stream_received;
    out.retried = p.retried;
    out.ping_interval_ms = static_cast<std::uint32_t>(p.ping_interval_ms);
    out.ping_timeout_ms = static_cast<std::uint32_t>(p.ping_timeout_ms);
    out.pings_sent = p.pings_sent;
    out.ping_acks = p.ping_acks;
    out.ping_rtt_mean_ms = p.ping_rtt_mean_ms;
    out.ping_rtt_max_ms = p.ping_rtt_max_ms;
    out.connections_failed_health = p.connections_failed_health;
    out.pipeline = static_cast<std::uint32_t>(p.pipeline);
    return out;
}

engine::ProtocolReport merge_protocol_reports(const std::vector<engine::ProtocolReport>& reports) {
    if (reports.empty()) return {};
    engine::ProtocolReport out = reports.front();
    double weighted_mean =
        out.streams_per_connection_mean * static_cast<double>(out.streams_opened);
    double weighted_rtt = out.ping_rtt_mean_ms * static_cast<double>(out.ping_acks);
    for (std::size_t i = 1; i < reports.size(); ++i) {
        const auto& r = reports[i];
        if (!out.peer_settings_received && r.peer_settings_received) {
            out.peer_settings_received = true;
            out.peer_max_concurrent_streams = r.peer_max_concurrent_streams;
            out.peer_initial_window_size = r.peer_initial_window_size;
            out.peer_max_frame_size = r.peer_max_frame_size;
        }
        out.connections_opened += r.connections_opened;
        out.streams_opened += r.streams_opened;
        weighted_mean += r.streams_per_connection_mean * static_cast<double>(r.streams_opened);
        out.streams_per_connection_peak =
            std::max(out.streams_per_connection_peak, r.streams_per_connection_peak);
        out.goaway_received += r.goaway_received;
        out.rst_stream_received += r.rst_stream_received;
        out.retried += r.retried;
        out.pings_sent += r.pings_sent;
        out.ping_acks += r.ping_acks;
        weighted_rtt += r.ping_rtt_mean_ms * static_cast<double>(r.ping_acks);
        out.ping_rtt_max_ms = std::max(out.ping_rtt_max_ms, r.ping_rtt_max_ms);
        out.connections_failed_health += r.connections_failed_health;
    }
    out.streams_per_connection_mean =
        out.streams_opened == 0 ? 0.0 : weighted_mean / static_cast<double>(out.streams_opened);
    out.ping_rtt_mean_ms =
        out.ping_acks == 0 ? 0.0 : weighted_rtt / static_cast<double>(out.ping_acks);
    return out;
}

std::string protocol_console_lines(const ProtocolInfo& p) {
    if (!p.http2) return {};
    std::string out = fmt::format("  protocol      {}", strip_control_characters(p.negotiated));
    if (p.peer_settings) {
        out += fmt::format(
            " | server SETTINGS: max_concurrent_streams {}, initial_window_size {}, "
            "max_frame_size {}\n",
            p.peer_max_concurrent_streams ? std::to_string(*p.peer_max_concurrent_streams)
                                          : std::string("unlimited"),
            p.peer_initial_window_size, p.peer_max_frame_size);
    } else {
        out += " | no SETTINGS received from the server\n";
    }
    out += fmt::format(
        "                {} connections, {} streams; per connection peak {}, mean {} (max_streams "
        "{}) | GOAWAY {}, RST_STREAM {}, retried {}\n",
        p.connections, p.streams, format_number(p.streams_peak), format_number(p.streams_mean),
        p.max_streams, p.goaway_received, p.rst_stream_received, p.retried);
    if (p.ping) {
        out += fmt::format(
            "                PING after {} ms idle, timeout {} ms: {} sent, {} acked, round trip "
            "mean {} ms, max {} ms | connections failed the health check {}\n",
            p.ping_interval_ms, p.ping_timeout_ms, p.pings_sent, p.ping_acks,
            format_number(p.ping_rtt_mean_ms), format_number(p.ping_rtt_max_ms),
            p.connections_failed_health);
    }
    return out;
}

}  // namespace volley::reports
