#include "reports/summary_protocol.hpp"

#include "reports/number_format.hpp"
#include "reports/summary_fields.hpp"
#include "reports/text_escape.hpp"

#include <fmt/format.h>

#include <limits>

namespace volley::reports {
namespace json = boost::json;

namespace {

double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

}  // namespace

json::object protocol_json(const engine::ProtocolReport& report) {
    json::object out{{"negotiated", report.negotiated}};
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
    return out;
}

}  // namespace volley::reports
