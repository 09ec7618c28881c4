// target.http.protocol, max_streams and window_bytes (docs/scenarios.md "target.http").
#include "scenarios/language/loader.hpp"

#include <catch2/catch.hpp>

using namespace volley;
using namespace volley::scenarios;

namespace {

std::string scenario(const std::string& url, const std::string& keys) {
    return "target:\n  http: {base_url: \"" + url + "\"" + keys +
           "}\nload: {rate: 10/s, duration: 1s}\n";
}

std::string error_of(const std::string& yaml) {
    try {
        (void)load_plan_from_string(yaml, "test.yaml", {});
    } catch (const ScenarioError& error) {
        REQUIRE(error.diagnostics().size() == 1);
        return format_diagnostic(error.diagnostics()[0]);
    }
    FAIL("expected a ScenarioError");
    return {};
}

}  // namespace

TEST_CASE("protocol, max_streams and window_bytes are read; HTTP/1.1 is the default",
          "[loader][http2]") {
    const auto plain = load_plan_from_string(scenario("http://127.0.0.1:8080", ""), "t.yaml", {});
    const auto& http1 = std::get<HttpTargetSpec>(plain.target);
    CHECK(http1.protocol == HttpProtocolSpec::h1);
    CHECK(http1.max_streams == 100);
    CHECK(http1.window_bytes == 16U * 1024 * 1024);

    const auto plan = load_plan_from_string(
        scenario("https://127.0.0.1:8443", ", protocol: h2, max_streams: 8, window_bytes: 1048576"),
        "t.yaml", {});
    const auto& http = std::get<HttpTargetSpec>(plan.target);
    CHECK(http.protocol == HttpProtocolSpec::h2);
    CHECK(http.max_streams == 8);
    CHECK(http.window_bytes == 1048576);
    CHECK(plan.run.connections == 64);  // connections stay connections; streams are the target's

    const auto h2c =
        load_plan_from_string(scenario("http://127.0.0.1:8080", ", protocol: h2c"), "t.yaml", {});
    CHECK(std::get<HttpTargetSpec>(h2c.target).protocol == HttpProtocolSpec::h2c);
    const auto automatic =
        load_plan_from_string(scenario("https://127.0.0.1:8443", ", protocol: auto"), "t.yaml", {});
    CHECK(std::get<HttpTargetSpec>(automatic.target).protocol == HttpProtocolSpec::automatic);
}

TEST_CASE("a protocol that does not fit the URL, or is unknown, names the key", "[loader][http2]") {
    CHECK_THAT(
        error_of(scenario("http://127.0.0.1:8080", ", protocol: h2")),
        Catch::Contains("target.http.protocol") && Catch::Contains("needs an https:// base_url"));
    CHECK_THAT(
        error_of(scenario("https://127.0.0.1:8443", ", protocol: h2c")),
        Catch::Contains("target.http.protocol") && Catch::Contains("needs an http:// base_url"));
    CHECK_THAT(error_of(scenario("http://127.0.0.1:8080", ", protocol: http2")),
               Catch::Contains("unknown protocol 'http2' (h1, h2, h2c or auto)"));
    CHECK_THAT(error_of(scenario("http://127.0.0.1:8080", ", max_streams: 0")),
               Catch::Contains("target.http.max_streams"));
    CHECK_THAT(error_of(scenario("http://127.0.0.1:8080", ", window_bytes: 1000")),
               Catch::Contains("target.http.window_bytes"));
}

TEST_CASE(
    "ping_interval_ms and ping_timeout_ms: off by default, the timeout defaults to the "
    "interval, HTTP/2 only",
    "[loader][http2]") {
    const auto off =
        load_plan_from_string(scenario("http://127.0.0.1:8080", ", protocol: h2c"), "t.yaml", {});
    CHECK(std::get<HttpTargetSpec>(off.target).ping_interval.count() == 0);
    CHECK(std::get<HttpTargetSpec>(off.target).ping_timeout.count() == 0);

    const auto interval_only = load_plan_from_string(
        scenario("http://127.0.0.1:8080", ", protocol: h2c, ping_interval_ms: 1500"), "t.yaml", {});
    CHECK(std::get<HttpTargetSpec>(interval_only.target).ping_interval.count() == 1500);
    CHECK(std::get<HttpTargetSpec>(interval_only.target).ping_timeout.count() == 1500);

    const auto both = load_plan_from_string(
        scenario("https://127.0.0.1:8443",
                 ", protocol: auto, ping_interval_ms: 100, ping_timeout_ms: 200"),
        "t.yaml", {});
    CHECK(std::get<HttpTargetSpec>(both.target).ping_interval.count() == 100);
    CHECK(std::get<HttpTargetSpec>(both.target).ping_timeout.count() == 200);

    // HTTP/1.1 (the default protocol, h1, or auto over http://) has no PING.
    for (const std::string keys : {", ping_interval_ms: 100", ", protocol: h1, ping_timeout_ms: 50",
                                   ", protocol: auto, ping_interval_ms: 100"}) {
        INFO(keys);
        const std::string error = error_of(scenario("http://127.0.0.1:8080", keys));
        CHECK_THAT(error, Catch::StartsWith("test.yaml:2:"));
        CHECK_THAT(error, Catch::Contains("target.http.ping_") &&
                              Catch::Contains("PING health is HTTP/2 only"));
    }
    CHECK_THAT(error_of(scenario("http://127.0.0.1:8080", ", protocol: h2c, ping_interval_ms: 5")),
               Catch::Contains("target.http.ping_interval_ms") &&
                   Catch::Contains("5 ms is too short: 0 (off) or 10..3600000"));
    CHECK_THAT(error_of(scenario("http://127.0.0.1:8080", ", protocol: h2c, ping_interval_ms: -1")),
               Catch::Contains("target.http.ping_interval_ms"));
    CHECK_THAT(error_of(scenario("http://127.0.0.1:8080",
                                 ", protocol: h2c, ping_interval_ms: 100, ping_timeout_ms: 0")),
               Catch::Contains("target.http.ping_timeout_ms"));
    CHECK_THAT(error_of(scenario("http://127.0.0.1:8080", ", protocol: h2c, ping_timeout_ms: 100")),
               Catch::Contains("target.http.ping_timeout_ms") &&
                   Catch::Contains("needs ping_interval_ms"));
    CHECK_THAT(
        error_of(scenario("http://127.0.0.1:8080", ", protocol: h2c, ping_interval_ms: fast")),
        Catch::Contains("target.http.ping_interval_ms"));
}

TEST_CASE("pipeline: 1 by default, 1..256, HTTP/1.1 only; errors name the key's line and column",
          "[loader][pipeline]") {
    const auto plain = load_plan_from_string(scenario("http://127.0.0.1:8080", ""), "t.yaml", {});
    CHECK(std::get<HttpTargetSpec>(plain.target).pipeline == 1);
    const auto piped =
        load_plan_from_string(scenario("http://127.0.0.1:8080", ", pipeline: 16"), "t.yaml", {});
    CHECK(std::get<HttpTargetSpec>(piped.target).pipeline == 16);
    const auto automatic = load_plan_from_string(
        scenario("https://127.0.0.1:8443", ", protocol: auto, pipeline: 4"), "t.yaml", {});
    CHECK(std::get<HttpTargetSpec>(automatic.target).pipeline == 4);

    CHECK_THAT(error_of(scenario("http://127.0.0.1:8080", ", pipeline: 0")),
               Catch::StartsWith("test.yaml:2:") && Catch::Contains("target.http.pipeline") &&
                   Catch::Contains("between 1 and 256"));
    CHECK_THAT(error_of(scenario("http://127.0.0.1:8080", ", pipeline: 257")),
               Catch::Contains("target.http.pipeline"));
    CHECK_THAT(error_of(scenario("http://127.0.0.1:8080", ", protocol: h2c, pipeline: 4")),
               Catch::StartsWith("test.yaml:2:") && Catch::Contains("target.http.pipeline") &&
                   Catch::Contains("HTTP/1.1 pipelining and protocol is h2c"));
    CHECK_THAT(error_of(scenario("https://127.0.0.1:8443", ", protocol: h2, pipeline: 2")),
               Catch::Contains("HTTP/1.1 pipelining and protocol is h2"));
    // Depth 1 is no pipelining: fine with HTTP/2.
    CHECK_NOTHROW(load_plan_from_string(
        scenario("http://127.0.0.1:8080", ", protocol: h2c, pipeline: 1"), "t.yaml", {}));
}
