// An HTTP/1.1 server on 127.0.0.1 whose answers a test scripts byte for byte: every request is
// parsed (Beast), recorded as received (target still percent-encoded, body as sent) and
// answered with whatever the test's responder returns, so tests can send malformed, interim
// (100 Continue) or bodiless responses, in one write or in pieces over time (a trickling or
// endless server). Runs its own thread; the responder (and `next`) run there.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace volley::testing {

struct ScriptedRequest {
    std::string method;
    std::string target;  // as on the request line
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::uint64_t connection = 0;  // 1, 2, … in accept order
};

struct ScriptedReply {
    std::string bytes;   // written as is
    bool close = false;  // close the connection after writing `bytes`
    bool hold = false;   // write nothing and keep the connection open (a server that hangs)
    bool reset = false;  // after `bytes`, abort the connection with a TCP RST
    // After `bytes`: further pieces, written one at a time `pause` apart, next(0), next(1), …
    // until it returns an empty string (or the client goes away); then `close`/`reset` apply.
    // For answers split over time (100 Continue, then 200 later), trickled or endless.
    std::function<std::string(std::uint64_t piece)> next = {};
    std::chrono::milliseconds pause{0};
};

class ScriptedServer {
public:
    using Responder = std::function<ScriptedReply(const ScriptedRequest&)>;
    explicit ScriptedServer(Responder responder);
    ~ScriptedServer();
    ScriptedServer(const ScriptedServer&) = delete;
    ScriptedServer& operator=(const ScriptedServer&) = delete;

    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    [[nodiscard]] std::vector<ScriptedRequest> requests() const;
    // Connections accepted so far.
    [[nodiscard]] std::uint64_t connections() const;
    // Waits until the server has closed `count` connections itself (replies with `close` or
    // `reset`), at most `limit`; false when it had not by then.
    [[nodiscard]] bool wait_for_closes(std::uint64_t count, std::chrono::milliseconds limit) const;
    // Waits until `count` replies have been written in full (every piece), at most `limit`;
    // false when they had not by then.
    [[nodiscard]] bool wait_for_replies(std::uint64_t count, std::chrono::milliseconds limit) const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

// "HTTP/1.1 200 OK\r\nContent-Length: N\r\n<extra>\r\n<body>" for scripted replies.
std::string http_response(int status, const std::string& body,
                          const std::string& extra_headers = "");

}  // namespace volley::testing
