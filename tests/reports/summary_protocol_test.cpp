// summary.json target.protocol: written from engine::ProtocolReport, read back, and the console
// lines (docs/outputs.md).
#include "reports/summary_protocol.hpp"
#include "reports/segment_file.hpp"
#include "reports/summary_fields.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <limits>

using namespace volley;
using namespace volley::reports;

namespace {

engine::ProtocolReport h2_report() {
    engine::ProtocolReport report;
    report.negotiated = "h2";
    report.http2 = true;
    report.max_streams = 100;
    report.window_bytes = 16 * 1024 * 1024;
    report.peer_settings_received = true;
    report.peer_max_concurrent_streams = 2;
    report.peer_initial_window_size = 65535;
    report.peer_max_frame_size = 16384;
    report.connections_opened = 3;
    report.streams_opened = 120;
    report.streams_per_connection_peak = 2;
    report.streams_per_connection_mean = 1.5;
    report.goaway_received = 1;
    report.rst_stream_received = 4;
    report.retried = 5;
    return report;
}

ProtocolInfo round_trip(const engine::ProtocolReport& report) {
    const auto json = protocol_json(report);
    return read_protocol(detail::Fields(json, "target.protocol", "summary.json"));
}

}  // namespace

TEST_CASE("target.protocol round-trips every HTTP/2 figure", "[summary][http2]") {
    const auto info = round_trip(h2_report());
    CHECK(info.negotiated == "h2");
    CHECK(info.http2);
    CHECK(info.max_streams == 100);
    CHECK(info.window_bytes == std::uint64_t{16} * 1024 * 1024);
    CHECK(info.peer_settings);
    CHECK(info.peer_max_concurrent_streams == std::optional<std::uint64_t>(2));
    CHECK(info.peer_initial_window_size == 65535);
    CHECK(info.peer_max_frame_size == 16384);
    CHECK(info.connections == 3);
    CHECK(info.streams == 120);
    CHECK(info.streams_peak == 2);
    CHECK(info.streams_mean == 1.5);
    CHECK(info.goaway_received == 1);
    CHECK(info.rst_stream_received == 4);
    CHECK(info.retried == 5);

    const std::string console = protocol_console_lines(info);
    CHECK_THAT(console, Catch::Contains("h2 | server SETTINGS: max_concurrent_streams 2, "
                                        "initial_window_size 65535, max_frame_size 16384"));
    CHECK_THAT(console, Catch::Contains("GOAWAY 1, RST_STREAM 4, retried 5"));
}

TEST_CASE("no stream limit is null; no SETTINGS is said; HTTP/1.1 has only its name",
          "[summary][http2]") {
    auto unlimited = h2_report();
    unlimited.peer_max_concurrent_streams = std::numeric_limits<std::uint32_t>::max();
    const auto json = protocol_json(unlimited);
    CHECK(json.at("peer_settings").as_object().at("max_concurrent_streams").is_null());
    const auto info = round_trip(unlimited);
    CHECK_FALSE(info.peer_max_concurrent_streams.has_value());
    CHECK_THAT(protocol_console_lines(info), Catch::Contains("max_concurrent_streams unlimited"));

    auto silent = h2_report();
    silent.peer_settings_received = false;
    const auto no_settings = round_trip(silent);
    CHECK_FALSE(no_settings.peer_settings);
    CHECK_THAT(protocol_console_lines(no_settings),
               Catch::Contains("no SETTINGS received from the server"));

    engine::ProtocolReport http1;
    http1.negotiated = "http/1.1";
    CHECK(protocol_json(http1).size() == 1);
    const auto h1 = round_trip(http1);
    CHECK(h1.negotiated == "http/1.1");
    CHECK_FALSE(h1.http2);
    CHECK(protocol_console_lines(h1).empty());
}

TEST_CASE("volley merge: segments' protocol figures add up; segment.json keeps them",
          "[summary][http2]") {
    auto first = h2_report();
    auto second = h2_report();
    second.connections_opened = 1;
    second.streams_opened = 40;
    second.streams_per_connection_peak = 1;
    second.streams_per_connection_mean = 1.0;
    second.goaway_received = 0;
    const auto merged = merge_protocol_reports({first, second});
    CHECK(merged.negotiated == "h2");
    CHECK(merged.connections_opened == 4);
    CHECK(merged.streams_opened == 160);
    CHECK(merged.streams_per_connection_peak == 2);
    CHECK(merged.streams_per_connection_mean == Approx((1.5 * 120 + 1.0 * 40) / 160));
    CHECK(merged.goaway_received == 1);
    CHECK(merged.rst_stream_received == 8);
    CHECK(merged.retried == 10);
    CHECK(merged.peer_max_concurrent_streams == 2);

    const auto dir = std::filesystem::temp_directory_path() /
                     ("volley-segment-h2-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    SegmentHeader header;
    header.scenario_name = "h2";
    header.target_kind = "http";
    header.target_url = "https://127.0.0.1:1";
    header.protocol = first;
    header.result.request_names = {"a"};
    header.result.segment = {0, 2};
    write_segment_file(dir, header, {});
    const auto read = read_segment_file(dir);
    REQUIRE(read.header.protocol.has_value());
    const auto& back = *read.header.protocol;
    CHECK(back.negotiated == "h2");
    CHECK(back.streams_opened == 120);
    CHECK(back.streams_per_connection_mean == 1.5);
    CHECK(back.peer_max_concurrent_streams == 2);
    CHECK(back.retried == 5);
    std::filesystem::remove_all(dir);
}

TEST_CASE("PING health: null when off, round-trips when on, merges with an ACK-weighted mean",
          "[summary][http2]") {
    const auto off = h2_report();
    CHECK(protocol_json(off).at("ping").is_null());
    const auto off_info = round_trip(off);
    CHECK_FALSE(off_info.ping);
    CHECK_THAT(protocol_console_lines(off_info), !Catch::Contains("PING"));
    // A summary written before PING health existed has no "ping" key: off.
    auto old = protocol_json(off);
    old.erase("ping");
    CHECK_FALSE(read_protocol(detail::Fields(old, "target.protocol", "summary.json")).ping);

    auto on = h2_report();
    on.ping_interval_ms = 1000;
    on.ping_timeout_ms = 200;
    on.pings_sent = 7;
    on.ping_acks = 6;
    on.ping_rtt_mean_ms = 0.5;
    on.ping_rtt_max_ms = 1.25;
    on.connections_failed_health = 1;
    const auto info = round_trip(on);
    CHECK(info.ping);
    CHECK(info.ping_interval_ms == 1000);
    CHECK(info.ping_timeout_ms == 200);
    CHECK(info.pings_sent == 7);
    CHECK(info.ping_acks == 6);
    CHECK(info.ping_rtt_mean_ms == 0.5);
    CHECK(info.ping_rtt_max_ms == 1.25);
    CHECK(info.connections_failed_health == 1);
    CHECK_THAT(protocol_console_lines(info),
               Catch::Contains("PING after 1000 ms idle, timeout 200 ms: 7 sent, 6 acked, round "
                               "trip mean 0.500 ms, max 1.25 ms | connections failed the health "
                               "check 1"));
    // Back to the target's figures (a segment's header) unchanged.
    const auto back = protocol_report(info);
    CHECK(back.ping_interval_ms == 1000);
    CHECK(back.ping_timeout_ms == 200);
    CHECK(back.pings_sent == 7);
    CHECK(back.ping_acks == 6);
    CHECK(back.ping_rtt_max_ms == 1.25);
    CHECK(back.connections_failed_health == 1);

    auto other = on;
    other.pings_sent = 3;
    other.ping_acks = 2;
    other.ping_rtt_mean_ms = 2.0;
    other.ping_rtt_max_ms = 3.0;
    other.connections_failed_health = 0;
    const auto merged = merge_protocol_reports({on, other});
    CHECK(merged.ping_interval_ms == 1000);
    CHECK(merged.pings_sent == 10);
    CHECK(merged.ping_acks == 8);
    CHECK(merged.ping_rtt_mean_ms == Approx((0.5 * 6 + 2.0 * 2) / 8));
    CHECK(merged.ping_rtt_max_ms == 3.0);
    CHECK(merged.connections_failed_health == 1);
}

TEST_CASE(
    "HTTP/1.1 pipelining: the depth is in target.protocol, read back, merged and kept in "
    "segment.json; depth 1 writes nothing",
    "[summary][pipeline]") {
    engine::ProtocolReport piped;
    piped.negotiated = "http/1.1";
    piped.pipeline = 16;
    const auto json = protocol_json(piped);
    CHECK(json.at("pipeline").to_number<std::uint64_t>() == 16);
    const auto info = round_trip(piped);
    CHECK(info.pipeline == 16);
    CHECK_FALSE(info.http2);
    CHECK(protocol_report(info).pipeline == 16);
    CHECK(merge_protocol_reports({piped, piped}).pipeline == 16);

    engine::ProtocolReport plain;
    plain.negotiated = "http/1.1";
    plain.pipeline = 1;
    CHECK_FALSE(protocol_json(plain).contains("pipeline"));
    CHECK(round_trip(plain).pipeline == 0);

    const auto dir = std::filesystem::temp_directory_path() /
                     ("volley-segment-pipeline-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    SegmentHeader header;
    header.scenario_name = "piped";
    header.target_kind = "http";
    header.target_url = "http://127.0.0.1:1";
    header.protocol = piped;
    header.result.request_names = {"a"};
    header.result.segment = {0, 2};
    write_segment_file(dir, header, {});
    const auto read = read_segment_file(dir);
    REQUIRE(read.header.protocol.has_value());
    CHECK(read.header.protocol->pipeline == 16);
    std::filesystem::remove_all(dir);
}
