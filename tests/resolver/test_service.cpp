// The HTTP service over a real socket (Beast client), embedded backend; and the guarantee that
// malformed ids in URLs never reach a backend (counting fakes).
#include "fakes/resolver_fakes.hpp"
#include "resolver/group.hpp"
#include "resolver/service/http_service.hpp"
#include "service_client.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace volley::resolver;
using volley::resolver::test::Client;
using volley::resolver::test::Reply;
namespace http = boost::beast::http;
namespace json = boost::json;

TEST_CASE("service: routes, status codes and X-Cache-Tier over HTTP", "[unit][service]") {
    ResolverConfig cfg;
    cfg.dataset = ResolverConfig::Dataset::geo_seed;
    ResolverGroup group(cfg);
    HttpService service(group, ServiceOptions{"127.0.0.1", 0, 2});
    service.start();
    REQUIRE(service.port() != 0);
    Client c(service.port());

    auto a = c.call(http::verb::get, "/entities/france/ancestors");
    CHECK(a.status == 200);
    CHECK(a.tier == "L3");
    auto body = json::parse(a.body).as_object();
    CHECK(body["ancestors"] == json::parse(R"(["world","europe"])"));
    CHECK(body["served_by"] == "L3");
    CHECK(c.call(http::verb::get, "/entities/france/ancestors").tier == "L1");

    auto n = c.call(http::verb::get, "/entities/europe/descendants/count");
    CHECK(n.status == 200);
    CHECK(json::parse(n.body).as_object()["descendant_count"] == 2);

    CHECK(c.call(http::verb::get, "/entities/bad.id/ancestors").status == 400);
    CHECK(c.call(http::verb::get, "/entities/a%20b/ancestors").status == 400);
    auto missing = c.call(http::verb::get, "/entities/atlantis/ancestors");
    CHECK(missing.status == 404);
    CHECK(missing.tier == "L4");
    CHECK(c.call(http::verb::get, "/entities/atlantis/ancestors").tier == "L1");  // negative cache

    auto ins = c.call(http::verb::post, "/entities",
                      R"({"entity_id":"paris","name":"Paris","parent_id":"france"})");
    CHECK(ins.status == 201);
    CHECK(json::parse(ins.body).as_object()["path"] == "world.europe.western_europe.france.paris");
    auto paris = c.call(http::verb::get, "/entities/paris/ancestors");
    CHECK(paris.status == 200);
    CHECK(json::parse(paris.body).as_object()["ancestors"] ==
          json::parse(R"(["world","europe","france"])"));
    CHECK(c.call(http::verb::get, "/entities/europe/descendants/count")
              .body.find("\"descendant_count\":3") != std::string::npos);
    CHECK(c.call(http::verb::post, "/entities", R"({"entity_id":"europe","parent_id":"paris"})")
              .status == 409);
    CHECK(c.call(http::verb::post, "/entities", R"({"entity_id":"x","parent_id":"nowhere"})")
              .status == 404);
    CHECK(c.call(http::verb::post, "/entities", "not json").status == 400);
    CHECK(c.call(http::verb::post, "/entities", R"({"entity_id":"a.b"})").status == 400);

    auto refresh = c.call(http::verb::post, "/admin/refresh");
    CHECK(refresh.status == 200);
    CHECK(json::parse(refresh.body).as_object().contains("duration_ms"));
    CHECK(c.call(http::verb::get, "/healthz").status == 200);
    auto prom = c.call(http::verb::get, "/metrics");
    CHECK(prom.status == 200);
    CHECK(prom.content_type.starts_with("text/plain; version=0.0.4"));
    CHECK(prom.body.find(
              "volley_resolver_requests_total{kind=\"ancestors\",status=\"invalid_id\"} 2") !=
          std::string::npos);
    auto perf = json::parse(c.call(http::verb::get, "/metrics/cache").body).as_object();
    CHECK(perf.contains("l1_cache"));
    CHECK(perf["overall"].as_object().contains("cache_efficiency"));
    CHECK(c.call(http::verb::delete_, "/entities/france/ancestors").status == 405);
    CHECK(c.call(http::verb::get, "/nope").status == 404);
    CHECK(c.call(http::verb::get, "/entities/france/siblings").status == 404);
    service.stop();
}

TEST_CASE("service: malformed ids never reach a backend", "[unit][service][fake]") {
    auto store = std::make_shared<EmbeddedStore>();
    store->load(geo_seed());
    auto backend = std::make_shared<fakes::CountingStore>(store);
    auto l2 = std::make_shared<fakes::CountingL2>();
    Backends b{l2, backend, backend, std::make_shared<GenerationClock>()};
    ResolverGroup group(ResolverOptions{}, b, 1);
    for (const char* target :
         {"/entities/a.b/ancestors", "/entities/a%2Eb/descendants/count", "/entities//ancestors",
          "/entities/x;y/ancestors",
          "/entities/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"
          "ancestors"}) {
        INFO(target);
        CHECK(handle_request(group, 0, "GET", target, "").status == 400);
    }
    CHECK(handle_request(group, 0, "POST", "/entities", R"({"entity_id":"bad id","parent_id":""})")
              .status == 400);
    CHECK(backend->calls() == 0);
    CHECK(l2->calls() == 0);
}

TEST_CASE("service: L1 hits and malformed ids are answered in memory, as handle_request would",
          "[unit][service][fake]") {
    auto store = std::make_shared<EmbeddedStore>();
    store->load(geo_seed());
    store->refresh_views(Clock::now());
    auto backend = std::make_shared<fakes::CountingStore>(store);
    auto l2 = std::make_shared<fakes::CountingL2>();
    auto clock = std::make_shared<GenerationClock>();
    clock->advance_to(store->data_generation(Clock::now()));
    Backends b{l2, backend, backend, clock};
    ResolverGroup group(ResolverOptions{}, b, 1);

    // Misses, writes and other routes need the blocking path: no answer, no backend call.
    CHECK_FALSE(answer_in_memory(group, 0, "GET", "/entities/france/ancestors"));
    CHECK_FALSE(answer_in_memory(group, 0, "GET", "/entities/europe/descendants/count?x=1"));
    CHECK_FALSE(answer_in_memory(group, 0, "GET", "/entities/france/ancestors/naive"));
    CHECK_FALSE(answer_in_memory(group, 0, "POST", "/entities"));
    CHECK_FALSE(answer_in_memory(group, 0, "GET", "/healthz"));
    CHECK(backend->calls() == 0);

    const auto filled = handle_request(group, 0, "GET", "/entities/france/ancestors", "");
    REQUIRE(filled.status == 200);
    const auto hit = answer_in_memory(group, 0, "GET", "/entities/france/ancestors");
    REQUIRE(hit);
    CHECK(hit->status == 200);
    const auto filled_body = json::parse(filled.body).as_object();
    const auto hit_body = json::parse(hit->body).as_object();
    CHECK(hit_body.at("ancestors") == filled_body.at("ancestors"));
    CHECK(hit_body.at("served_by") == "L1");
    REQUIRE(hit->headers.size() == 1);
    CHECK(hit->headers[0] == std::pair<std::string, std::string>{"X-Cache-Tier", "L1"});

    REQUIRE(handle_request(group, 0, "GET", "/entities/europe/descendants/count", "").status ==
            200);
    const auto count = answer_in_memory(group, 0, "GET", "/entities/europe/descendants/count");
    REQUIRE(count);
    const auto count_body = json::parse(count->body).as_object();
    CHECK(count_body.at("entity_id") == "europe");
    CHECK(count_body.at("descendant_count") == 2);

    const auto bad = answer_in_memory(group, 0, "GET", "/entities/a.b/descendants/count");
    REQUIRE(bad);
    CHECK(bad->status == 400);
    CHECK(backend->calls() == 2);  // the filling lookups' view reads only
}

namespace {

// Sends `raw` on a fresh connection after one ordinary request, reads the answers in order;
// `closed_after` tells whether the service then closed the connection (EOF, not a reset).
struct RawExchange {
    int first_status = 0;
    int status = 0;
    std::string connection;
    std::string error_code;
    bool closed_after = false;
};

RawExchange send_after_a_good_request(unsigned short port, const std::string& raw) {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket socket(ioc);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    const std::string good = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    boost::asio::write(socket, boost::asio::buffer(good + raw));
    boost::beast::flat_buffer buffer;
    RawExchange out;
    http::response<http::string_body> first;
    http::read(socket, buffer, first);
    out.first_status = static_cast<int>(first.result_int());
    http::response<http::string_body> refused;
    http::read(socket, buffer, refused);
    out.status = static_cast<int>(refused.result_int());
    out.connection = std::string(refused[http::field::connection]);
    out.error_code = std::string(json::parse(refused.body()).as_object()["error"].as_string());
    char byte = 0;
    boost::system::error_code ec;
    const auto n = socket.read_some(boost::asio::buffer(&byte, 1), ec);
    out.closed_after = n == 0 && ec == boost::asio::error::eof;
    return out;
}

}  // namespace

TEST_CASE("service: an oversized request is answered 414/431/413, not dropped", "[unit][service]") {
    ResolverConfig cfg;
    cfg.dataset = ResolverConfig::Dataset::geo_seed;
    ResolverGroup group(cfg);
    HttpService service(group, ServiceOptions{"127.0.0.1", 0, 2});
    service.start();
    struct Case {
        const char* what;
        std::string raw;
        int status;
        const char* code;
    };
    const std::vector<Case> cases{
        {"a 100,000-character id",
         "GET /entities/" + std::string(100'000, 'a') +
             "/ancestors HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
         414, "uri_too_long"},
        {"a 20,000-byte header field",
         "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(20'000, 'b') +
             "\r\n\r\n",
         431, "header_fields_too_large"},
        {"a 2 MiB body announced",
         "POST /entities HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2097152\r\n\r\n{", 413,
         "content_too_large"},
        {"a request line that is not HTTP", "GET /healthz HTTP/9.9 what\r\n\r\n", 400,
         "bad_request"},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        const auto exchange = send_after_a_good_request(service.port(), c.raw);
        CHECK(exchange.first_status == 200);  // the request before it, answered in order
        CHECK(exchange.status == c.status);
        CHECK(exchange.error_code == c.code);
        CHECK(exchange.connection == "close");
        CHECK(exchange.closed_after);
    }
    // The service goes on serving.
    Client after(service.port());
    CHECK(after.call(http::verb::get, "/entities/france/ancestors").status == 200);
    service.stop();
}
