// The resolver target at its seam: errors carry a reason, successes none.
#include "targets/resolver_target.hpp"
#include "resolver/group.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

using namespace volley;
using engine::Outcome;

namespace {

struct Recorded {
    Outcome outcome = Outcome::ok;
    std::string detail;
};

class RecordingSink final : public engine::CompletionSink {
public:
    void on_complete(std::size_t, const engine::Completion& completion) override {
        completed.push_back({completion.outcome, std::string(completion.error_detail)});
    }
    std::vector<Recorded> completed;
};

Recorded send(engine::TargetSession& session, boost::asio::io_context& io, RecordingSink& sink,
              const std::string& path) {
    engine::PreparedRequest request;
    request.method = "GET";
    request.target = path;
    const std::size_t before = sink.completed.size();
    session.send(0, request);
    io.restart();
    io.run();  // no blocking threads: the lookup is posted to this io_context
    REQUIRE(sink.completed.size() == before + 1);
    return sink.completed.back();
}

}  // namespace

TEST_CASE("resolver target: an error says why, a success says nothing") {
    resolver::ResolverConfig config;
    config.tree = {150, 5, 4};
    auto group = std::make_shared<resolver::ResolverGroup>(config);
    targets::ResolverTarget target(group, 0);
    boost::asio::io_context io;
    RecordingSink sink;
    auto session = target.open_session({io, sink, 0, 1, 1});

    const auto ok = send(*session, io, sink, "/entities/entity_000010/ancestors");
    CHECK(ok.outcome == Outcome::ok);
    CHECK(ok.detail.empty());

    const auto unknown = send(*session, io, sink, "/nothing/here");
    CHECK(unknown.outcome == Outcome::http_4xx);
    CHECK(unknown.detail.rfind("no resolver call at this path", 0) == 0);

    const auto missing = send(*session, io, sink, "/entities/entity_999999/ancestors");
    CHECK(missing.outcome == Outcome::not_found);
    CHECK(missing.detail.rfind("entity not found", 0) == 0);

    const auto invalid = send(*session, io, sink, "/entities/bad-id!/descendants/count");
    CHECK(invalid.outcome == Outcome::http_4xx);
    CHECK(invalid.detail.rfind("invalid entity id", 0) == 0);
}
