// What the HTTP/2 sessions of a target counted (engine::ProtocolReport's figures): each session
// counts on its own thread and adds its counts to the target's totals once, when it closes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <mutex>

namespace volley::targets {

struct Http2Counters {
    // The server's SETTINGS as last received.
    bool peer_settings_received = false;
    std::uint32_t peer_max_concurrent_streams = 0;
    std::uint32_t peer_initial_window_size = 0;
    std::uint32_t peer_max_frame_size = 0;
    std::uint64_t connections_opened = 0;  // sessions that got the server's first SETTINGS
    std::uint64_t streams_opened = 0;
    // Streams open on the connection just after each stream opened: their sum (for the mean)
    // and largest value.
    std::uint64_t open_streams_sum = 0;
    std::uint32_t open_streams_peak = 0;
    std::uint64_t goaway_received = 0;
    std::uint64_t rst_stream_received = 0;
    std::uint64_t retried = 0;  // refused requests sent once more
    // PING health (config.ping_interval > 0): PINGs sent, ACKs received for them with their
    // round trips (ns: sum for the mean, largest), connections closed for a missing ACK.
    std::uint64_t pings_sent = 0;
    std::uint64_t ping_acks = 0;
    std::uint64_t ping_rtt_sum_ns = 0;
    std::uint64_t ping_rtt_max_ns = 0;
    std::uint64_t connections_failed_health = 0;

    void add(const Http2Counters& other) {
        if (other.peer_settings_received) {
            peer_settings_received = true;
            peer_max_concurrent_streams = other.peer_max_concurrent_streams;
            peer_initial_window_size = other.peer_initial_window_size;
            peer_max_frame_size = other.peer_max_frame_size;
        }
        connections_opened += other.connections_opened;
        streams_opened += other.streams_opened;
        open_streams_sum += other.open_streams_sum;
        open_streams_peak = std::max(open_streams_peak, other.open_streams_peak);
        goaway_received += other.goaway_received;
        rst_stream_received += other.rst_stream_received;
        retried += other.retried;
        pings_sent += other.pings_sent;
        ping_acks += other.ping_acks;
        ping_rtt_sum_ns += other.ping_rtt_sum_ns;
        ping_rtt_max_ns = std::max(ping_rtt_max_ns, other.ping_rtt_max_ns);
        connections_failed_health += other.connections_failed_health;
    }
};

// The target's totals, added to by every session (from its worker's thread) when it closes.
class Http2Totals {
public:
    void add(const Http2Counters& counters) {
        const std::lock_guard lock(mutex_);
        totals_.add(counters);
    }
    [[nodiscard]] Http2Counters snapshot() const {
        const std::lock_guard lock(mutex_);
        return totals_;
    }

private:
    mutable std::mutex mutex_;
    Http2Counters totals_;
};

}  // namespace volley::targets
