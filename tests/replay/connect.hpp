// Connecting to a proxy that the test has just started as a child process.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <thread>

namespace volley::replay_test {

// Connects `socket` to 127.0.0.1:`port`, retrying every 20 ms while nothing listens yet, for up
// to `patience`; throws std::runtime_error("the proxy did not start") after that.
inline void connect_when_listening(boost::asio::ip::tcp::socket& socket, std::uint16_t port,
                                   std::chrono::milliseconds patience) {
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while (true) {
        boost::system::error_code ec;
        socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
        if (!ec) return;
        socket.close();
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("the proxy did not start");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace volley::replay_test
