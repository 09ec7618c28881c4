// The demo service over HTTP/1.1 (Boost.Beast, keep-alive; the shape of Beast's
// http_server_async example): one io_context run by DemoOptions::threads threads, one session
// per connection, one request at a time per connection. Each reply is written at its
// DemoReply::answer_at through an Asio timer, so latency and the stall never block a thread.
// The routes and knobs are DemoService's (demo_service.hpp, docs/demo.md).
#pragma once

#include "demo/demo_options.hpp"
#include "demo/demo_service.hpp"

#include <cstdint>
#include <memory>

namespace volley::demo {

class DemoServer {
public:
    // Checks the options (check_demo_options: std::invalid_argument naming the flag).
    explicit DemoServer(DemoOptions options);
    ~DemoServer();  // stops and joins
    DemoServer(const DemoServer&) = delete;
    DemoServer& operator=(const DemoServer&) = delete;

    // Binds, listens and starts the threads. Throws std::runtime_error when the address cannot
    // be bound ("cannot listen on 127.0.0.1:8090: Address already in use").
    void start();
    // The bound port (the ephemeral one for port 0); valid after start().
    [[nodiscard]] std::uint16_t port() const;
    // Stops accepting, drops the connections and pending replies, joins the threads. Idempotent.
    void stop();

    [[nodiscard]] DemoService& service();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace volley::demo
