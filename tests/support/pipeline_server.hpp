// An HTTP/1.1 server on 127.0.0.1 for pipelining tests (targets/http_pipeline_connection.hpp):
// it answers requests on a connection only in batches of `batch` — holding them until that
// many have arrived, then writing all their responses in one write — so a client that does not
// pipeline never gets an answer. Optionally it writes the batch in small pieces (responses split
// over reads), closes a connection after answering a number of requests (then drains what the
// client still sends, so the close is a FIN, never a reset), or stops answering a connection
// when a request's path is "/hold". Runs its own thread.
//
// Requests are framed by their header's end and Content-Length (no chunked bodies). Responses:
// HEAD -> 200 with "Content-Length: 5" and no body; "/204" -> 204; "/304" -> 304 with
// "Content-Length: 10" and no body; anything else -> 200 with the body "<method> <path>".
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace volley::testing {

struct PipelineServerOptions {
    std::size_t batch = 1;               // requests held until this many arrived on a connection
    std::size_t split_bytes = 0;         // > 0: a batch is written in pieces of this many bytes
    std::size_t close_after = 0;         // > 0: a connection closes after this many responses
    std::chrono::milliseconds pause{1};  // between the pieces of a split batch
};

struct PipelineServerCounts {
    std::uint64_t connections = 0;
    std::uint64_t received = 0;               // requests parsed (answered or not)
    std::uint64_t answered = 0;               // responses written
    std::vector<std::string> answered_lines;  // "<method> <path>" of each response, in order
};

class PipelineServer {
public:
    explicit PipelineServer(PipelineServerOptions options);
    ~PipelineServer();
    PipelineServer(const PipelineServer&) = delete;
    PipelineServer& operator=(const PipelineServer&) = delete;

    [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    [[nodiscard]] PipelineServerCounts counts() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

}  // namespace volley::testing
