// A small keep-alive HTTP/1.1 client for the demo service's tests: one connection to
// 127.0.0.1:port, one request at a time, every exchange bounded by a 20 s deadline (a hung
// server fails the test instead of hanging it).
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace volley::testing {

struct DemoResponse {
    int status = 0;
    std::string body;
    boost::beast::http::fields headers;
};

class DemoClient {
public:
    explicit DemoClient(std::uint16_t port) : stream_(io_) {
        stream_.expires_after(kDeadline);
        bool connected = false;
        stream_.async_connect(
            boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port),
            [&](boost::beast::error_code ec) {
                if (ec) throw std::runtime_error("connect: " + ec.message());
                connected = true;
            });
        io_.run();
        if (!connected) throw std::runtime_error("connect: no answer");
    }

    DemoResponse send(boost::beast::http::verb method, const std::string& target,
                      const std::string& body = "",
                      const std::vector<std::pair<std::string, std::string>>& headers = {}) {
        namespace http = boost::beast::http;
        http::request<http::string_body> req{method, target, 11};
        req.set(http::field::host, "127.0.0.1");
        for (const auto& [name, value] : headers) req.set(name, value);
        if (method == http::verb::post) {
            req.set(http::field::content_type, "application/json");
            req.body() = body;
        }
        req.prepare_payload();
        http::response<http::string_body> res;
        boost::beast::error_code failure;
        io_.restart();
        stream_.expires_after(kDeadline);
        http::async_write(stream_, req, [&](boost::beast::error_code ec, std::size_t) {
            if (ec) {
                failure = ec;
                return;
            }
            http::async_read(stream_, buffer_, res,
                             [&](boost::beast::error_code rec, std::size_t) { failure = rec; });
        });
        io_.run();
        if (failure) throw std::runtime_error(target + ": " + failure.message());
        DemoResponse out;
        out.status = res.result_int();
        out.body = res.body();
        for (const auto& field : res) out.headers.insert(field.name_string(), field.value());
        return out;
    }

    DemoResponse get(const std::string& target,
                     const std::vector<std::pair<std::string, std::string>>& headers = {}) {
        return send(boost::beast::http::verb::get, target, "", headers);
    }
    DemoResponse post(const std::string& target, const std::string& body) {
        return send(boost::beast::http::verb::post, target, body);
    }

private:
    static constexpr std::chrono::seconds kDeadline{20};
    boost::asio::io_context io_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
};

}  // namespace volley::testing
