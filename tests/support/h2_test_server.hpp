// A small HTTP/2 (h2c) server for tests, on nghttp2's server session and Asio, on 127.0.0.1 and
// a thread of its own. Answers every request 200 with an empty body, and on cue: sends GOAWAY
// after a number of requests per connection, announces a stream limit, or holds the responses
// of requests that arrive during a stall until it ends, or goes silent on its first connection.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

struct nghttp2_session_callbacks;

namespace volley::testing {

struct H2TestServerOptions {
    // Answer this many requests on each connection, then send GOAWAY naming the last of them
    // (the client's streams above it are refused unprocessed); 0: never.
    std::size_t goaway_after = 0;
    std::uint32_t max_concurrent_streams = 100;  // SETTINGS_MAX_CONCURRENT_STREAMS
    // Requests arriving in [stall_at, stall_at + stall_for), counted from the first request the
    // server received, are answered when the stall ends.
    std::chrono::milliseconds stall_at{0};
    std::chrono::milliseconds stall_for{0};
    // Set: a request is answered with these raw bytes instead of a response (a hostile server:
    // malformed frames), given the request's stream id.
    std::function<std::string(std::int32_t stream_id)> hostile_reply{};
    // Non-zero: the first connection answers this many requests, then goes silent: it keeps the
    // socket open but reads nothing more, so it answers nothing more (no response, no PING
    // ACK, no FIN).
    std::size_t silent_after = 0;
};

class H2TestServer {
public:
    explicit H2TestServer(H2TestServerOptions options);
    ~H2TestServer();
    H2TestServer(const H2TestServer&) = delete;
    H2TestServer& operator=(const H2TestServer&) = delete;

    [[nodiscard]] std::string url() const;
    [[nodiscard]] std::size_t responses() const { return responses_.load(); }  // 200s submitted

private:
    struct Connection;
    void accept();

    H2TestServerOptions options_;
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    nghttp2_session_callbacks* callbacks_ = nullptr;
    std::optional<std::chrono::steady_clock::time_point> first_request_;
    std::atomic<std::size_t> responses_{0};
    std::size_t accepted_ = 0;  // connections accepted (the server's thread)
    std::thread thread_;
    // Silent connections, kept open until the server is destroyed (declared last: destroyed
    // before the io_context their sockets belong to).
    std::vector<std::shared_ptr<Connection>> silenced_;
};

}  // namespace volley::testing
