// Journeys end to end: the volley binary runs multi-step journeys against volley's demo service
// (demo/, started here in process on a free loopback port), whose every protected endpoint
// needs the state the journey carries: the login's bearer token AND its session cookie, then
// pagination by the `next` link of each page. Counts are checked against the service's own.
#include "demo/demo_server.hpp"
#include "demo/demo_service.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace volley;
using namespace volley::testing;

namespace {

struct Demo {
    Demo() : server(options()) { server.start(); }
    static demo::DemoOptions options() {
        demo::DemoOptions o;
        o.port = 0;
        o.threads = 1;
        o.items = 50;
        o.page_size = 10;
        return o;
    }
    [[nodiscard]] std::string url() const {
        return "http://127.0.0.1:" + std::to_string(server.port());
    }
    // The service's own count of `endpoint` requests answered `status` (0: all statuses).
    [[nodiscard]] std::uint64_t count(const char* endpoint, int status = 0) {
        const auto counts = boost::json::parse(server.service().counts_json()).as_object();
        const auto& entry = counts.at(endpoint).as_object();
        if (status == 0) return static_cast<std::uint64_t>(number(entry.at("requests")));
        const auto& by_status = entry.at("status").as_object();
        const auto found = by_status.find(std::to_string(status));
        return found == by_status.end() ? 0 : static_cast<std::uint64_t>(number(found->value()));
    }
    [[nodiscard]] std::uint64_t unauthorised() {
        const auto counts = boost::json::parse(server.service().counts_json()).as_object();
        return static_cast<std::uint64_t>(number(counts.at("unauthorised")));
    }
    demo::DemoServer server;
};

std::string write_scenario(const std::string& dir, const std::string& text) {
    const std::string path = dir + "/journey.yaml";
    std::ofstream(path) << text;
    return path;
}

// Completed requests of one request (step) name in summary.json.
std::uint64_t step_count(const boost::json::object& summary, const std::string& name) {
    for (const auto& entry : summary.at("requests").as_array()) {
        const auto& request = entry.as_object();
        if (request.at("name").as_string() == name)
            return static_cast<std::uint64_t>(number(request.at("requests")));
    }
    FAIL("no request named " << name << " in summary.json");
    return 0;
}

std::string shop_scenario(const std::string& url, const std::string& token_path) {
    return R"(
name: shop
target:
  http: {base_url: ")" +
           url + R"(", connections: 32}
load: {rate: 100/s, duration: 4s}
variables:
  uid: {type: range, from: 1, to: 200, mode: random}
journeys:
  - name: shop
    steps:
      - name: login
        method: POST
        path: /login
        headers: {Content-Type: application/json}
        body: '{"user": "user${uid}", "password": "secret"}'
        extract:
          token: {json: ")" +
           token_path + R"("}
        check:
          - {name: session cookie set, header: Set-Cookie, matches: "^session="}
      - name: first-page
        path: /items?page=1
        auth: {bearer: "${token}"}
        extract:
          next: {json: $.next}
          item: {json: "$.items[0].id"}
      - name: next-pages
        path: ${next|raw}
        auth: {bearer: "${token}"}
        repeat: 10
        while: $.next
        extract:
          next: {json: $.next}
      - name: item
        path: /items/${item}
        auth: {bearer: "${token}"}
        check:
          - {name: item found, status: 200}
thresholds:
  - error_rate == 0
)";
}

}  // namespace

TEST_CASE("journeys carry token, cookie and pagination: no unauthorised answer, counts equal",
          "[journeys]") {
    Demo service;
    const std::string dir = make_temp_dir("volley-journeys");
    const auto scenario = write_scenario(dir, shop_scenario(service.url(), "$.token"));
    const auto result = run_volley({"run", scenario, "-o", dir + "/out", "-q"});
    INFO(result.out << result.err);
    CHECK(result.exit_code == 0);
    const auto summary = read_summary(dir + "/out");
    // 100/s for 4 s: 400 journeys of login, first page, 4 next pages (50 items, 10 a page), item.
    const std::uint64_t journeys = step_count(summary, "shop.login");
    CHECK(journeys == 400);
    CHECK(service.unauthorised() == 0);
    CHECK(service.count("login", 200) == journeys);
    CHECK(step_count(summary, "shop.first-page") == journeys);
    CHECK(step_count(summary, "shop.next-pages") == 4 * journeys);
    CHECK(service.count("items", 200) == 5 * journeys);
    CHECK(service.count("items") == 5 * journeys);
    CHECK(step_count(summary, "shop.item") == journeys);
    CHECK(service.count("item", 200) == journeys);
    CHECK(at(summary, {"totals", "requests"}) == static_cast<double>(7 * journeys));
}
