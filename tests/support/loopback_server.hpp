// A small HTTP/1.1 server on 127.0.0.1 for integration tests and benchmarks: keep-alive,
// fixed response, and behaviour that changes on cue (a stall, a status code). Runs its own
// thread; every handler runs there.
//
// Endpoints besides the fixed response:
//   /slow?ms=N   answered N ms after the request arrived (any other path: as configured)
// Degrade mode (degrade_above_rps > 0): while more than degrade_above_rps requests arrived in
// the last second (this one included), every response is delayed by degrade_delay (a target
// whose latency grows sharply above a known rate).
// Leak mode (leak_kb_per_request > 0): each request's memory is kept, so RSS grows by a known
// amount per request.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace volley::testing {

struct LoopbackServerOptions {
    std::uint16_t port = 0;  // 0: any free port
    int status = 200;
    std::string body = "ok";
    // Requests that arrive in [stall_at, stall_at + stall_for) since start() are answered at
    // stall_at + stall_for: the server stalls once.
    std::chrono::milliseconds stall_at{0};
    std::chrono::milliseconds stall_for{0};
    // Every response is written this long after its request arrived (outside a stall).
    std::chrono::milliseconds response_delay{0};
    bool record_arrivals = false;  // keep every request's arrival time, request line and connection
    double degrade_above_rps = 0;  // 0: off
    std::chrono::milliseconds degrade_delay{0};
    // A leak on purpose (soak tests of process.rss_slope): every request allocates this many KiB,
    // writes every byte and keeps the block until the server is destroyed. 0: off.
    std::size_t leak_kb_per_request = 0;
};

struct Arrival {
    std::chrono::steady_clock::time_point at;
    std::string request_line;
    std::uint64_t connection = 0;  // the server-side connection it came on: 1, 2, … in accept order
};

class LoopbackServer {
public:
    explicit LoopbackServer(LoopbackServerOptions options);
    ~LoopbackServer();
    LoopbackServer(const LoopbackServer&) = delete;
    LoopbackServer& operator=(const LoopbackServer&) = delete;

    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    [[nodiscard]] std::uint64_t requests() const { return requests_.load(); }
    [[nodiscard]] std::chrono::steady_clock::time_point started() const { return started_; }
    [[nodiscard]] std::vector<Arrival> arrivals() const;
    void stop();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
    std::uint16_t port_ = 0;
    std::atomic<std::uint64_t> requests_{0};
    std::chrono::steady_clock::time_point started_;
    mutable std::mutex arrivals_mutex_;
    std::vector<Arrival> arrivals_;
    std::thread thread_;
    friend struct Impl;
};

}  // namespace volley::testing
