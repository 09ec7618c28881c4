// Thresholds on analysis findings (capacity, breaking_point, recovery, drift(p99)): grammar,
// validation at load time with file:line:col, and judgement from the analysis; bottleneck
// attribution against runs of the real engine with fakes that are slow in known ways.
#include "reports/analysis.hpp"
#include "reports/bottleneck.hpp"
#include "reports/thresholds.hpp"
#include "run_support.hpp"
#include "scenarios/language/loader.hpp"
#include "thresholds/threshold_expr.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <optional>

using namespace volley;
using namespace volley::thresholds_test;
using reports::ThresholdEvaluator;
using testing::FakeResponse;
using testing::FakeTarget;
using thresholds::ThresholdMetric;
using thresholds::ThresholdUnit;

namespace {

// The diagnostics of a scenario that must not load.
std::vector<scenarios::Diagnostic> load_errors(const std::string& yaml) {
    try {
        (void)scenarios::load_plan_from_string(yaml, "findings.yaml", {});
    } catch (const scenarios::ScenarioError& error) {
        return error.diagnostics();
    }
    return {};
}

std::string scenario(const std::string& type, const std::string& thresholds) {
    return "name: findings\n"
           "type: " +
           type +
           "\n"
           "target: {http: {base_url: 'http://127.0.0.1:9/'}}\n"
           "thresholds:\n" +
           thresholds;
}

boost::json::object judged(const std::string& expr, const boost::json::object& analysis) {
    ThresholdEvaluator evaluator({threshold(expr)}, {"r0"}, 10);
    const engine::RunResult nothing;
    auto results = evaluator.results(nothing);
    REQUIRE(results.size() == 1);
    CHECK(results.at(0).as_object().at("analysis").is_string());
    reports::evaluate_analysis_thresholds(results, analysis);
    return results.at(0).as_object();
}

boost::json::object stress_analysis(boost::json::value capacity, boost::json::value breaking,
                                    bool last_complete, std::size_t measured = 3) {
    boost::json::array steps;
    for (std::size_t i = 1; i <= measured; ++i)
        steps.push_back(boost::json::object{{"step", i},
                                            {"target_rps", 100.0 * static_cast<double>(i)},
                                            {"complete", i < measured || last_complete}});
    return boost::json::object{
        {"type", "stress"},
        {"capacity_rps", capacity},
        {"capacity_step", capacity.is_null() ? boost::json::value(nullptr) : boost::json::value(2)},
        {"breaking_point_rps", breaking},
        {"breaking_point_step",
         breaking.is_null() ? boost::json::value(nullptr) : boost::json::value(3)},
        {"steps_planned", 3},
        {"steps", steps}};
}

}  // namespace

TEST_CASE("analysis metrics parse, format and re-parse") {
    const auto capacity = thresholds::parse_threshold_expr("capacity >= 500/s");
    CHECK(capacity.metric == ThresholdMetric::capacity);
    CHECK(capacity.unit == ThresholdUnit::rps);
    CHECK(capacity.value == 500);
    CHECK(thresholds::parse_threshold_expr("breaking_point>=800/s").metric ==
          ThresholdMetric::breaking_point);
    const auto recovery = thresholds::parse_threshold_expr("recovery < 5s");
    CHECK(recovery.metric == ThresholdMetric::recovery);
    CHECK(recovery.value == 5e9);
    const auto drift = thresholds::parse_threshold_expr("drift(p99) < 20%");
    CHECK(drift.metric == ThresholdMetric::drift_p99);
    CHECK(drift.unit == ThresholdUnit::change_ratio);
    CHECK(drift.value == Approx(0.2));
    CHECK(thresholds::parse_threshold_expr("drift(p99) < 150%").value ==
          Approx(1.5));  // may exceed 100%
    CHECK(thresholds::parse_threshold_expr("drift(p99) < 50ms").unit == ThresholdUnit::ns);
    for (const char* text :
         {"capacity >= 500/s", "breaking_point >= 800/s", "recovery < 5s", "drift(p99) < 20%"}) {
        INFO(text);
        CHECK(thresholds::format_threshold_expr(thresholds::parse_threshold_expr(text)) == text);
        CHECK(thresholds::is_analysis_metric(thresholds::parse_threshold_expr(text).metric));
    }
    CHECK_FALSE(thresholds::is_analysis_metric(ThresholdMetric::percentile));

    const auto error_of = [](const char* text) {
        try {
            (void)thresholds::parse_threshold_expr(text);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK_THAT(error_of("capacity >= 500"),
               Catch::Contains("capacity is a rate: write e.g. 500/s"));
    CHECK_THAT(error_of("drift(p50) < 20%"), Catch::Contains("write drift(p99)"));
    CHECK_THAT(error_of("drift < 20%"), Catch::Contains("drift(p99)"));
    CHECK_THAT(error_of("recovery < 5"), Catch::Contains("a time needs a unit"));
}

TEST_CASE("a threshold on another type's finding is an error at its file:line:col") {
    const auto errors = load_errors(scenario("load", "  - p(99) < 1s\n  - capacity >= 500/s\n"));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].file == "findings.yaml");
    CHECK(errors[0].line == 6);
    CHECK(errors[0].column == 5);
    CHECK(errors[0].key == "thresholds[1]");
    CHECK_THAT(errors[0].message, Catch::Contains("type: stress") && Catch::Contains("type: load"));

    CHECK(
        load_errors(scenario("spike", "  - drift(p99) < 20%\n")).at(0).message.find("type: soak") !=
        std::string::npos);
    CHECK(load_errors(scenario("soak", "  - recovery < 5s\n")).at(0).message.find("type: spike") !=
          std::string::npos);

    const auto windowed =
        load_errors(scenario("stress", "  - {expr: 'capacity >= 500/s', window: 10s}\n"));
    REQUIRE(windowed.size() == 1);
    CHECK(windowed[0].key == "thresholds[0].window");
    CHECK(windowed[0].line == 5);
    CHECK_THAT(windowed[0].message, Catch::Contains("judged once"));

    // Each on its own type loads.
    CHECK(load_errors(scenario("stress", "  - capacity >= 500/s\n  - breaking_point >= 800/s\n"))
              .empty());
    CHECK(load_errors(scenario("spike", "  - recovery < 5s\n")).empty());
    CHECK(load_errors(scenario("soak", "  - drift(p99) < 20%\n")).empty());
}

TEST_CASE("analysis thresholds are judged from the analysis") {
    const auto broke = stress_analysis(400.0, 600.0, true);
    auto capacity = judged("capacity >= 500/s", broke);
    CHECK_FALSE(capacity.at("pass").as_bool());
    CHECK(number(capacity, "actual") == 400);
    CHECK(capacity.at("unit").as_string() == "rps");
    CHECK(judged("capacity >= 300/s", broke).at("pass").as_bool());
    CHECK(judged("breaking_point >= 600/s", broke).at("pass").as_bool());
    CHECK_FALSE(judged("breaking_point > 600/s", broke).at("pass").as_bool());

    // The first step failed: capacity 0.
    const auto first_failed = judged("capacity >= 50/s", stress_analysis(nullptr, 100.0, true));
    CHECK(number(first_failed, "actual") == 0);
    CHECK_FALSE(first_failed.at("pass").as_bool());

    // No step failed and every step was measured: the breaking point lies above the last step.
    const auto unbroken = judged("breaking_point >= 250/s", stress_analysis(300.0, nullptr, true));
    CHECK(unbroken.at("pass").as_bool());
    CHECK(unbroken.at("actual").is_null());
    CHECK_THAT(std::string(unbroken.at("detail").as_string()),
               Catch::Contains("every step up to 300/s"));
    CHECK_FALSE(judged("breaking_point >= 400/s", stress_analysis(300.0, nullptr, true))
                    .at("pass")
                    .as_bool());
    // … but a run that stopped before the last step proves nothing.
    CHECK_FALSE(judged("breaking_point >= 250/s", stress_analysis(300.0, nullptr, false))
                    .at("pass")
                    .as_bool());

    const boost::json::object spike{{"type", "spike"}, {"recovered", true}, {"recovery_s", 3.0}};
    const auto recovery = judged("recovery < 5s", spike);
    CHECK(recovery.at("pass").as_bool());
    CHECK(number(recovery, "actual") == 3000);  // ms
    CHECK_FALSE(judged("recovery < 2s", spike).at("pass").as_bool());
    const boost::json::object not_recovered{
        {"type", "spike"}, {"recovered", false}, {"recovery_s", nullptr}};
    CHECK_FALSE(judged("recovery < 5s", not_recovered).at("pass").as_bool());

    const boost::json::object soak{{"type", "soak"},
                                   {"drift",
                                    {{"window_s", 60},
                                     {"p99_change_pct", 25.0},
                                     {"p99_change_ms", 2.5},
                                     {"first", {{"p99_ms", 10.0}}},
                                     {"last", {{"p99_ms", 12.5}}}}}};
    const auto drift = judged("drift(p99) < 20%", soak);
    CHECK_FALSE(drift.at("pass").as_bool());
    CHECK(number(drift, "actual") == 25);
    CHECK(drift.at("unit").as_string() == "%");
    CHECK(judged("drift(p99) < 30%", soak).at("pass").as_bool());
    CHECK(judged("drift(p99) < 3ms", soak).at("pass").as_bool());

    // Another type's analysis measures nothing of the kind.
    CHECK_FALSE(
        judged("capacity >= 1/s", boost::json::object{{"type", "load"}}).at("pass").as_bool());
}

TEST_CASE(
    "an analysis threshold takes no scope, window or abort_on_fail, and no stress step judges it") {
    CHECK_THROWS_AS(
        ThresholdEvaluator({threshold("capacity >= 5/s", std::nullopt, 1s)}, {"r0"}, 10),
        std::invalid_argument);
    CHECK_THROWS_AS(ThresholdEvaluator({aborting("recovery < 5s")}, {"r0"}, 10),
                    std::invalid_argument);
    ThresholdEvaluator evaluator({threshold("capacity >= 1000000/s")}, {"r0"}, 10);
    engine::IntervalStats stats(1);
    const auto checks = evaluator.check_all(stats, 0, 1, 10);
    REQUIRE(checks.size() == 1);
    CHECK(checks[0].pass);
}

// ---- bottleneck -----------------------------------------------------------------------------

namespace {

boost::json::object bottleneck_of(const engine::RunSpec& spec, FakeTarget& target) {
    reports::RunAnalyser analyser(reports::AnalysisSettings{});
    const auto result = run_with(spec, target, {&analyser});
    return analyser.analyse(result).at("bottleneck").as_object();
}

}  // namespace

TEST_CASE("bottleneck: too few connections for the rate read connections and suggest -c") {
    // 20/s for 1 s, every answer 200 ms, one connection: Little's law needs 20 x 0.2 = 4.
    auto spec = open_spec(20, 1s);
    spec.connections = 1;
    FakeTarget target([](Nanos) { return FakeResponse{200ms}; });
    const auto b = bottleneck_of(spec, target);
    INFO(boost::json::serialize(b));
    CHECK(b.at("kind").as_string() == "connections");
    const auto& evidence = b.at("evidence").as_object();
    CHECK(number(evidence, "connections_available") == 1);
    const double needed = number(evidence, "connections_needed");
    CHECK(needed ==
          Approx(4).epsilon(0.001));  // mean service time 200 ms, to the histogram's resolution
    CHECK(number(evidence, "waited_share") > 0.5);
    const auto wanted = static_cast<int>(std::ceil(needed * 1.25));
    CHECK_THAT(
        std::string(b.at("suggestion").as_string()),
        Catch::Contains(fmt::format("-c {} (YAML: target.http.connections: {})", wanted, wanted)));
}

TEST_CASE("bottleneck: service time growing with the rate reads target") {
    // 20/s, then 60/s; the fake answers in 1 ms until the rate rises, then in 150 ms.
    auto spec = open_spec(20, 1s);
    spec.profile =
        engine::OpenProfile{20,
                            {engine::Stage{1s, 20}, engine::Stage{0s, 60}, engine::Stage{1s, 60}},
                            engine::Arrival::uniform};
    std::atomic<int> n{0};
    FakeTarget target([&n](Nanos) { return FakeResponse{n++ < 22 ? Nanos(1ms) : Nanos(150ms)}; });
    const auto b = bottleneck_of(spec, target);
    INFO(boost::json::serialize(b));
    CHECK(b.at("kind").as_string() == "target");
    const auto& service = b.at("evidence").at("service_time").as_object();
    CHECK(number(service.at("low").as_object(), "target_rps") == 20);
    CHECK(number(service.at("high").as_object(), "target_rps") == 60);
    CHECK(number(service.at("high").as_object(), "p50_ms") >= 150);
    CHECK_THAT(std::string(b.at("text").as_string()), Catch::Contains("grew from"));
}

TEST_CASE("bottleneck: target errors read target; a healthy run reads none") {
    auto spec = open_spec(40, 1s);
    FakeTarget failing([](Nanos) { return FakeResponse{1ms, engine::Outcome::http_5xx}; });
    CHECK(bottleneck_of(spec, failing).at("kind").as_string() == "target");
    FakeTarget healthy([](Nanos) { return FakeResponse{2ms}; });
    const auto b = bottleneck_of(spec, healthy);
    INFO(boost::json::serialize(b));
    // Nothing limits this run: on the manual clock the generator is never late either.
    CHECK(number(b.at("evidence").as_object(), "lag_p99_ms") == 0);
    CHECK(b.at("kind").as_string() == "none");
    CHECK(b.at("suggestion").as_string() == "");
}

namespace {

// A 1 s open-model run at 100/s on 4 slots as the engine would report it: 100 requests, each
// 0.5 s of service and 0.55 s of response time, with the given waits (ns) per request.
engine::RunResult waited_run(std::int64_t lag_ns, std::int64_t connection_wait_ns,
                             std::optional<std::int64_t> stream_wait_ns, std::size_t threads) {
    engine::RunResult result;
    result.request_names = {"r0"};
    result.totals = engine::IntervalStats(1);
    for (int i = 0; i < 100; ++i) {
        result.totals.schedule_lag.record(lag_ns);
        result.totals.connection_wait.record(connection_wait_ns);
        if (stream_wait_ns) result.totals.stream_wait.record(*stream_wait_ns);
        result.totals.per_request[0].service_time.record(500'000'000);
        result.totals.per_request[0].response_time.record(550'000'000);
        ++result.totals.per_request[0].outcomes[0];
    }
    result.measured = result.scheduled_duration = 1s;
    result.target_rps = 100;
    result.threads = threads;
    result.slots = 4;
    result.cpu_seconds = 0.1;
    return result;
}

}  // namespace

TEST_CASE("bottleneck: a late generator reads generator before anything else") {
    // A result as the engine would report it when its workers got to arrivals 60 ms late and
    // requests waited 50 ms for connections: the generator, which added more delay, is blamed.
    auto result = waited_run(60'000'000, 50'000'000, std::nullopt, 2);
    auto b = reports::bottleneck_analysis(result, {});
    CHECK(b.at("kind").as_string() == "generator");
    CHECK(number(b.at("evidence").as_object(), "lag_p99_ms") == Approx(60).epsilon(0.01));
    // A generator only 5 ms late did not cause 50 ms connection waits: the connections are
    // blamed (100/s x 0.5 s = 50 needed, 4 available).
    result.totals.schedule_lag.reset();
    for (int i = 0; i < 100; ++i) result.totals.schedule_lag.record(5'000'000);
    b = reports::bottleneck_analysis(result, {});
    CHECK(b.at("kind").as_string() == "connections");
    CHECK_THAT(std::string(b.at("text").as_string()), Catch::Contains("also a little late"));
    result.totals.schedule_lag.reset();
    b = reports::bottleneck_analysis(result, {});
    CHECK(b.at("kind").as_string() == "connections");
    CHECK_THAT(std::string(b.at("suggestion").as_string()), Catch::Contains("-c 63"));
    // CPU near the thread count is the generator too.
    result.cpu_seconds = 1.9;
    CHECK(reports::bottleneck_analysis(result, {}).at("kind").as_string() == "generator");
}

TEST_CASE("bottleneck: HTTP/2 stream waits read as waiting for a connection") {
    // 100/s x 0.5 s = 50 requests in flight needed; the target queued them for free streams
    // (stream_wait), so the engine's own slot wait is 0: the connections are still blamed.
    const auto b = reports::bottleneck_analysis(waited_run(0, 0, 50'000'000, 1), {});
    INFO(boost::json::serialize(b));
    CHECK(b.at("kind").as_string() == "connections");
    CHECK(b.at("evidence").at("wait_kind").as_string() == "stream");
    CHECK(number(b.at("evidence").at("connection_wait_ms").as_object(), "p99") ==
          Approx(50).epsilon(0.01));
}
