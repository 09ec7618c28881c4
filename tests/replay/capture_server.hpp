// An HTTP/1.1 server on 127.0.0.1 that keeps every request it receives whole (request line,
// headers, Content-Length body) and answers 200 "ok". For checking what a replay sent.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace volley::replay_test {

class CaptureServer {
public:
    CaptureServer();
    ~CaptureServer();
    CaptureServer(const CaptureServer&) = delete;
    CaptureServer& operator=(const CaptureServer&) = delete;

    [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    // The raw requests received so far, in arrival order.
    [[nodiscard]] std::vector<std::string> requests() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

}  // namespace volley::replay_test
