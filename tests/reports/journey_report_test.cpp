// A run of journeys through summary.json, the typed summary, every renderer and latency.hlog:
// the real engine on a manual clock with FakeCheckedFlowSource (fakes/journey_run.hpp: 20
// journeys in 2 s, every 4th bad, so 15 complete and 5 fail after step 2 with a failed check
// and an extraction error), the thresholds and summary put together as the run pipeline does.
#include "fakes/journey_run.hpp"
#include "reports/console.hpp"
#include "reports/hlog.hpp"
#include "reports/html_report.hpp"
#include "reports/junit_report.hpp"
#include "reports/markdown_report.hpp"
#include "reports/run_outputs.hpp"
#include "reports/run_summary.hpp"
#include "reports/summary_json.hpp"
#include "reports/thresholds.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <unistd.h>
#include <filesystem>

using namespace volley;
using namespace volley::journey_test;
using Catch::Contains;

namespace {

thresholds::ThresholdSpec threshold(std::string expr) {
    thresholds::ThresholdSpec spec;
    spec.expr = std::move(expr);
    return spec;
}

struct JourneyRun {
    engine::RunResult result;
    boost::json::object summary;
};

// The run and its summary; `hlog` (when set) records latency.hlog with the catalog's tags.
JourneyRun journey_run(const std::filesystem::path* hlog = nullptr) {
    const auto spec = journey_spec(2s);
    const auto catalog = journey_catalog();
    reports::ThresholdEvaluator evaluator(
        {threshold("checks{cart ok} > 99%"), threshold("duration_p(95){journey:shop} < 1s")},
        spec.request_names, 10, catalog);
    std::optional<reports::HlogRecorder> recorder;
    std::vector<engine::IntervalListener*> listeners{&evaluator};
    if (hlog) listeners.push_back(&recorder.emplace(*hlog, spec.request_names, catalog));
    JourneyRun run;
    run.result = run_journeys(spec, 4, listeners);
    reports::RunMetadata metadata;
    metadata.scenario_name = "journeys";
    metadata.catalog = catalog;
    run.summary = reports::make_summary(run.result, metadata, evaluator.results(run.result), {});
    return run;
}

const boost::json::object& object_at(const boost::json::object& summary, std::string_view key,
                                     std::size_t index) {
    return summary.at(key).as_array().at(index).as_object();
}
std::uint64_t count(const boost::json::object& object, std::string_view key) {
    return object.at(key).to_number<std::uint64_t>();
}
double number(const boost::json::object& object, std::string_view key) {
    return object.at(key).to_number<double>();
}

}  // namespace

TEST_CASE("summary.json of a journey run has journeys, step fields, tags and checks",
          "[reports][journeys]") {
    const auto run = journey_run();
    const auto& summary = run.summary;
    INFO(boost::json::serialize(summary));

    REQUIRE(summary.at("journeys").as_array().size() == 1);
    const auto& shop = object_at(summary, "journeys", 0);
    const auto& flow = run.result.totals.per_flow.at(0);
    CHECK(shop.at("name").as_string() == "shop");
    CHECK(count(shop, "started") == 20);
    CHECK(count(shop, "completed") == 15);
    CHECK(count(shop, "failed") == 5);
    CHECK(count(shop, "started") == flow.started);
    CHECK(count(shop, "dropped") == 0);
    CHECK(count(shop, "interrupted") == 0);
    CHECK(number(shop, "failed_rate") == Approx(0.25));
    // 20 journeys in 2 s of 55 step requests: the target (10/s) is met in arrivals.
    CHECK(run.result.totals.arrivals == 20);
    CHECK(number(summary.at("totals").as_object(), "arrivals_rps") == Approx(10));
    CHECK(shop.at("tags").as_object().at("team").as_string() == "web");
    CHECK(boost::json::serialize(shop.at("steps")) == R"(["shop.browse","shop.cart","shop.pay"])");
    const auto& duration = shop.at("duration_ms").as_object();
    CHECK(number(duration, "min") == Approx(35).epsilon(0.001));  // a bad journey
    CHECK(number(duration, "max") == Approx(95).epsilon(0.001));  // a good one

    // Steps: the request rows gain journey, tags and extract_errors.
    const auto& cart = object_at(summary, "requests", 1);
    CHECK(cart.at("journey").as_string() == "shop");
    CHECK(cart.at("tags").as_object().at("speed").as_string() == "fast");
    CHECK(count(cart, "extract_errors") == 5);
    CHECK(count(cart, "requests") == 20);
    CHECK(count(object_at(summary, "requests", 0), "extract_errors") == 0);
    CHECK(count(object_at(summary, "requests", 2), "requests") == 15);

    // Tags, sorted: speed=fast (browse + cart: 40, up to 20 ms), speed=slow (pay: 15, 50 ms),
    // team=web (every step: 55).
    const auto& tags = summary.at("tags").as_array();
    REQUIRE(tags.size() == 3);
    const auto& fast = tags[0].as_object();
    CHECK(fast.at("key").as_string() == "speed");
    CHECK(fast.at("value").as_string() == "fast");
    CHECK(count(fast, "requests") == 40);
    CHECK(number(fast.at("latency_ms").as_object(), "max") == Approx(20).epsilon(0.001));
    CHECK(number(fast.at("latency_ms").as_object(), "min") == Approx(5).epsilon(0.001));
    CHECK(count(tags[1].as_object(), "requests") == 15);
    CHECK(count(tags[2].as_object(), "requests") == 55);

    const auto& check = object_at(summary, "checks", 0);
    CHECK(check.at("name").as_string() == "cart ok");
    CHECK(check.at("step").as_string() == "shop.cart");
    CHECK(count(check, "passed") == 15);
    CHECK(count(check, "failed") == 5);
    CHECK(number(check, "rate") == Approx(0.75));

    // The check threshold decides the verdict.
    CHECK(object_at(summary, "thresholds", 0).at("scope").as_string() == "cart ok");
    CHECK_FALSE(object_at(summary, "thresholds", 0).at("pass").as_bool());
    CHECK(object_at(summary, "thresholds", 1).at("pass").as_bool());
    CHECK(summary.at("verdict").as_string() == "fail");
}

TEST_CASE("the typed summary and every renderer show journeys, steps, checks and tags",
          "[reports][journeys]") {
    const auto run = journey_run();
    const auto typed = reports::parse_run_summary(run.summary, "the run's summary");
    REQUIRE(typed.journeys.size() == 1);
    CHECK(typed.journeys[0].completed == 15);
    CHECK(typed.journeys[0].steps.size() == 3);
    CHECK(typed.journeys[0].duration_ms.max == Approx(95).epsilon(0.001));
    REQUIRE(typed.checks.size() == 1);
    CHECK(typed.checks[0].failed == 5);
    CHECK(typed.checks[0].rate == Approx(0.75));
    REQUIRE(typed.tags.size() == 3);
    CHECK(typed.tags[2].requests == 55);
    CHECK(typed.requests[1].journey == std::optional<std::string>("shop"));
    CHECK(typed.requests[1].extract_errors == 5);
    CHECK(typed.thresholds[0].scope == std::optional<std::string>("cart ok"));

    const auto console = reports::render_console(typed);
    INFO(console);
    CHECK_THAT(console, Contains("journey") && Contains("shop") && Contains("browse") &&
                            Contains("5 extract errors") && Contains("cart ok [shop.cart]") &&
                            Contains("15 passed, 5 failed") && Contains("speed=fast"));
    const auto html = reports::render_html(typed);
    CHECK_THAT(html, Contains("<section id=\"journeys\">") &&
                         Contains("<section id=\"journey-steps\">") &&
                         Contains("<section id=\"checks\">") && Contains("<section id=\"tags\">"));
    const auto md = reports::render_markdown(typed);
    CHECK_THAT(md, Contains("## Journeys") && Contains("## Journey steps") &&
                       Contains("## Checks") && Contains("| cart ok | shop.cart | 15 | 5 |"));
    const auto junit = reports::render_junit(typed);
    INFO(junit);
    CHECK_THAT(junit, Contains("<testcase classname=\"volley.journeys\" name=\"shop\"") &&
                          Contains("<testcase classname=\"volley.checks\" name=\"cart ok\"") &&
                          Contains("passed 15, failed 5"));
    // Cases: 2 thresholds, 1 journey, 1 check, the run; only the check threshold fails.
    CHECK_THAT(junit, Contains("tests=\"5\" failures=\"1\""));
}

TEST_CASE("latency.hlog of a journey run has journey duration and merged tag lines",
          "[reports][journeys]") {
    const auto path = std::filesystem::temp_directory_path() /
                      ("volley-journeys-" + std::to_string(::getpid()) + ".hlog");
    const auto run = journey_run(&path);
    const auto log = reports::read_hlog(path);
    std::filesystem::remove(path);
    const auto tags = log.tags();
    CHECK(tags == std::vector<std::string>{"shop.browse", "shop.cart", "shop.pay", "journey:shop",
                                           "tag:speed=fast", "tag:speed=slow", "tag:team=web"});
    const auto journey = reports::accumulate(log, "journey:shop");
    REQUIRE(journey);
    CHECK(journey->total_count() == 20);
    CHECK(journey->max() ==
          run.result.totals.per_flow.at(0).duration.highest_equivalent_value(95'000'000));
    const auto fast = reports::accumulate(log, "tag:speed=fast");
    REQUIRE(fast);
    CHECK(fast->total_count() == 40);
    CHECK(reports::accumulate(log, "tag:team=web")->total_count() == 55);
}

TEST_CASE("a plain request mix gets no journey sections", "[reports][journeys]") {
    // The same run described without a catalog: summary.json keeps its plain-mix layout.
    const auto spec = journey_spec(1s);
    const auto result = run_journeys(spec, 0);
    const auto summary = reports::make_summary(result, reports::RunMetadata{}, {}, {});
    CHECK_FALSE(summary.contains("journeys"));
    CHECK_FALSE(summary.contains("tags"));
    CHECK_FALSE(summary.contains("checks"));
    for (const auto& request : summary.at("requests").as_array()) {
        CHECK(request.as_object().size() == 11);  // the plain layout, dropped and unsent included
        CHECK_FALSE(request.as_object().contains("journey"));
    }
    const auto typed = reports::parse_run_summary(summary, "plain");
    CHECK(typed.journeys.empty());
    const auto console = reports::render_console(typed);
    CHECK_THAT(console, !Contains("journey"));
    CHECK_THAT(reports::render_junit(typed), !Contains("volley.checks"));
}
