// HTTP/1.1 pipelining (targets/http_pipeline_connection.hpp, target.http.pipeline) against a
// loopback server that answers only in batches (tests/support/pipeline_server.hpp): requests
// really share a connection, responses are matched in order however they are split over reads,
// and every request completes exactly once when the server closes or a request times out.
#include "support/pipeline_server.hpp"
#include "support/scripted_server.hpp"
#include "targets/http_target.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

using namespace volley;
using namespace volley::testing;
using namespace std::chrono_literals;
using engine::Outcome;

namespace {

struct Done {
    Outcome outcome = Outcome::ok;
    int status = 0;
    std::string detail, body;
};

// Records completions by slot; stops the io_context once `expected` have arrived.
class SlotSink final : public engine::CompletionSink {
public:
    explicit SlotSink(boost::asio::io_context& io) : io_(io) {}
    void on_complete(std::size_t slot, const engine::Completion& completion) override {
        Done done{completion.outcome, completion.status, std::string(completion.error_detail), {}};
        if (completion.response) done.body = completion.response->body;
        completed.emplace_back(slot, std::move(done));
        if (completed.size() >= expected) io_.stop();
    }
    std::vector<std::pair<std::size_t, Done>> completed;
    std::size_t expected = 0;

private:
    boost::asio::io_context& io_;
};

using Requests = std::vector<std::pair<std::string, std::string>>;  // method, path

// One worker's session with `slots` slots over a pipelined (or not) HttpTarget.
class Pipelined {
public:
    Pipelined(const std::string& url, std::uint32_t depth, std::size_t slots,
              std::chrono::milliseconds request_timeout = 2000ms)
        : target_(config(url, depth, request_timeout)),
          sink_(io_),
          session_(target_.open_session({io_, sink_, 0, 1, slots})) {}

    // Sends request i on slot i, all in the same turn, and runs until each has completed; then
    // a little longer, so that a second completion of any of them would be seen. Returns the
    // completions by slot; a slot completed twice fails the test.
    std::map<std::size_t, Done> send(const Requests& requests) {
        sink_.completed.clear();
        sink_.expected = requests.size();
        start(requests, 0);
        io_.restart();
        io_.run_for(10s);
        REQUIRE(sink_.completed.size() == requests.size());
        sink_.expected = requests.size() + 1;
        io_.restart();
        io_.run_for(50ms);
        std::map<std::size_t, Done> out;
        for (auto& [slot, done] : sink_.completed) REQUIRE(out.emplace(slot, done).second);
        REQUIRE(out.size() == requests.size());
        return out;
    }

    // Sends request i on slot first + i, without running the io_context.
    void start(const Requests& requests, std::size_t first) {
        for (std::size_t i = 0; i < requests.size(); ++i) {
            engine::PreparedRequest request;
            request.method = requests[i].first;
            request.target = requests[i].second;
            request.capture_response = true;
            if (request.method == "POST") request.body = "b";
            session_->send(first + i, request);
        }
    }

    void abort() { session_->abort_all(); }
    std::vector<std::pair<std::size_t, Done>>& completed() { return sink_.completed; }
    boost::asio::io_context& io() { return io_; }

private:
    static targets::HttpTargetConfig config(const std::string& url, std::uint32_t depth,
                                            std::chrono::milliseconds request_timeout) {
        targets::HttpTargetConfig config;
        config.base_url = url;
        config.request_timeout = request_timeout;
        config.pipeline = depth;
        return config;
    }

    boost::asio::io_context io_;
    targets::HttpTarget target_;
    SlotSink sink_;
    std::unique_ptr<engine::TargetSession> session_;
};

}  // namespace

TEST_CASE(
    "http pipelining: requests share one connection, so a server answering only batches "
    "of 4 answers them",
    "[pipeline]") {
    PipelineServer server({4});
    SECTION("pipeline 4: one connection, in order, every round") {
        Pipelined session(server.url(), 4, 4);
        for (int round = 0; round < 2; ++round) {
            const auto done =
                session.send({{"GET", "/a"}, {"GET", "/b"}, {"GET", "/c"}, {"GET", "/d"}});
            for (const auto& [slot, result] : done) {
                CHECK(result.outcome == Outcome::ok);
                CHECK(result.body == std::string("GET /") + static_cast<char>('a' + slot));
            }
        }
        const auto counts = server.counts();
        CHECK(counts.connections == 1);
        CHECK(counts.received == 8);
        CHECK(counts.answered == 8);
    }
    SECTION("without pipelining each request waits alone on its connection and times out") {
        Pipelined session(server.url(), 1, 4, 300ms);
        const auto done =
            session.send({{"GET", "/a"}, {"GET", "/b"}, {"GET", "/c"}, {"GET", "/d"}});
        for (const auto& [slot, result] : done) CHECK(result.outcome == Outcome::timeout);
        CHECK(server.counts().answered == 0);
    }
}

TEST_CASE(
    "http pipelining: responses many to a read or split over reads, HEAD, 204 and 304 "
    "inside the pipeline, are matched in order",
    "[pipeline]") {
    const std::size_t split = GENERATE(std::size_t{0}, std::size_t{7});
    PipelineServer server({8, split});
    Pipelined session(server.url(), 8, 8);
    const Requests requests{{"GET", "/one"},   {"HEAD", "/h"},  {"GET", "/two"}, {"GET", "/204"},
                            {"GET", "/three"}, {"GET", "/304"}, {"HEAD", "/h2"}, {"GET", "/four"}};
    const auto done = session.send(requests);
    for (const auto& [slot, result] : done) {
        INFO("slot " << slot << " split " << split);
        const auto& [method, path] = requests[slot];
        if (method == "HEAD") {
            CHECK(result.outcome == Outcome::ok);
            CHECK(result.status == 200);
            CHECK(result.body.empty());
        } else if (path == "/204" || path == "/304") {
            CHECK(result.status == std::stoi(path.substr(1)));
            CHECK(result.body.empty());
        } else {
            CHECK(result.outcome == Outcome::ok);
            CHECK(result.body == method + " " + path);
        }
    }
    const auto counts = server.counts();
    CHECK(counts.connections == 1);
    CHECK(counts.answered == requests.size());
}

TEST_CASE(
    "http pipelining: a server that closes after some answers: idempotent requests behind "
    "are sent once more, a POST behind fails with the reason",
    "[pipeline]") {
    PipelineServer server({1, 0, 3});  // answers 3 requests per connection, then closes
    Pipelined session(server.url(), 8, 8);
    SECTION("GETs: every one answered once, nothing lost") {
        const auto done = session.send(
            {{"GET", "/1"}, {"GET", "/2"}, {"GET", "/3"}, {"GET", "/4"}, {"GET", "/5"}});
        for (const auto& [slot, result] : done) {
            CHECK(result.outcome == Outcome::ok);
            CHECK(result.body == "GET /" + std::to_string(slot + 1));
        }
        const auto counts = server.counts();
        CHECK(counts.connections == 2);
        CHECK(counts.answered == 5);
    }
    SECTION("a POST behind the first unanswered request is not sent again") {
        const auto done = session.send({{"GET", "/1"},
                                        {"GET", "/2"},
                                        {"GET", "/3"},
                                        {"GET", "/4"},
                                        {"POST", "/5"},
                                        {"GET", "/6"}});
        for (const auto& [slot, result] : done) {
            INFO("slot " << slot << ": " << result.detail);
            if (slot == 4) {
                CHECK(result.outcome == Outcome::reset);
                CHECK(result.detail ==
                      "connection closed with 3 pipelined requests unanswered (not idempotent: "
                      "not sent again)");
            } else {
                CHECK(result.outcome == Outcome::ok);
            }
        }
        const auto counts = server.counts();
        CHECK(counts.answered == 5);
        CHECK(std::count(counts.answered_lines.begin(), counts.answered_lines.end(), "POST /5") ==
              0);
    }
}

TEST_CASE(
    "http pipelining: the head's timeout completes it once; idempotent requests behind are "
    "sent again, others time out with the reason",
    "[pipeline]") {
    PipelineServer server({1});  // answers one by one, never "/hold" nor what follows it
    Pipelined session(server.url(), 4, 4, 300ms);
    const auto done =
        session.send({{"GET", "/hold"}, {"GET", "/a"}, {"POST", "/b"}, {"GET", "/c"}});
    CHECK(done.at(0).outcome == Outcome::timeout);
    CHECK(done.at(0).detail == "no response within 300ms (timeout)");
    CHECK(done.at(1).outcome == Outcome::ok);
    CHECK(done.at(1).body == "GET /a");
    CHECK(done.at(2).outcome == Outcome::timeout);
    CHECK(done.at(2).detail ==
          "no response: the request ahead of it on its pipelined connection timed out (4 requests "
          "unanswered; not idempotent: not sent again)");
    CHECK(done.at(3).outcome == Outcome::ok);
    const auto counts = server.counts();
    CHECK(counts.connections == 2);
    CHECK(counts.answered == 2);
}

TEST_CASE("http pipelining: abort cancels every request in flight or queued", "[pipeline]") {
    PipelineServer server({100});  // never answers these
    Pipelined session(server.url(), 4, 8);
    session.start({{"GET", "/1"}, {"GET", "/2"}, {"GET", "/3"}, {"GET", "/4"}}, 0);
    session.io().restart();
    session.io().run_for(50ms);  // written, unanswered
    session.start({{"GET", "/5"}, {"GET", "/6"}, {"GET", "/7"}, {"GET", "/8"}}, 4);  // queued
    session.abort();
    REQUIRE(session.completed().size() == 8);
    for (const auto& [slot, result] : session.completed())
        CHECK(result.outcome == Outcome::cancelled);
    CHECK(server.counts().received == 4);
}

TEST_CASE("http pipelining: bytes past the last response in flight close the connection",
          "[pipeline]") {
    ScriptedServer server([](const ScriptedRequest&) {
        return ScriptedReply{http_response(200, "ok") + "HTTP/1.1 200 junk"};
    });
    Pipelined session(server.url(), 4, 4);
    for (int round = 0; round < 2; ++round) {
        const auto done = session.send({{"GET", "/extra"}});
        CHECK(done.at(0).outcome == Outcome::ok);
        CHECK(done.at(0).body == "ok");
    }
    CHECK(server.connections() == 2);
}
