// A blocking HTTP/1.1 client (Beast) on one keep-alive connection to the resolver service, for
// the service tests.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <string>

namespace volley::resolver::test {

namespace http = boost::beast::http;

struct Reply {
    int status = 0;
    std::string tier;
    std::string content_type;
    std::string body;
};

// One keep-alive connection to the service.
class Client {
public:
    explicit Client(unsigned short port) : socket_(ioc_) {
        boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), port);
        socket_.connect(ep);
    }
    Reply call(http::verb verb, const std::string& target, const std::string& body = "") {
        http::request<http::string_body> req(verb, target, 11);
        req.set(http::field::host, "127.0.0.1");
        req.keep_alive(true);
        if (!body.empty()) {
            req.set(http::field::content_type, "application/json");
            req.body() = body;
        }
        req.prepare_payload();
        http::write(socket_, req);
        http::response<http::string_body> res;
        http::read(socket_, buffer_, res);
        return Reply{static_cast<int>(res.result_int()), std::string(res["X-Cache-Tier"]),
                     std::string(res[http::field::content_type]), res.body()};
    }

private:
    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::socket socket_;
    boost::beast::flat_buffer buffer_;
};

}  // namespace volley::resolver::test
