// The settings of `volley demo serve` (docs/demo.md "Flags"), as the command line gave them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace volley::demo {

struct DemoOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8090;  // 0: an ephemeral port (DemoServer::port() says which)
    int threads = 1;            // threads running the server's io_context
    bool allow_remote = false;  // a host that is not a loopback address needs this
    // Every counted request is answered latency + a uniform draw in [0, latency_jitter] after
    // it arrived.
    std::chrono::nanoseconds latency{0};
    std::chrono::nanoseconds latency_jitter{0};
    double error_rate = 0.0;  // 0..1: share of eligible requests answered 503 (DemoService)
    int page_size = 10;       // items per page of GET /items
    int items = 50;           // items 1..items exist
    // After the stall_after-th counted request, nothing is answered for stall_for.
    std::optional<std::uint64_t> stall_after;
    std::chrono::nanoseconds stall_for{0};
};

// Throws std::invalid_argument whose message starts with the flag it is about
// ("--host: 10.0.0.1 is not a loopback address; ..."): a host that is not an IP address, a
// remote host without allow_remote, threads outside 1..256, a negative or too large value,
// an error rate above 100%, page_size < 1, items outside 0..1000000, --stall-after without
// --stall-for (or the reverse), --stall-after 0.
void check_demo_options(const DemoOptions& options);

}  // namespace volley::demo
