// volley's own /metrics: the exporter (observe/metrics_exporter.hpp) fed IntervalReports built
// from engine statistics, read back with the text parser; promtool's verdict on its text when
// Debian's prometheus package is installed; the HTTP endpoint (observe/metrics_server.hpp).
#include "observe/metrics_exporter.hpp"
#include "observe/metrics_server.hpp"
#include "observe/prom_text.hpp"

#include "demo/demo_client.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

using volley::engine::IntervalReport;
using volley::engine::IntervalStats;
using volley::engine::Outcome;
using volley::observe::kLatencyBucketsSeconds;
using volley::observe::MetricsExporter;
namespace prom = volley::observe::prom;

namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

constexpr std::int64_t kMs = 1'000'000;  // ns

void complete(IntervalStats& stats, std::uint32_t request, Outcome outcome, std::int64_t ns) {
    auto& r = stats.per_request[request];
    r.response_time.record(ns);
    r.service_time.record(ns / 2);
    ++r.outcomes[static_cast<std::size_t>(outcome)];
}

IntervalReport report_of(const IntervalStats& stats, std::size_t index, double target_rps = 0,
                         double cpu_seconds = 0) {
    const auto start = seconds(static_cast<long>(index));
    return IntervalReport{index, start, start + seconds(1), stats, target_rps, cpu_seconds, false};
}

// The value of the one sample of `name` whose labels include all of `labels`.
double value_of(const prom::Exposition& exposition, const std::string& name,
                const prom::Labels& labels = {}) {
    std::optional<double> found;
    for (const auto& family : exposition.families)
        for (const auto& sample : family.samples) {
            if (sample.name != name) continue;
            const bool match = std::all_of(labels.begin(), labels.end(), [&](const auto& label) {
                return sample.label(label.first) == label.second;
            });
            if (!match) continue;
            REQUIRE_FALSE(found);
            found = sample.value;
        }
    REQUIRE(found);
    return *found;
}

struct Published {
    std::vector<std::string> texts;
    std::function<void(std::string)> sink() {
        return [this](std::string text) { texts.push_back(std::move(text)); };
    }
};

}  // namespace

TEST_CASE("metrics exporter: counters add up over intervals, by request and outcome") {
    Published published;
    MetricsExporter exporter({"home", "search"}, published.sink(), [] { return 123456u; });
    REQUIRE(published.texts.size() == 1);  // the endpoint answers before the first interval
    const auto initial = prom::parse_text(published.texts[0]);
    CHECK(value_of(initial, "volley_requests_total", {{"request", "home"}, {"outcome", "ok"}}) ==
          0);

    IntervalStats first(2);
    complete(first, 0, Outcome::ok, 3 * kMs);
    complete(first, 0, Outcome::ok, 4 * kMs);
    complete(first, 1, Outcome::http_5xx, 9 * kMs);
    ++first.per_request[1].outcomes[static_cast<std::size_t>(Outcome::dropped)];
    first.sent = 5;  // two of them still in flight
    exporter.on_interval(report_of(first, 0, 10, 0.25));
    IntervalStats second(2);
    complete(second, 0, Outcome::timeout, 2000 * kMs);
    complete(second, 1, Outcome::ok, 1 * kMs);
    second.sent = 1;
    exporter.on_interval(report_of(second, 1, 20, 0.5));

    REQUIRE(published.texts.size() == 3);
    CHECK(published.texts.back() == exporter.render());
    const auto text = prom::parse_text(exporter.render());
    CHECK(value_of(text, "volley_requests_total", {{"request", "home"}, {"outcome", "ok"}}) == 2);
    CHECK(value_of(text, "volley_requests_total", {{"request", "home"}, {"outcome", "timeout"}}) ==
          1);
    CHECK(value_of(text, "volley_requests_total",
                   {{"request", "search"}, {"outcome", "http_5xx"}}) == 1);
    CHECK(value_of(text, "volley_requests_total",
                   {{"request", "search"}, {"outcome", "dropped"}}) == 1);
    CHECK(value_of(text, "volley_errors_total", {{"request", "home"}}) == 1);
    CHECK(value_of(text, "volley_errors_total", {{"request", "search"}}) == 1);
    CHECK(value_of(text, "volley_in_flight") == 6 - 5);  // sent 6, answered 5
    CHECK(value_of(text, "volley_target_rps") == 20);
    CHECK(value_of(text, "volley_achieved_rps") == 2);  // 2 answered in the last second
    CHECK(value_of(text, "volley_process_cpu_seconds_total") == 0.75);
    CHECK(value_of(text, "volley_process_resident_memory_bytes") == 123456);
    CHECK(text.find("volley_requests_total")->type == prom::MetricType::counter);
    CHECK(text.find("volley_response_time_seconds")->type == prom::MetricType::histogram);
    CHECK(text.find("volley_in_flight")->type == prom::MetricType::gauge);
}

TEST_CASE("metrics exporter: histogram buckets are the HDR counts at or below each bound") {
    MetricsExporter exporter({"only"}, {}, {});
    IntervalStats stats(1);
    for (const std::int64_t ns : {kMs * 3 / 10, 2 * kMs, 40 * kMs, 45'000 * kMs})
        complete(stats, 0, Outcome::ok, ns);
    stats.schedule_lag.record(kMs / 10);
    exporter.on_interval(report_of(stats, 0));
    const auto text = prom::parse_text(exporter.render());
    const auto bucket = [&](const std::string& le) {
        return value_of(text, "volley_response_time_seconds_bucket",
                        {{"request", "only"}, {"le", le}});
    };
    CHECK(bucket("0.0005") == 1);  // 0.3 ms
    CHECK(bucket("0.001") == 1);
    CHECK(bucket("0.0025") == 2);  // 2 ms
    CHECK(bucket("0.025") == 2);
    CHECK(bucket("0.05") == 3);  // 40 ms
    CHECK(bucket("30") == 3);    // 45 s is above every bound
    CHECK(bucket("+Inf") == 4);
    CHECK(value_of(text, "volley_response_time_seconds_count", {{"request", "only"}}) == 4);
    CHECK(value_of(text, "volley_response_time_seconds_sum", {{"request", "only"}}) ==
          Approx(45.0423).epsilon(0.001));
    // Service time was recorded as half: 1 ms lands at or below 0.001.
    CHECK(value_of(text, "volley_service_time_seconds_bucket",
                   {{"request", "only"}, {"le", "0.001"}}) == 2);
    CHECK(value_of(text, "volley_schedule_lag_seconds_bucket", {{"le", "0.0005"}}) == 1);
    CHECK(text.find("volley_process_resident_memory_bytes") == nullptr);  // no reader: no gauge
}

TEST_CASE("metrics exporter: histogram_quantile over its buckets lands in the HDR p99's bucket") {
    MetricsExporter exporter({"r"}, {}, {});
    IntervalStats stats(1);
    for (std::int64_t i = 1; i <= 1000; ++i) complete(stats, 0, Outcome::ok, i * kMs / 10);
    exporter.on_interval(report_of(stats, 0));
    const auto text = prom::parse_text(exporter.render());
    std::vector<prom::Bucket> buckets;
    for (const auto& sample : text.find("volley_response_time_seconds")->samples)
        if (sample.name == "volley_response_time_seconds_bucket")
            buckets.push_back({*prom::parse_value(*sample.label("le")), sample.value});
    const double hdr_p99_s =
        static_cast<double>(stats.per_request[0].response_time.value_at_percentile(99)) / 1e9;
    const auto upper =
        std::lower_bound(kLatencyBucketsSeconds.begin(), kLatencyBucketsSeconds.end(), hdr_p99_s);
    REQUIRE(upper != kLatencyBucketsSeconds.begin());
    REQUIRE(upper != kLatencyBucketsSeconds.end());
    const double width = *upper - *(upper - 1);
    const auto p99 = prom::histogram_quantile(0.99, buckets);
    REQUIRE(p99);
    CHECK(std::abs(*p99 - hdr_p99_s) <= width);
}

TEST_CASE("metrics exporter: request names are escaped as label values") {
    MetricsExporter exporter({"say \"hi\"\\now"}, {}, {});
    IntervalStats stats(1);
    complete(stats, 0, Outcome::ok, kMs);
    exporter.on_interval(report_of(stats, 0));
    const auto text = prom::parse_text(exporter.render());
    CHECK(value_of(text, "volley_requests_total",
                   {{"request", "say \"hi\"\\now"}, {"outcome", "ok"}}) == 1);
}

TEST_CASE("metrics exporter: promtool check metrics accepts the text", "[promtool]") {
    if (!std::filesystem::exists("/usr/bin/promtool")) {
        WARN("promtool is not installed (Debian package prometheus): check skipped");
        return;
    }
    MetricsExporter exporter({"a", "b"}, {}, volley::observe::read_own_resident_bytes);
    IntervalStats stats(2);
    complete(stats, 0, Outcome::ok, 3 * kMs);
    complete(stats, 1, Outcome::connect_error, 1 * kMs);
    stats.sent = 2;
    exporter.on_interval(report_of(stats, 0, 5, 0.01));
    const auto dir = volley::testing::make_temp_dir("volley-promtool");
    const auto file = dir + "/metrics.txt";
    std::ofstream(file) << exporter.render();
    const auto result = volley::testing::run_process(
        {"/bin/sh", "-c", "/usr/bin/promtool check metrics < " + file}, seconds(30));
    INFO(result.out << result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.err.empty());  // promtool prints lint findings on stderr
}

TEST_CASE("metrics server: GET /metrics answers the latest exposition") {
    volley::observe::MetricsServer server({"127.0.0.1", 0});
    REQUIRE(server.port() != 0);
    CHECK(server.url() == "http://127.0.0.1:" + std::to_string(server.port()) + "/metrics");
    volley::testing::DemoClient client(server.port());
    CHECK(client.get("/metrics").body.empty());
    server.publish("# TYPE x gauge\nx 1\n");
    auto answer = client.get("/metrics");
    CHECK(answer.status == 200);
    CHECK(answer.body == "# TYPE x gauge\nx 1\n");
    CHECK(answer.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8");
    server.publish("# TYPE x gauge\nx 2\n");
    CHECK(client.get("/metrics").body == "# TYPE x gauge\nx 2\n");  // same connection
    CHECK(client.get("/").status == 404);
    CHECK(client.post("/metrics", "x").status == 405);
}

TEST_CASE("metrics server: a port in use and a bad address are refused with the reason") {
    volley::observe::MetricsServer first({"127.0.0.1", 0});
    CHECK_THROWS_WITH(volley::observe::MetricsServer({"127.0.0.1", first.port()}),
                      "cannot listen on 127.0.0.1:" + std::to_string(first.port()) +
                          ": bind: Address already in use");
    CHECK_THROWS_WITH(volley::observe::MetricsServer({"192.0.2.1", 0}),
                      Catch::StartsWith("cannot listen on 192.0.2.1:0: bind: "));
}

TEST_CASE("metrics server: HOST:PORT is checked") {
    using volley::observe::parse_listen_address;
    CHECK(parse_listen_address("127.0.0.1:9464").host == "127.0.0.1");
    CHECK(parse_listen_address("127.0.0.1:9464").port == 9464);
    CHECK(parse_listen_address("[::1]:0").host == "::1");
    CHECK(parse_listen_address("localhost:0").port == 0);
    CHECK_THROWS_WITH(parse_listen_address("9464"), Catch::Contains("expected HOST:PORT"));
    CHECK_THROWS_WITH(parse_listen_address(":9464"), Catch::Contains("expected HOST:PORT"));
    CHECK_THROWS_WITH(parse_listen_address("h:x"), Catch::Contains("expected HOST:PORT"));
    CHECK_THROWS_WITH(parse_listen_address("h:70000"),
                      Catch::Contains("port 70000 is not 0..65535"));
    CHECK_THROWS_WITH(parse_listen_address("::1:80"), Catch::Contains("in brackets"));
}
