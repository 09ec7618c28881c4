// volley on Prometheus, end to end (docs/metrics.md): a real Prometheus server (Debian package
// `prometheus`, config and data in a temp dir, 1 s scrapes, loopback) scrapes `volley run
// --metrics-listen` against a loopback server; then its HTTP API must agree with summary.json,
// and promtool must accept the endpoint's text taken during the run. Skipped with a warning when
// prometheus is not installed. About 15 s.
#include "integration/support.hpp"
#include "observe/metrics_exporter.hpp"
#include "support/loopback_server.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

using namespace volley::testing;
namespace json = boost::json;

namespace {

constexpr double kScrapeIntervalS = 1;  // prom.yml's scrape_interval
constexpr double kExportIntervalS = 1;  // volley publishes its figures once per interval (1 s)
// The load: 6 s at 300/s, a 1 s ramp down, then 3 s at 10/s: the last scrape before volley exits
// misses at most the requests of one scrape interval plus one export interval, all of them in
// the slow last stage.
constexpr double kLastStageRps = 10;

std::string scenario(const std::string& dir, const std::string& url) {
    const std::string path = dir + "/s.yaml";
    std::ofstream(path) << "name: prometheus-e2e\n"
                        << "target: {http: {base_url: '" << url << "'}}\n"
                        << "load:\n  start_rate: 300/s\n  stages:\n"
                        << "    - {duration: 6s, rate: 300/s}\n"
                        << "    - {duration: 1s, rate: 10/s}\n"
                        << "    - {duration: 3s, rate: 10/s}\n"
                        << "requests: [{name: home, path: /}]\n";
    return path;
}

// GET Prometheus's /api/v1/query and the one value of its vector answer (nullopt when empty).
std::optional<double> query(std::uint16_t port, const std::string& promql) {
    const auto result = run_process(
        {"/usr/bin/curl", "-sfG", "--max-time", "5", "--data-urlencode", "query=" + promql,
         "http://127.0.0.1:" + std::to_string(port) + "/api/v1/query"},
        std::chrono::seconds(10));
    INFO(promql << " -> " << result.out << result.err);
    REQUIRE(result.exit_code == 0);
    const auto answer = json::parse(result.out).as_object();
    REQUIRE(answer.at("status").as_string() == "success");
    const auto& vector = answer.at("data").as_object().at("result").as_array();
    if (vector.empty()) return std::nullopt;
    REQUIRE(vector.size() == 1);
    return std::stod(std::string(vector[0].as_object().at("value").as_array()[1].as_string()));
}

}  // namespace

TEST_CASE("prometheus scrapes volley run --metrics-listen: its figures agree with summary.json",
          "[prometheus]") {
    if (!std::filesystem::exists("/usr/bin/prometheus") ||
        !std::filesystem::exists("/usr/bin/promtool")) {
        WARN("prometheus is not installed (Debian package prometheus): test skipped");
        return;
    }
    LoopbackServer target({});
    const auto dir = make_temp_dir("volley-prometheus-");
    const std::uint16_t metrics_port = free_port();
    const std::uint16_t prometheus_port = free_port();
    std::ofstream(dir + "/prom.yml")
        << "global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}\n"
        << "scrape_configs:\n"
        << "  - job_name: volley\n"
        << "    static_configs: [{targets: ['127.0.0.1:" << metrics_port << "']}]\n";
    BackgroundProcess prometheus(
        {"/usr/bin/prometheus", "--config.file=" + dir + "/prom.yml",
         "--storage.tsdb.path=" + dir + "/data",
         "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port)});
    REQUIRE(wait_for_port(prometheus_port, std::chrono::seconds(15)));

    auto run = std::async(std::launch::async, [&] {
        return run_volley({"run", scenario(dir, target.url()), "--metrics-listen",
                           "127.0.0.1:" + std::to_string(metrics_port), "-o", dir + "/out",
                           "--format", "json", "-q", "-t", "1"},
                          std::chrono::seconds(30));
    });
    // During the run: the endpoint's text passes promtool's checks.
    REQUIRE(wait_for_port(metrics_port, std::chrono::seconds(10)));
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // a few intervals published
    const auto scraped = run_process(
        {"/bin/sh", "-c",
         "curl -sf --max-time 5 http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics > " +
             dir + "/metrics.txt && /usr/bin/promtool check metrics < " + dir + "/metrics.txt"},
        std::chrono::seconds(15));
    INFO("promtool: " << scraped.out << scraped.err);
    CHECK(scraped.exit_code == 0);
    CHECK(read_file(dir + "/metrics.txt").find("volley_requests_total{request=\"home\"") !=
          std::string::npos);

    const auto result = run.get();
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(result.err.find("metrics: http://127.0.0.1:" + std::to_string(metrics_port) +
                          "/metrics") != std::string::npos);
    const auto summary = read_summary(dir + "/out");
    const double requests = at(summary, {"totals", "requests"});
    const double p99_s = at(summary, {"latency_ms", "p99"}) / 1000;

    // Range selectors read the raw samples: the staleness markers Prometheus writes once the
    // endpoint is gone do not hide the last scrape.
    const auto scraped_requests = query(
        prometheus_port,
        "sum(max_over_time(volley_requests_total{outcome!~\"dropped|cancelled|unsent\"}[5m]))");
    REQUIRE(scraped_requests);
    const double tolerance = kLastStageRps * (kScrapeIntervalS + kExportIntervalS);
    INFO("summary.json requests " << requests << ", Prometheus " << *scraped_requests
                                  << ", tolerance " << tolerance);
    CHECK(*scraped_requests <= requests);
    CHECK(*scraped_requests >= requests - tolerance);

    const auto quantile = query(prometheus_port,
                                "histogram_quantile(0.99, sum by (le) "
                                "(max_over_time(volley_response_time_seconds_bucket[5m])))");
    REQUIRE(quantile);
    // The width of the fixed bucket holding the HDR p99 (docs/metrics.md "Buckets").
    std::vector<double> bounds = {0};
    bounds.insert(bounds.end(), volley::observe::kLatencyBucketsSeconds.begin(),
                  volley::observe::kLatencyBucketsSeconds.end());
    const auto upper = std::lower_bound(bounds.begin(), bounds.end(), p99_s);
    REQUIRE(upper != bounds.begin());
    REQUIRE(upper != bounds.end());
    const double width = *upper - *(upper - 1);
    INFO("HDR p99 " << p99_s << " s, histogram_quantile " << *quantile << " s, bucket width "
                    << width);
    CHECK(std::abs(*quantile - p99_s) <= width);
}

TEST_CASE("--metrics-listen: a bad value and a port in use exit 2 before the run") {
    LoopbackServer target({});
    const auto dir = make_temp_dir("volley-metrics-listen-");
    SECTION("not HOST:PORT, on run and replay") {
        const auto run = run_volley({"run", "-u", target.url() + "/", "-d", "1s", "-q", "-o",
                                     dir + "/run", "--metrics-listen", "9464"});
        CHECK(run.exit_code == 2);
        CHECK(run.err.find("error: --metrics-listen: \"9464\": expected HOST:PORT") !=
              std::string::npos);
        const auto replay =
            run_volley({"replay", VOLLEY_FIXTURES_DIR "/replay/access.log", "-u", target.url(),
                        "-q", "-o", dir + "/replay", "--metrics-listen", "127.0.0.1:99999"});
        CHECK(replay.exit_code == 2);
        CHECK(replay.err.find("error: --metrics-listen: \"127.0.0.1:99999\": port 99999 is not "
                              "0..65535") != std::string::npos);
    }
    SECTION("a port in use") {
        const auto taken = std::to_string(target.port());
        const auto run = run_volley({"run", "-u", target.url() + "/", "-d", "1s", "-q", "-o",
                                     dir + "/run", "--metrics-listen", "127.0.0.1:" + taken});
        CHECK(run.exit_code == 2);
        CHECK(run.err.find("error: --metrics-listen: cannot listen on 127.0.0.1:" + taken +
                           ": bind: Address already in use") != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(dir + "/run/summary.json"));
        CHECK(target.requests() == 0);  // refused before the load
    }
}
