// DemoServer on an ephemeral loopback port, driven over HTTP by DemoClient (demo_client.hpp):
// the journey the example scenario walks (login -> token + cookie -> every page of items), the
// refusals, keep-alive, the counts as /__counts reports them, and the stall on the wall clock
// (bounded: the answer comes no earlier than the stall's end; nothing asserted on speed).
#include "demo/demo_server.hpp"
#include "demo_client.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using volley::demo::DemoOptions;
using volley::demo::DemoServer;
using volley::testing::DemoClient;
namespace json = boost::json;

namespace {

DemoOptions ephemeral() {
    DemoOptions o;
    o.port = 0;
    o.threads = 2;
    return o;
}

std::string cookie_of(const volley::testing::DemoResponse& login) {
    const std::string set_cookie(login.headers[boost::beast::http::field::set_cookie]);
    return set_cookie.substr(0, set_cookie.find(';'));
}

}  // namespace

TEST_CASE("demo server: a login journey over one keep-alive connection, and the counts") {
    DemoOptions options = ephemeral();
    options.items = 25;
    options.page_size = 10;
    DemoServer server(options);
    server.start();
    REQUIRE(server.port() != 0);
    DemoClient client(server.port());

    const auto health = client.get("/health");
    CHECK(health.status == 200);
    CHECK(health.body == R"({"status":"ok"})");
    CHECK(health.headers[boost::beast::http::field::content_type] == "application/json");
    CHECK(health.headers[boost::beast::http::field::server] == "demo-volley");

    const auto login = client.post("/login", R"({"user":"user42","password":"secret"})");
    REQUIRE(login.status == 200);
    const std::string token(json::parse(login.body).at("token").as_string());
    const std::string cookie = cookie_of(login);
    REQUIRE(cookie.starts_with("session="));
    const std::vector<std::pair<std::string, std::string>> auth{
        {"Authorization", "Bearer " + token}, {"Cookie", "theme=dark; " + cookie}};

    std::string next = "/items?page=1";
    int pages = 0;
    std::size_t items = 0;
    while (!next.empty() && pages < 10) {
        const auto page = client.get(next, auth);
        REQUIRE(page.status == 200);
        const auto o = json::parse(page.body).as_object();
        items += o.at("items").as_array().size();
        next = o.at("next").is_null() ? "" : std::string(o.at("next").as_string());
        ++pages;
    }
    CHECK(pages == 3);
    CHECK(items == 25);
    CHECK(client.get("/items/25", auth).status == 200);
    CHECK(client.get("/items", {{"Authorization", "Bearer " + token}}).status == 401);
    CHECK(client.get("/items", {{"Cookie", cookie}}).status == 401);
    CHECK(client.get("/admin/stats", auth).status == 403);
    CHECK(client.get("/api/v1/data?key=x", {{"X-API-Key", "demo-key"}}).status == 200);
    CHECK(client.get("/api/v1/data?key=x").status == 401);

    const auto counts = json::parse(client.get("/__counts").body);
    CHECK(counts.at("health") == json::parse(R"({"requests":1,"status":{"200":1}})"));
    CHECK(counts.at("login") == json::parse(R"({"requests":1,"status":{"200":1}})"));
    CHECK(counts.at("items") == json::parse(R"({"requests":5,"status":{"200":3,"401":2}})"));
    CHECK(counts.at("item") == json::parse(R"({"requests":1,"status":{"200":1}})"));
    CHECK(counts.at("admin") == json::parse(R"({"requests":1,"status":{"403":1}})"));
    CHECK(counts.at("api") == json::parse(R"({"requests":2,"status":{"200":1,"401":1}})"));
    CHECK(counts.at("unauthorised") == 4);
    CHECK(client.post("/__reset", "").status == 200);
    CHECK(json::parse(client.get("/__counts").body).at("items").at("requests") == 0);
    server.stop();
}

TEST_CASE("demo server: a request during the stall is answered no earlier than the stall's end") {
    DemoOptions options = ephemeral();
    options.stall_after = 1;
    options.stall_for = 300ms;
    DemoServer server(options);
    server.start();
    DemoClient client(server.port());
    const auto started = std::chrono::steady_clock::now();
    CHECK(client.get("/health").status == 200);  // the 1st request: starts the stall
    CHECK(client.get("/health").status == 200);  // held until the stall ends
    CHECK(std::chrono::steady_clock::now() - started >= 300ms);
}

TEST_CASE("demo server: a port in use is an error naming the address") {
    DemoServer first(ephemeral());
    first.start();
    DemoOptions options = ephemeral();
    options.port = first.port();
    DemoServer second(options);
    CHECK_THROWS_WITH(second.start(), Catch::Contains("cannot listen on 127.0.0.1:" +
                                                      std::to_string(first.port())));
}
