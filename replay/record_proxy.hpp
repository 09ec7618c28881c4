// The recording reverse proxy behind `volley record` (docs/replay.md "Recording"): accepts
// clients (plain or TLS), forwards each request to the upstream (plain or TLS) and writes the
// request and its response, in plaintext, to a GoReplay capture. Single-threaded: everything
// runs on the io_context it is given.
#pragma once

#include "targets/http_target.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <list>
#include <memory>
#include <optional>
#include <random>
#include <string>

namespace volley::replay {

// Appends GoReplay records to a plain or gzip (name ends in ".gz") file; each record is
// written whole, and a plain file is flushed after each one.
class GorWriter {
public:
    // Throws std::runtime_error when the file cannot be opened.
    explicit GorWriter(const std::string& path);
    ~GorWriter();
    GorWriter(const GorWriter&) = delete;
    GorWriter& operator=(const GorWriter&) = delete;

    // Header line "<type> <id> <timestamp_ns> <latency_ns> <connection>": type 1 request,
    // 2 response; latency_ns 0 for requests; connection is the client connection's serial.
    void write(int type, const std::string& id, std::int64_t timestamp_ns, std::int64_t latency_ns,
               std::uint64_t connection, const std::string& payload);
    // True when every byte was written and the file closed cleanly.
    bool close();
    [[nodiscard]] std::uint64_t requests() const { return requests_; }

private:
    gzFile gz_ = nullptr;
    std::FILE* file_ = nullptr;
    std::string record_;
    bool ok_ = true;
    std::uint64_t requests_ = 0;
};

struct RecordUpstream {
    targets::ParsedUrl url;
    std::string host_header;  // targets::host_header_value(url)
    boost::asio::ip::tcp::resolver::results_type endpoints;
    std::optional<boost::asio::ssl::context> tls;  // set for https upstreams
    bool verify_name = true;  // the certificate must name url.host (off with --insecure)
};

// A TLS server context for the listening side (TLS 1.2 and later). Throws
// std::invalid_argument naming the file that cannot be loaded or the key that does not match.
boost::asio::ssl::context make_tls_server_context(const std::string& cert_path,
                                                  const std::string& key_path);

class RecordProxy {
public:
    // `acceptor` is listening; `client_tls` set: clients must talk TLS with this context.
    RecordProxy(boost::asio::io_context& io, boost::asio::ip::tcp::acceptor acceptor,
                RecordUpstream upstream, std::optional<boost::asio::ssl::context> client_tls,
                GorWriter& writer);
    ~RecordProxy();
    RecordProxy(const RecordProxy&) = delete;
    RecordProxy& operator=(const RecordProxy&) = delete;

    void start();
    // Accepts no more clients; closes idle connections now, busy ones after their response.
    void stop();
    [[nodiscard]] bool stopping() const { return stopping_; }
    // True when no client connection is left.
    [[nodiscard]] bool idle() const;
    [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const {
        return acceptor_.local_endpoint();
    }
    // Clients dropped because their TLS handshake failed (not counting those that closed the
    // connection before a handshake, such as TCP health checks).
    [[nodiscard]] std::uint64_t client_handshake_failures() const {
        return client_handshake_failures_;
    }

private:
    class Exchange;
    void accept();
    std::string next_id();

    boost::asio::io_context& io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    RecordUpstream upstream_;
    std::optional<boost::asio::ssl::context> client_tls_;
    GorWriter& writer_;
    std::mt19937_64 random_{std::random_device{}()};
    std::list<std::weak_ptr<Exchange>> exchanges_;
    std::uint64_t connections_accepted_ = 0;  // the last serial given to a client connection
    std::uint64_t client_handshake_failures_ = 0;
    bool stopping_ = false;
};

}  // namespace volley::replay
