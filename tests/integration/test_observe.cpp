// observe: end to end (docs/observe.md): the volley binary against real servers on loopback —
// Redis's server-side hit rate checked against Redis's own counters, sources that are down or
// wrong, a malformed observe: section.
#include "integration/support.hpp"
#include "support/loopback_server.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

using namespace volley::testing;
using namespace std::chrono_literals;

namespace {

std::string required_env(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        FAIL(std::string(name) +
             " must be set (scripts/test starts PostgreSQL and Redis; by hand: source "
             "scripts/services.sh; volley_start_postgres; volley_start_redis)");
    }
    return value;
}

// `redis-cli -u URL INFO stats` as name -> value.
std::map<std::string, double> redis_info_stats(const std::string& url) {
    const auto info = run_process({"/usr/bin/redis-cli", "-u", url, "INFO", "stats"}, 10s);
    REQUIRE(info.exit_code == 0);
    std::map<std::string, double> stats;
    std::istringstream lines(info.out);
    std::string line;
    while (std::getline(lines, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos || line.starts_with("#")) continue;
        try {
            stats[line.substr(0, colon)] = std::stod(line.substr(colon + 1));
        } catch (const std::exception&) {}
    }
    return stats;
}

const boost::json::object* series_named(const boost::json::object& summary, std::string_view name) {
    for (const auto& item : summary.at("observed").at("series").as_array()) {
        if (item.as_object().at("name").as_string() == name) return &item.as_object();
    }
    return nullptr;
}

const boost::json::object* source_named(const boost::json::object& summary,
                                        std::string_view prefix) {
    for (const auto& item : summary.at("observed").at("sources").as_array()) {
        if (item.as_object().at("name").as_string().starts_with(prefix)) return &item.as_object();
    }
    return nullptr;
}

}  // namespace

TEST_CASE("observed Redis hit rate equals the deltas of Redis's own INFO stats") {
    const std::string redis = required_env("VOLLEY_REDIS_URL");
    // The resolver service with Redis as its L2 and a tiny L1, so that most lookups reach Redis.
    const auto port = free_port();
    BackgroundProcess service({volley_binary(), "resolver", "serve", "--listen",
                               "127.0.0.1:" + std::to_string(port), "--entities", "2000", "--redis",
                               redis, "--l1-size", "10"});
    REQUIRE(wait_for_port(port, 30s));
    const std::string dir = make_temp_dir("volley-observe-redis-");
    const std::string scenario = dir + "/redis.yaml";
    std::ofstream(scenario) << "target: {http: {base_url: 'http://127.0.0.1:" << port
                            << "'}}\n"
                               "load: {rate: 300/s, duration: 4s}\n"
                               "variables:\n"
                               "  id: {type: zipf, n: 2000, s: 1.1, format: 'entity_%06d'}\n"
                               "requests:\n"
                               "  - {name: ancestors, path: '/entities/${id}/ancestors'}\n"
                               "observe:\n"
                               "  redis: {url: '"
                            << redis << "'}\n";
    const auto before = redis_info_stats(redis);
    const auto run = run_volley({"run", scenario, "-q", "-o", dir + "/out"});
    const auto after = redis_info_stats(redis);
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const double hits = after.at("keyspace_hits") - before.at("keyspace_hits");
    const double misses = after.at("keyspace_misses") - before.at("keyspace_misses");
    REQUIRE(hits + misses > 100);  // the run did reach Redis
    const auto summary = read_summary(dir + "/out");
    const auto* hit_rate = series_named(summary, "redis.hit_rate");
    REQUIRE(hit_rate != nullptr);
    INFO("redis-cli: " << hits << " hits, " << misses << " misses");
    CHECK(number(hit_rate->at("value")) == Approx(hits / (hits + misses)).margin(0.01));
    CHECK(number(source_named(summary, "redis")->at("failures")) == 0);
    // The per-interval values are in summary.json and timeseries.csv.
    const auto& first = summary.at("intervals").as_array()[0].as_object();
    CHECK(first.at("observed").as_object().contains("redis.hit_rate"));
    CHECK(read_file(dir + "/out/timeseries.csv").find("observed:redis.hit_rate") !=
          std::string::npos);
}

TEST_CASE("sources that are down or wrong are reported and the run completes") {
    const std::string pg = required_env("VOLLEY_PG_URL");
    // A database without pg_stat_statements.
    const std::string database = "volley_observe_plain_" + std::to_string(::getpid());
    const std::string plain = pg.substr(0, pg.rfind('/') + 1) + database;
    REQUIRE(
        run_process({"/usr/bin/psql", pg, "-qc", "CREATE DATABASE " + database}, 30s).exit_code ==
        0);
    LoopbackServer target({});
    LoopbackServerOptions html;
    html.body = "<!DOCTYPE html><html><body>not metrics</body></html>";
    LoopbackServer web(html);
    const std::string dir = make_temp_dir("volley-observe-down-");
    const auto run = run_volley(
        {"run", "-u", target.url() + "/", "-r", "50", "-d", "3s", "-q", "-o", dir + "/out",
         "--observe-redis", "redis://127.0.0.1:" + std::to_string(free_port()), "--observe-prom",
         web.url() + "/metrics", "--observe-postgres", plain});
    INFO(run.err);
    CHECK(run.exit_code == 0);  // the quick run's threshold (error_rate) passes
    const auto summary = read_summary(dir + "/out");
    CHECK(at(summary, {"totals", "requests"}) >= 140);
    const auto* redis = source_named(summary, "redis");
    REQUIRE(redis != nullptr);
    CHECK(number(redis->at("failures")) == number(redis->at("samples")));
    CHECK_THAT(std::string(redis->at("first_error").as_string()), Catch::Contains("refused"));
    const auto* prom = source_named(summary, "prometheus");
    REQUIRE(prom != nullptr);
    CHECK(number(prom->at("failures")) == number(prom->at("samples")));
    CHECK_THAT(std::string(prom->at("first_error").as_string()),
               Catch::Contains("is not Prometheus text") && Catch::Contains("line 1"));
    const auto* postgres = source_named(summary, "postgres");
    REQUIRE(postgres != nullptr);
    CHECK(number(postgres->at("failures")) == 0);
    REQUIRE(postgres->at("notes").as_array().size() == 1);
    CHECK_THAT(std::string(postgres->at("notes").as_array()[0].as_string()),
               Catch::Contains("pg_stat_statements is not installed"));
    CHECK(series_named(summary, "postgres.transactions") != nullptr);
    CHECK(series_named(summary, "postgres.queries_per_request") == nullptr);
    const auto report = read_file(dir + "/out/report.md");
    CHECK_THAT(report, Catch::Contains("## Observed sources") && Catch::Contains("refused") &&
                           Catch::Contains("is not Prometheus text"));
    (void)run_process({"/usr/bin/psql", pg, "-qc", "DROP DATABASE " + database + " WITH (FORCE)"},
                      30s);
}

TEST_CASE("a malformed observe: section is refused with file:line:col and exit 2") {
    const std::string dir = make_temp_dir("volley-observe-bad-");
    const std::string scenario = dir + "/bad.yaml";
    std::ofstream(scenario) << "target: {http: {base_url: 'http://127.0.0.1:9'}}\n"
                               "load: {rate: 10/s, duration: 1s}\n"
                               "observe:\n"
                               "  redis: {url: 'http://127.0.0.1:6379'}\n"
                               "  proces: {pid: 1}\n";
    const auto run = run_volley({"run", scenario, "-q", "-o", dir + "/out"});
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.err, Catch::Contains(scenario + ":4:") && Catch::Contains("observe.redis.url") &&
                            Catch::Contains(scenario + ":5:3: observe.proces"));
    const auto flag = run_volley({"run", "-u", "http://127.0.0.1:9/", "--observe-redis",
                                  "127.0.0.1:6379", "-q", "-o", dir + "/flag"});
    CHECK(flag.exit_code == 2);
    CHECK_THAT(flag.err, Catch::Contains("--observe-redis"));
}

TEST_CASE("queries per request: the naive endpoint costs the tree depth, the LTREE one at most 1") {
    const std::string pg = required_env("VOLLEY_PG_URL");
    // A database of its own: pg_stat_statements is per database, so other tests' queries stay out.
    const std::string database = "volley_observe_n1_" + std::to_string(::getpid());
    const std::string url = pg.substr(0, pg.rfind('/') + 1) + database;
    REQUIRE(
        run_process({"/usr/bin/psql", pg, "-qc", "CREATE DATABASE " + database}, 30s).exit_code ==
        0);
    REQUIRE(run_process({"/usr/bin/psql", url, "-qc", "CREATE EXTENSION pg_stat_statements"}, 30s)
                .exit_code == 0);
    const auto init = run_volley({"resolver", "init", "--postgres", url, "--entities", "20000",
                                  "--fanout", "10", "--depth", "6"},
                                 180s);
    INFO(init.err);
    REQUIRE(init.exit_code == 0);
    const auto port = free_port();
    {
        BackgroundProcess service({volley_binary(), "resolver", "serve", "--listen",
                                   "127.0.0.1:" + std::to_string(port), "--postgres", url,
                                   "--generation-poll", "0"});
        REQUIRE(wait_for_port(port, 30s));
        const std::string dir = make_temp_dir("volley-observe-n1-");
        // The shipped scenario, shortened: naive for 4 s, then LTREE for 4 s, 40/s.
        const auto run = run_volley(
            {"run", std::string(VOLLEY_SOURCE_DIR) + "/scenarios/n-plus-one.yaml", "-q", "-o",
             dir + "/out", "--set", "target.http.base_url=http://127.0.0.1:" + std::to_string(port),
             "--set", "load.duration=8s", "--set", "load.rate=40/s", "--set",
             "requests[0].during=[0s, 4s]", "--set", "requests[1].during=[4s, 8s]", "--set",
             "observe.postgres.url=" + url});
        INFO(run.out << run.err);
        // The naive endpoint's threshold fails: the verdict is fail.
        CHECK(run.exit_code == 99);
        const auto summary = read_summary(dir + "/out");
        CHECK(at(summary, {"totals", "errors"}) == 0);
        const auto* naive = series_named(summary, "postgres.queries_per_request{request:naive}");
        const auto* ltree = series_named(summary, "postgres.queries_per_request{request:ltree}");
        REQUIRE(naive != nullptr);
        REQUIRE(ltree != nullptr);
        // Depth 4: four ancestors, one query each.
        CHECK(number(naive->at("value")) == Approx(4).margin(0.1));
        CHECK(number(ltree->at("value")) <= 1.0);
        bool naive_failed = false, ltree_passed = false, flagged = false;
        for (const auto& item : summary.at("thresholds").as_array()) {
            const auto& t = item.as_object();
            const std::string expr(t.at("expr").as_string());
            if (expr.find("request:naive") != std::string::npos)
                naive_failed = !t.at("pass").as_bool();
            if (expr.find("request:ltree") != std::string::npos)
                ltree_passed = t.at("pass").as_bool();
        }
        for (const auto& item : summary.at("observed").at("statements").as_array()) {
            const auto& s = item.as_object();
            if (s.at("n_plus_one").as_bool() &&
                s.at("text").as_string().find("parent_id") != std::string::npos)
                flagged = true;
        }
        CHECK(naive_failed);
        CHECK(ltree_passed);
        CHECK(flagged);
        CHECK_THAT(read_file(dir + "/out/report.md"), Catch::Contains("N+1"));
    }
    (void)run_process({"/usr/bin/psql", pg, "-qc", "DROP DATABASE " + database + " WITH (FORCE)"},
                      30s);
}

TEST_CASE("a server that leaks on purpose shows its RSS slope within 20% of the leak") {
    // This test process runs the leaking server; volley observes it by pid.
    LoopbackServerOptions options;
    options.leak_kb_per_request = 64;
    LoopbackServer server(options);
    const std::string dir = make_temp_dir("volley-observe-leak-");
    const double rate = 200;
    const auto run =
        run_volley({"run", "-u", server.url() + "/", "-r", "200", "-d", "8s", "-c", "8", "-q", "-o",
                    dir + "/out", "--observe-process", std::to_string(::getpid()), "--set",
                    "thresholds=[\"observed.process.rss_slope < 10MB/h\"]"});
    INFO(run.err);
    CHECK(run.exit_code == 99);  // a leak of GB per hour fails the soak gate
    const auto summary = read_summary(dir + "/out");
    const auto* rss = series_named(summary, "process.rss");
    REQUIRE(rss != nullptr);
    // 64 KiB per request at 200/s, per hour.
    const double leak_per_h = 64.0 * 1024 * rate * 3600;
    INFO("observed slope " << number(rss->at("slope_per_h")) << " B/h, leak " << leak_per_h);
    CHECK(number(rss->at("slope_per_h")) == Approx(leak_per_h).epsilon(0.2));
}
