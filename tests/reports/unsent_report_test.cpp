// `dropped` (the in-flight limit) and `unsent` (still queued when the run ended) are two counts
// from the engine to every output (docs/outputs.md): summary.json totals, outcomes, requests[]
// and intervals[], the console, report.md's key figures and timeline, timeseries.csv. The run is
// the engine's own, on a manual clock, so the counts are exact.
#include <catch2/catch.hpp>

#include "engine/runner.hpp"
#include "fakes/fake_target.hpp"
#include "fakes/stepped_run.hpp"
#include "report_test_support.hpp"
#include "reports/analysis.hpp"
#include "reports/summary_access.hpp"
#include "reports/summary_json.hpp"
#include "reports/thresholds.hpp"

#include <string>

using namespace volley;
using namespace volley::reports::testing;
using namespace std::chrono_literals;
using reports::number_at;

namespace {

// One connection with room for 4 more (max_in_flight 5), 10 arrivals in 1 s, answers in 10 s,
// a 2 s drain: arrival 0 is sent and cancelled at the drain's end, 1-4 wait in the queue and are
// never sent (unsent), 5-9 meet the in-flight limit (dropped).
boost::json::object queued_at_the_end() {
    testing::FakeTarget target([](engine::Nanos) { return testing::FakeResponse{10s}; });
    engine::RunSpec spec;
    spec.profile = engine::OpenProfile{10, {engine::Stage{1s, 10}}, engine::Arrival::uniform};
    spec.connections = 1;
    spec.max_in_flight = 5;
    spec.handle_signals = false;
    spec.drain = 2s;
    reports::ThresholdEvaluator thresholds({}, spec.request_names, 10);
    reports::RunAnalyser analyser(reports::AnalysisSettings{}, &thresholds);
    engine::RunInputs inputs{
        target,
        [](std::size_t, std::size_t) { return std::make_unique<testing::StaticSource>(); },
        {},
        {&thresholds, &analyser}};
    testing::ManualClock clock;
    const auto result = testing::run_stepped(spec, inputs, clock);
    reports::RunMetadata metadata;
    metadata.scenario_name = "queued at the end";
    return reports::make_summary(result, metadata, thresholds.results(result),
                                 analyser.analyse(result));
}

double interval_sum(const boost::json::object& summary, const char* key) {
    double sum = 0;
    for (const auto& row : summary.at("intervals").as_array())
        sum += number_at(row.as_object(), key).value_or(-1e9);  // a missing key fails
    return sum;
}

}  // namespace

TEST_CASE("arrivals queued at the end are unsent, not dropped, in summary.json and the reports",
          "[reports][unsent]") {
    const auto summary = queued_at_the_end();
    CHECK(number_at(summary, "totals.dropped") == 5.0);
    CHECK(number_at(summary, "totals.unsent") == 4.0);
    CHECK(number_at(summary, "outcomes.dropped") == 5.0);
    CHECK(number_at(summary, "outcomes.unsent") == 4.0);
    CHECK(number_at(summary, "outcomes.cancelled") == 1.0);
    const auto& request = summary.at("requests").as_array().at(0).as_object();
    CHECK(number_at(request, "dropped") == 5.0);
    CHECK(number_at(request, "unsent") == 4.0);
    CHECK(interval_sum(summary, "dropped") == 5);
    CHECK(interval_sum(summary, "unsent") == 4);

    const auto console = render_console(summary, false);
    INFO(console);
    CHECK(console.find("5 dropped, 4 unsent") != std::string::npos);

    const auto markdown = render_markdown(summary);
    const auto figures = markdown_table(markdown, "Key figures");
    const auto* unsent = row_labelled(figures, "Unsent");
    REQUIRE(unsent != nullptr);
    CHECK(shows(unsent->at(1), 4));
    const auto* dropped = row_labelled(figures, "Dropped");
    REQUIRE(dropped != nullptr);
    CHECK(shows(dropped->at(1), 5));
    const auto timeline = markdown_table(markdown, "Timeline");
    double timeline_unsent = 0;
    for (std::size_t i = 1; i < timeline.size(); ++i)
        timeline_unsent += read_number(timeline[i][column_index(timeline, "Unsent")])->value;
    CHECK(timeline_unsent == 4);

    const auto csv = render_timeseries_csv(summary);
    CHECK(csv.substr(0, csv.find('\n')).find(",dropped,unsent,") != std::string::npos);
}
