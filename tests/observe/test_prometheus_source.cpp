// The Prometheus scrape source (observe/prometheus_source.hpp) against a scripted HTTP server on
// 127.0.0.1: counter rates with resets, gauge sums, histogram quantiles worked out by hand,
// summaries, the family filter, and every way a scrape fails.
#include "observe/prometheus_source.hpp"

#include "support/scripted_server.hpp"

#include <catch2/catch.hpp>

#include <deque>
#include <mutex>
#include <optional>

using volley::observe::make_prometheus_source;
using volley::observe::PrometheusSourceSpec;
using volley::observe::SampleContext;
using volley::observe::SourceError;
using volley::observe::SourceSample;
using volley::reports::ObservedKind;
using volley::testing::http_response;
using volley::testing::ScriptedReply;
using volley::testing::ScriptedServer;

namespace {

constexpr auto kTimeout = std::chrono::milliseconds(2000);

// Answers each scrape with the next scripted reply (the last one again when they run out).
class ScriptedEndpoint {
public:
    explicit ScriptedEndpoint(std::deque<std::string> replies)
        : replies_(std::move(replies)), server_([this](const auto&) { return next(); }) {}

    [[nodiscard]] std::string url() const { return server_.url() + "/metrics"; }
    ScriptedServer& server() { return server_; }

private:
    ScriptedReply next() {
        std::lock_guard lock(mutex_);
        ScriptedReply reply{replies_.front()};
        if (replies_.size() > 1) replies_.pop_front();
        return reply;
    }
    std::mutex mutex_;
    std::deque<std::string> replies_;
    ScriptedServer server_;
};

std::string ok(const std::string& body) {
    return http_response(200, body, "Content-Type: text/plain; version=0.0.4\r\n");
}

const volley::reports::ObservedValue* find(const SourceSample& sample, std::string_view series) {
    for (const auto& value : sample.values)
        if (value.series == series) return &value;
    return nullptr;
}

SampleContext interval(double seconds) { return SampleContext{seconds, 0, {}, {}}; }

std::string scrape_error(volley::observe::ObserveSource& source) {
    try {
        (void)source.sample(interval(1));
    } catch (const SourceError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("prometheus source: counter rates, gauge sums and histogram quantiles per interval") {
    const std::string types =
        "# TYPE c_total counter\n# TYPE g gauge\n# TYPE h_seconds histogram\n";
    ScriptedEndpoint endpoint({
        ok(types +
           "c_total{a=\"1\"} 10\nc_total{a=\"2\"} 5\n"
           "g{x=\"1\"} 3\ng{x=\"2\"} 4\n"
           "h_seconds_bucket{s=\"A\",le=\"0.1\"} 1\nh_seconds_bucket{s=\"A\",le=\"0.5\"} 1\n"
           "h_seconds_bucket{s=\"A\",le=\"1\"} 1\nh_seconds_bucket{s=\"A\",le=\"+Inf\"} 1\n"
           "h_seconds_bucket{s=\"B\",le=\"0.1\"} 0\nh_seconds_bucket{s=\"B\",le=\"0.5\"} 0\n"
           "h_seconds_bucket{s=\"B\",le=\"1\"} 0\nh_seconds_bucket{s=\"B\",le=\"+Inf\"} 0\n"
           "h_seconds_sum 0.05\nh_seconds_count 1\nu 2\n"),
        // a="1" rose by 20; a="2" fell to 2: a reset, so 2 is its increase. A's buckets rose by
        // 1, 4, 4, 5 and B's by 1, 4, 5, 5: summed 2, 8, 9, 10 observations at or below
        // 0.1, 0.5, 1, +Inf.
        ok(types +
           "c_total{a=\"1\"} 30\nc_total{a=\"2\"} 2\n"
           "g{x=\"1\"} 5\ng{x=\"2\"} 1\n"
           "h_seconds_bucket{s=\"A\",le=\"0.1\"} 2\nh_seconds_bucket{s=\"A\",le=\"0.5\"} 5\n"
           "h_seconds_bucket{s=\"A\",le=\"1\"} 5\nh_seconds_bucket{s=\"A\",le=\"+Inf\"} 6\n"
           "h_seconds_bucket{s=\"B\",le=\"0.1\"} 1\nh_seconds_bucket{s=\"B\",le=\"0.5\"} 4\n"
           "h_seconds_bucket{s=\"B\",le=\"1\"} 5\nh_seconds_bucket{s=\"B\",le=\"+Inf\"} 5\n"
           "h_seconds_sum 3\nh_seconds_count 11\nu 2\n"),
        // Nothing observed: no quantiles; the counter did not move.
        ok(types +
           "c_total{a=\"1\"} 30\nc_total{a=\"2\"} 2\n"
           "g{x=\"1\"} 5\ng{x=\"2\"} 1\n"
           "h_seconds_bucket{s=\"A\",le=\"0.1\"} 2\nh_seconds_bucket{s=\"A\",le=\"0.5\"} 5\n"
           "h_seconds_bucket{s=\"A\",le=\"1\"} 5\nh_seconds_bucket{s=\"A\",le=\"+Inf\"} 6\n"
           "h_seconds_bucket{s=\"B\",le=\"0.1\"} 1\nh_seconds_bucket{s=\"B\",le=\"0.5\"} 4\n"
           "h_seconds_bucket{s=\"B\",le=\"1\"} 5\nh_seconds_bucket{s=\"B\",le=\"+Inf\"} 5\n"
           "h_seconds_sum 3\nh_seconds_count 11\nu 2\n"),
    });
    auto source = make_prometheus_source(PrometheusSourceSpec{endpoint.url(), {}}, kTimeout);
    CHECK(source->name() == "prometheus " + endpoint.url());

    const auto baseline = source->sample(interval(0));
    CHECK(find(baseline, "prom.c_total") == nullptr);
    CHECK(find(baseline, "prom.h_seconds.p50") == nullptr);
    REQUIRE(find(baseline, "prom.g") != nullptr);
    CHECK(find(baseline, "prom.g")->point.num == 7);
    CHECK(find(baseline, "prom.u")->point.num == 2);  // untyped: a gauge

    const auto second = source->sample(interval(2));
    const auto* counter = find(second, "prom.c_total");
    REQUIRE(counter != nullptr);
    CHECK(counter->kind == ObservedKind::rate);
    CHECK(counter->unit == "1/s");
    CHECK(counter->point.num == 22);
    CHECK(counter->point.den == 2);
    CHECK(find(second, "prom.g")->point.num == 6);
    CHECK(find(second, "prom.g")->kind == ObservedKind::gauge);
    const auto* p50 = find(second, "prom.h_seconds.p50");
    REQUIRE(p50 != nullptr);
    CHECK(p50->kind == ObservedKind::peak);
    CHECK(p50->unit == "seconds");
    CHECK(p50->point.num == Approx(0.1 + 0.4 * 3.0 / 6.0));               // rank 5 in (0.1, 0.5]
    CHECK(find(second, "prom.h_seconds.p90")->point.num == Approx(1.0));  // rank 9: top of (0.5, 1]
    CHECK(find(second, "prom.h_seconds.p99")->point.num == 1);  // rank 9.9 in +Inf: highest bound

    const auto third = source->sample(interval(1));
    CHECK(find(third, "prom.c_total")->point.num == 0);
    CHECK(find(third, "prom.h_seconds.p50") == nullptr);
}

TEST_CASE("prometheus source: only the listed families; a missing one is noted once") {
    ScriptedEndpoint endpoint({ok("# TYPE g gauge\ng 1\n# TYPE other gauge\nother 5\n")});
    auto source = make_prometheus_source(
        PrometheusSourceSpec{endpoint.url(), {"g", "absent_total"}}, kTimeout);
    const auto first = source->sample(interval(0));
    CHECK(first.values.size() == 1);
    CHECK(find(first, "prom.g") != nullptr);
    REQUIRE(first.notes.size() == 1);
    CHECK(first.notes[0].find("no metric family absent_total") != std::string::npos);
    CHECK(source->sample(interval(1)).notes.empty());
}

TEST_CASE("prometheus source: a summary gives its count rate and mean, with a note") {
    ScriptedEndpoint endpoint({
        ok("# TYPE rpc_seconds summary\nrpc_seconds{quantile=\"0.5\"} 0.1\n"
           "rpc_seconds_sum 10\nrpc_seconds_count 100\n"),
        ok("# TYPE rpc_seconds summary\nrpc_seconds{quantile=\"0.5\"} 0.1\n"
           "rpc_seconds_sum 16\nrpc_seconds_count 120\n"),
    });
    auto source = make_prometheus_source(PrometheusSourceSpec{endpoint.url(), {}}, kTimeout);
    const auto baseline = source->sample(interval(0));
    CHECK(baseline.values.empty());
    REQUIRE(baseline.notes.size() == 1);
    CHECK(baseline.notes[0].find("rpc_seconds is a summary") != std::string::npos);
    const auto next = source->sample(interval(2));
    CHECK(find(next, "prom.rpc_seconds.rate")->point.num == 20);
    CHECK(find(next, "prom.rpc_seconds.rate")->point.den == 2);
    const auto* mean = find(next, "prom.rpc_seconds.mean");
    REQUIRE(mean != nullptr);
    CHECK(mean->kind == ObservedKind::ratio);
    CHECK(mean->point.num / mean->point.den == Approx(0.3));  // 6 s over 20 observations
}

TEST_CASE("prometheus source: after a failed scrape the next good one is a new baseline") {
    ScriptedEndpoint endpoint(
        {ok("# TYPE c_total counter\nc_total 1\n"), http_response(500, "boom"),
         ok("# TYPE c_total counter\nc_total 50\n"), ok("# TYPE c_total counter\nc_total 53\n")});
    auto source = make_prometheus_source(PrometheusSourceSpec{endpoint.url(), {}}, kTimeout);
    (void)source->sample(interval(0));
    CHECK(scrape_error(*source).find("answered HTTP 500") != std::string::npos);
    CHECK(find(source->sample(interval(1)), "prom.c_total") == nullptr);  // a new baseline
    CHECK(find(source->sample(interval(1)), "prom.c_total")->point.num == 3);
}

TEST_CASE("prometheus source: an HTML page, a 404, a refused port, a silent server fail it") {
    SECTION("HTML") {
        ScriptedEndpoint endpoint(
            {http_response(200, "<!DOCTYPE html>\n<html><body>login</body></html>\n",
                           "Content-Type: text/html\r\n")});
        auto source = make_prometheus_source(PrometheusSourceSpec{endpoint.url(), {}}, kTimeout);
        CHECK(scrape_error(*source) ==
              "prometheus " + endpoint.url() +
                  " is not Prometheus text: line 1: expected a metric name or '#', found '<' in "
                  "\"<!DOCTYPE html>\"");
    }
    SECTION("404") {
        ScriptedEndpoint endpoint({"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno"});
        auto source = make_prometheus_source(PrometheusSourceSpec{endpoint.url(), {}}, kTimeout);
        CHECK(scrape_error(*source) ==
              "prometheus " + endpoint.url() + " answered HTTP 404 Not Found");
    }
    SECTION("refused") {
        std::string url;
        {
            ScriptedEndpoint closed({ok("")});
            url = closed.url();
        }
        auto source = make_prometheus_source(PrometheusSourceSpec{url, {}}, kTimeout);
        const auto error = scrape_error(*source);
        CHECK(error.starts_with("prometheus " + url + ": connect: "));
        CHECK(error.find("refused") != std::string::npos);
    }
    SECTION("silent") {
        ScriptedServer server([](const auto&) { return ScriptedReply{"", false, true, false}; });
        const auto url = server.url() + "/metrics";
        auto source =
            make_prometheus_source(PrometheusSourceSpec{url, {}}, std::chrono::milliseconds(200));
        CHECK(scrape_error(*source).starts_with("prometheus " + url + ": no answer within 200 ms"));
    }
}

TEST_CASE("prometheus source: a URL that cannot be scraped is refused up front") {
    CHECK_THROWS_WITH(
        make_prometheus_source(PrometheusSourceSpec{"https://x/metrics", {}}, kTimeout),
        Catch::Contains("only http://"));
    CHECK_THROWS_WITH(make_prometheus_source(PrometheusSourceSpec{"not a url", {}}, kTimeout),
                      Catch::Contains("is not a URL"));
}
