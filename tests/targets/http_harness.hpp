// A session of an HttpTarget driven one request at a time on the test's own io_context, with a
// sink that records every Completion (tests/targets/*_test.cpp).
#pragma once

#include "targets/http_target.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace volley::testing {

struct Recorded {
    engine::Outcome outcome = engine::Outcome::ok;
    int status = 0;
    std::string detail;
    engine::TierIndex served_by = 0;
    bool captured = false;  // the completion carried the response (capture_response)
    std::string headers, body;
};

class RecordingSink final : public engine::CompletionSink {
public:
    explicit RecordingSink(boost::asio::io_context& io) : io_(io) {}
    void on_complete(std::size_t, const engine::Completion& completion) override {
        Recorded recorded{completion.outcome, completion.status,
                          std::string(completion.error_detail), completion.served_by, false, {}, {}};
        if (completion.response) {
            recorded.captured = true;
            recorded.headers = completion.response->headers;
            recorded.body = completion.response->body;
        }
        completed.push_back(std::move(recorded));
        io_.stop();
    }
    std::vector<Recorded> completed;

private:
    boost::asio::io_context& io_;
};

// One worker's session of an HttpTarget with one connection (slot 0).
class Harness {
public:
    explicit Harness(targets::HttpTargetConfig config)
        : target_(std::move(config)),
          sink_(io_),
          session_(target_.open_session({io_, sink_, 0, 1, 1})) {}

    // Sends one request and runs the io_context until it completes; a request that has not
    // completed within 10 s fails the test (the session's timeouts are shorter).
    Recorded send(const std::string& method, const std::string& path,
                  std::uint32_t name_index = 0, bool capture = false) {
        engine::PreparedRequest request;
        request.method = method;
        request.target = path;
        request.name_index = name_index;
        request.capture_response = capture;
        const std::size_t before = sink_.completed.size();
        session_->send(0, request);
        io_.restart();
        io_.run_for(std::chrono::seconds(10));
        REQUIRE(sink_.completed.size() == before + 1);
        return sink_.completed.back();
    }

private:
    boost::asio::io_context io_;
    targets::HttpTarget target_;
    RecordingSink sink_;
    std::unique_ptr<engine::TargetSession> session_;
};

inline targets::HttpTargetConfig config_for(const std::string& url) {
    targets::HttpTargetConfig config;
    config.base_url = url;
    config.request_timeout =
        std::chrono::seconds(2);  // a response the parser waits for in vain fails as a timeout
    return config;
}

}  // namespace volley::testing
