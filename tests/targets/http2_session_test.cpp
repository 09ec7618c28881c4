// The HTTP/2 session against a raw h2c server on the test's own io_context (one thread: the
// order of events is the test's): a request whose HEADERS nghttp2 never sent completes exactly
// once.
#include "http_harness.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

using namespace volley;
using namespace volley::testing;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// One HTTP/2 frame: 9-byte header (RFC 9113 §4.1) and payload.
std::string frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream_id,
                  const std::string& payload) {
    const auto length = static_cast<std::uint32_t>(payload.size());
    std::string out;
    for (int shift = 16; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((length >> shift) & 0xff));
    out.push_back(static_cast<char>(type));
    out.push_back(static_cast<char>(flags));
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((stream_id >> shift) & 0xff));
    return out + payload;
}

constexpr std::uint8_t kData = 0x0, kHeaders = 0x1, kSettings = 0x4;
constexpr std::uint8_t kEndStreamEndHeaders = 0x5;
constexpr std::size_t kPrefaceBytes = 24;  // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// An h2c server on 127.0.0.1 that breaks its first connection at once: SETTINGS and, in the
// same write, DATA on stream 0 (a connection error) before any request arrived. Later
// connections send SETTINGS and answer every request HEADERS with 200 (HPACK static index 8),
// END_STREAM.
class BreaksFirstConnection {
public:
    explicit BreaksFirstConnection(asio::io_context& io)
        : acceptor_(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
        accept();
    }
    [[nodiscard]] std::string url() const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/";
    }
    [[nodiscard]] std::size_t connections() const { return connections_.size(); }

private:
    struct Connection {
        explicit Connection(tcp::socket accepted) : socket(std::move(accepted)) {}
        tcp::socket socket;
        std::array<char, 4096> buffer{};
        std::string in;   // bytes read and not yet parsed
        std::string out;  // bytes being written
        bool preface_skipped = false;
    };

    void accept() {
        acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
            if (ec) return;
            auto connection = std::make_shared<Connection>(std::move(socket));
            connections_.push_back(connection);
            std::string first = frame(kSettings, 0, 0, "");
            if (connections_.size() == 1) first += frame(kData, 0, 0, "abcd");
            write(connection, first);
            read(connection);
            accept();
        });
    }

    static void write(const std::shared_ptr<Connection>& connection, const std::string& bytes) {
        connection->out += bytes;
        auto pending = std::make_shared<std::string>(std::move(connection->out));
        connection->out.clear();
        asio::async_write(connection->socket, asio::buffer(*pending),
                          [pending](const boost::system::error_code&, std::size_t) {});
    }

    void read(const std::shared_ptr<Connection>& connection) {
        connection->socket.async_read_some(
            asio::buffer(connection->buffer),
            [this, connection](const boost::system::error_code& ec, std::size_t n) {
                if (ec) return;
                connection->in.append(connection->buffer.data(), n);
                answer(connection);
                read(connection);
            });
    }

    // Answers the request HEADERS read so far (the first connection answers none).
    void answer(const std::shared_ptr<Connection>& connection) {
        auto& in = connection->in;
        if (!connection->preface_skipped) {
            if (in.size() < kPrefaceBytes) return;
            in.erase(0, kPrefaceBytes);
            connection->preface_skipped = true;
        }
        while (in.size() >= 9) {
            const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(in[i]); };
            const std::size_t length = (std::size_t{byte(0)} << 16) | (byte(1) << 8) | byte(2);
            if (in.size() < 9 + length) return;
            const std::uint32_t stream_id = ((std::uint32_t{byte(5)} & 0x7f) << 24) |
                                            (std::uint32_t{byte(6)} << 16) |
                                            (std::uint32_t{byte(7)} << 8) | byte(8);
            if (byte(3) == kHeaders && connection != connections_.front())
                write(connection, frame(kHeaders, kEndStreamEndHeaders, stream_id, "\x88"));
            in.erase(0, 9 + length);
        }
    }

    tcp::acceptor acceptor_;
    std::vector<std::shared_ptr<Connection>> connections_;
};

}  // namespace

TEST_CASE(
    "http2 session: a request whose HEADERS nghttp2 did not send completes once, on a new "
    "connection",
    "[http2]") {
    // The request is queued until the server's SETTINGS, and its stream opened while nghttp2
    // reads them; the DATA on stream 0 in the same read makes nghttp2 end the session before the
    // HEADERS go out. nghttp2 closes the stream as REFUSED_STREAM: the request is sent again,
    // on a new connection (not on the dying one), and answered there. It completes once: the
    // sink stops the io_context at the first completion, and a second one delivered in the same
    // handler (as nghttp2's on_frame_not_send then on_stream_close would) shows in the count.
    asio::io_context io;
    BreaksFirstConnection server(io);
    auto config = config_for(server.url());
    config.protocol = targets::HttpProtocol::h2c;
    targets::HttpTarget target(config);
    RecordingSink sink(io);
    const auto session = target.open_session({io, sink, 0, 1, 1});
    engine::PreparedRequest request;
    request.method = "GET";
    request.target = "/";
    session->send(0, request);
    io.run_for(std::chrono::seconds(10));
    REQUIRE(sink.completed.size() == 1);
    INFO(sink.completed.front().detail);
    CHECK(sink.completed.front().outcome == engine::Outcome::ok);
    CHECK(sink.completed.front().status == 200);
    CHECK(server.connections() == 2);
}
