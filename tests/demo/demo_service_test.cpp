// DemoService without sockets, on a manual clock (docs/demo.md): routes, logins and the
// bearer + cookie pair, pagination, admin and API key, the counts, and the knobs' decisions
// (deterministic errors, latency, the stall) read from DemoReply::answer_at.
#include "demo/demo_service.hpp"
#include "fakes/manual_clock.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <string>

using namespace std::chrono_literals;
using volley::demo::DemoOptions;
using volley::demo::DemoReply;
using volley::demo::DemoRequest;
using volley::demo::DemoService;
namespace json = boost::json;

namespace {

struct Client {
    DemoService& service;
    std::string token;
    std::string cookie;  // "session=..."

    DemoReply get(std::string_view target, std::string_view api_key = {}) const {
        const std::string authorization = token.empty() ? "" : "Bearer " + token;
        return service.handle(DemoRequest{.method = "GET",
                                          .target = target,
                                          .body = {},
                                          .authorization = authorization,
                                          .cookie = cookie,
                                          .api_key = api_key});
    }
    DemoReply post(std::string_view target, std::string_view body) const {
        return service.handle(DemoRequest{.method = "POST", .target = target, .body = body});
    }
    // Logs in; keeps the token and the session cookie.
    DemoReply login(const std::string& user, const std::string& password) {
        DemoReply reply =
            post("/login", R"({"user":")" + user + R"(","password":")" + password + R"("})");
        if (reply.status != 200) return reply;
        token = std::string(json::parse(reply.body).at("token").as_string());
        for (const auto& [name, value] : reply.headers) {
            if (name == "Set-Cookie") cookie = value.substr(0, value.find(';'));
        }
        return reply;
    }
};

json::value body(const DemoReply& reply) { return json::parse(reply.body); }

std::string header(const DemoReply& reply, std::string_view name) {
    for (const auto& [n, v] : reply.headers) {
        if (n == name) return v;
    }
    return "";
}

}  // namespace

TEST_CASE("demo: login gives a token and a session cookie; /items needs both, pages to the end") {
    volley::testing::ManualClock clock;
    DemoOptions options;
    options.items = 23;
    options.page_size = 10;
    DemoService service(options, clock);
    Client client{service, "", ""};

    const DemoReply login = client.login("user7", "secret");
    REQUIRE(login.status == 200);
    CHECK(body(login).at("user") == "user7");
    CHECK(client.token.size() == 32);
    CHECK(client.cookie.starts_with("session="));
    CHECK(header(login, "Set-Cookie").ends_with("; Path=/; HttpOnly"));

    std::string next = "/items";
    std::vector<std::int64_t> ids;
    int pages = 0;
    while (!next.empty()) {
        const DemoReply page = client.get(next);
        REQUIRE(page.status == 200);
        const auto o = body(page).as_object();
        CHECK(o.at("page").as_int64() == pages + 1);
        for (const auto& item : o.at("items").as_array()) {
            ids.push_back(item.at("id").as_int64());
            CHECK(item.at("name").as_string() == "item-" + std::to_string(ids.back()));
        }
        next = o.at("next").is_null() ? "" : std::string(o.at("next").as_string());
        ++pages;
        REQUIRE(pages <= 10);
    }
    CHECK(pages == 3);
    REQUIRE(ids.size() == 23);
    for (std::size_t i = 0; i < ids.size(); ++i) CHECK(ids[i] == static_cast<std::int64_t>(i + 1));
    CHECK(client.get("/items?page=2").status == 200);
    CHECK(client.get("/items?page=0").status == 400);
    CHECK(client.get("/items?page=x").status == 400);
    CHECK(body(client.get("/items?page=9")).at("items").as_array().empty());

    CHECK(client.get("/items/23").status == 200);
    CHECK(body(client.get("/items/5")).at("name") == "item-5");
    CHECK(client.get("/items/24").status == 404);
    CHECK(client.get("/items/abc").status == 404);

    Client no_cookie{service, client.token, ""};
    Client no_token{service, "", client.cookie};
    Client other{service, "", ""};
    REQUIRE(other.login("user8", "secret").status == 200);
    Client mixed{service, client.token, other.cookie};  // token and cookie of two logins
    for (const Client* c : {&no_cookie, &no_token, &mixed}) {
        const DemoReply refused = c->get("/items");
        CHECK(refused.status == 401);
        CHECK(header(refused, "WWW-Authenticate") == "Bearer");
        CHECK(c->get("/items/1").status == 401);
    }
    Client wrong_token{service, "0123", client.cookie};
    CHECK(wrong_token.get("/items").status == 401);
}

TEST_CASE("demo: register, then log in; wrong passwords, unknown users, bad bodies") {
    volley::testing::ManualClock clock;
    DemoService service(DemoOptions{}, clock);
    Client client{service, "", ""};

    const DemoReply created = client.post("/register", R"({"user":"alice","password":"pw"})");
    CHECK(created.status == 201);
    CHECK(body(created) == json::parse(R"({"id":1,"user":"alice"})"));
    CHECK(client.post("/register", R"({"user":"bob","password":"pw"})").body ==
          R"({"id":2,"user":"bob"})");
    CHECK(client.post("/register", R"({"user":"alice","password":"x"})").status == 409);
    CHECK(client.post("/register", R"({"user":"user12","password":"x"})").status == 409);
    CHECK(client.post("/register", R"({"user":"admin","password":"x"})").status == 409);
    CHECK(client.post("/register", R"({"user":"carol"})").status == 400);
    CHECK(client.post("/register", R"({"user":"","password":"p"})").status == 400);
    CHECK(client.post("/register", "not json").status == 400);
    CHECK(client.post("/register", R"(["alice","pw"])").status == 400);

    CHECK(client.login("alice", "wrong").status == 401);
    CHECK(client.login("nobody", "secret").status == 401);
    CHECK(client.login("user1", "wrong").status == 401);
    CHECK(client.login("users1", "secret").status == 401);
    CHECK(client.post("/login", "{").status == 400);
    CHECK(client.login("alice", "pw").status == 200);
    CHECK(client.get("/items").status == 200);
}

TEST_CASE("demo: /admin/stats is 401 without a token, 403 for a normal user, 200 for admin") {
    volley::testing::ManualClock clock;
    DemoService service(DemoOptions{}, clock);
    Client anonymous{service, "", ""};
    CHECK(anonymous.get("/admin/stats").status == 401);
    CHECK(anonymous.post("/register", R"({"user":"alice","password":"pw"})").status == 201);
    Client user{service, "", ""};
    REQUIRE(user.login("user1", "secret").status == 200);
    CHECK(user.get("/admin/stats").status == 403);
    Client admin{service, "", ""};
    CHECK(admin.login("admin", "secret").status == 401);
    REQUIRE(admin.login("admin", "admin").status == 200);
    const DemoReply stats = admin.get("/admin/stats");
    CHECK(stats.status == 200);
    CHECK(body(stats) == json::parse(R"({"users":1,"logins":2})"));
}

TEST_CASE("demo: /api/v1/data needs X-API-Key: demo-key") {
    volley::testing::ManualClock clock;
    DemoService service(DemoOptions{}, clock);
    Client client{service, "", ""};
    CHECK(client.get("/api/v1/data?key=abc").status == 401);
    CHECK(client.get("/api/v1/data?key=abc", "wrong").status == 401);
    const DemoReply data = client.get("/api/v1/data?key=a%20b", "demo-key");
    REQUIRE(data.status == 200);
    CHECK(body(data).at("key") == "a b");
    CHECK(body(data).at("value").as_int64() < 1000);
    CHECK(client.get("/api/v1/data?key=a+b", "demo-key").body == data.body);  // same key, value
    CHECK(client.get("/api/v1/data", "demo-key").status == 400);
}

TEST_CASE("demo: /__counts counts every request by endpoint and status; /__reset zeroes them") {
    volley::testing::ManualClock clock;
    DemoService service(DemoOptions{}, clock);
    Client client{service, "", ""};
    for (int i = 0; i < 3; ++i) CHECK(client.get("/health").status == 200);
    CHECK(client.post("/health", "").status == 405);
    CHECK(client.get("/items").status == 401);
    CHECK(client.login("user1", "nope").status == 401);
    REQUIRE(client.login("user1", "secret").status == 200);
    CHECK(client.get("/items").status == 200);
    CHECK(client.get("/items/3").status == 200);
    CHECK(client.get("/admin/stats").status == 403);
    CHECK(client.get("/api/v1/data?key=k").status == 401);
    CHECK(client.get("/nowhere").status == 404);
    CHECK(client.post("/register", R"({"user":"a","password":"b"})").status == 201);
    CHECK(client.get("/__counts").status == 200);  // not counted

    const auto expected = json::parse(R"({
        "health": {"requests": 4, "status": {"200": 3, "405": 1}},
        "register": {"requests": 1, "status": {"201": 1}},
        "login": {"requests": 2, "status": {"200": 1, "401": 1}},
        "items": {"requests": 2, "status": {"200": 1, "401": 1}},
        "item": {"requests": 1, "status": {"200": 1}},
        "admin": {"requests": 1, "status": {"403": 1}},
        "api": {"requests": 1, "status": {"401": 1}},
        "other": {"requests": 1, "status": {"404": 1}},
        "unauthorised": 4})");
    CHECK(json::parse(service.counts_json()) == expected);

    CHECK(client.get("/__reset").status == 405);
    CHECK(client.post("/__reset", "").status == 200);
    const auto zero = json::parse(service.counts_json()).as_object();
    CHECK(zero.at("health").at("requests") == 0);
    CHECK(zero.at("login").at("status").as_object().empty());
    CHECK(zero.at("unauthorised") == 0);
}

TEST_CASE("demo: --error-rate fails the n-th eligible request when floor(n*rate) grows") {
    volley::testing::ManualClock clock;
    DemoOptions options;
    options.error_rate = 0.25;
    DemoService service(options, clock);
    Client client{service, "", ""};
    std::vector<int> failed;
    for (int n = 1; n <= 12; ++n) {
        CHECK(client.get("/health").status == 200);   // /health is never failed, nor counted in n
        CHECK(client.get("/nowhere").status == 404);  // nor are unknown paths
        const int status = client.get("/api/v1/data?key=k", "demo-key").status;
        if (status == 503)
            failed.push_back(n);
        else
            CHECK(status == 200);
    }
    CHECK(failed == std::vector<int>{4, 8, 12});
    const auto counts = json::parse(service.counts_json());
    CHECK(counts.at("api").at("status").at("503") == 3);

    options.error_rate = 0.1;
    DemoService tenth(options, clock);
    Client c{tenth, "", ""};
    failed.clear();
    for (int n = 1; n <= 30; ++n) {
        if (c.post("/register", R"({"user":"u)" + std::to_string(n) + R"(","password":"p"})")
                .status == 503)
            failed.push_back(n);
    }
    CHECK(failed == std::vector<int>{10, 20, 30});

    options.error_rate = 0.3;  // not every k-th: floor(n * 0.3) grows at n = 4, 7, 10
    DemoService thirty(options, clock);
    Client d{thirty, "", ""};
    failed.clear();
    for (int n = 1; n <= 10; ++n) {
        if (d.get("/admin/stats").status == 503) failed.push_back(n);
    }
    CHECK(failed == std::vector<int>{4, 7, 10});
}

TEST_CASE("demo: --latency and its jitter set each answer's time") {
    volley::testing::ManualClock clock;
    DemoOptions options;
    options.latency = 100ms;
    options.latency_jitter = 50ms;
    DemoService service(options, clock);
    Client client{service, "", ""};
    bool varied = false;
    std::optional<volley::engine::SteadyClock::duration> first;
    for (int i = 0; i < 20; ++i) {
        const auto before = clock.now();
        const auto delay = client.get("/health").answer_at - before;
        CHECK(delay >= 100ms);
        CHECK(delay <= 150ms);
        if (first && delay != *first) varied = true;
        if (!first) first = delay;
        clock.advance(1s);
    }
    CHECK(varied);
    CHECK(client.get("/__counts").answer_at == clock.now());  // the side channel has none
}

TEST_CASE("demo: after the N-th request, requests in the next --stall-for wait for its end") {
    volley::testing::ManualClock clock;
    DemoOptions options;
    options.stall_after = 3;
    options.stall_for = 2s;
    DemoService service(options, clock);
    Client client{service, "", ""};
    const auto t0 = clock.now();
    for (int i = 0; i < 3; ++i) CHECK(client.get("/health").answer_at == t0);  // 3rd: starts it
    clock.advance(500ms);
    CHECK(client.get("/health").answer_at == t0 + 2s);
    CHECK(client.get("/__counts").answer_at == clock.now());  // not held
    clock.advance(1499ms);
    CHECK(client.get("/items").answer_at == t0 + 2s);
    clock.advance(1ms);
    CHECK(client.get("/health").answer_at == clock.now());  // the stall is over
    clock.advance(10s);
    CHECK(client.get("/health").answer_at == clock.now());  // and happens once

    CHECK(client.post("/__reset", "").status == 200);  // counting starts over: one more stall
    const auto t1 = clock.now();
    for (int i = 0; i < 3; ++i) CHECK(client.get("/health").answer_at == t1);
    CHECK(client.get("/health").answer_at == t1 + 2s);
    clock.advance(1s);
    CHECK(client.post("/__reset", "").status == 200);  // a reset ends the stall too
    CHECK(client.get("/health").answer_at == clock.now());
}
