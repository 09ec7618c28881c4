// A real engine run (manual clock, FakeTarget) observed by the real Observer over scripted
// sources, turned into summary.json, judged, parsed back and rendered: what the reports show of
// observe: comes out of the run, not out of a hand-written file.
#include "fakes/fake_observe_source.hpp"
#include "fakes/fake_target.hpp"
#include "fakes/stepped_run.hpp"
#include "observe/observer.hpp"
#include "reports/console.hpp"
#include "reports/html_report.hpp"
#include "reports/markdown_report.hpp"
#include "reports/run_summary.hpp"
#include "reports/summary_json.hpp"
#include "reports/thresholds.hpp"
#include "reports/timeseries_csv.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

using namespace std::chrono_literals;
using namespace volley;
using observe::SampleContext;
using observe::SourceSample;
using reports::ObservedKind;
using tests::FunctionObserveSource;
using tests::observed_value;

namespace {

// The engine's collector hands each interval straight to the Observer (ObserveThread does the
// same on a thread of its own; here the manual clock keeps everything on one thread).
class SyncObserve final : public engine::IntervalListener {
public:
    explicit SyncObserve(observe::Observer& observer) : observer_(observer) {}
    std::optional<std::string> on_interval(const engine::IntervalReport& report) override {
        std::vector<std::uint64_t> completed;
        for (const auto& request : report.stats.per_request)
            completed.push_back(request.completed());
        observer_.close_interval(report.index,
                                 std::chrono::duration<double>(report.end - report.start).count(),
                                 completed);
        return std::nullopt;
    }

private:
    observe::Observer& observer_;
};

thresholds::ThresholdSpec threshold(std::string expr, std::optional<engine::Nanos> window = {}) {
    thresholds::ThresholdSpec spec;
    spec.expr = std::move(expr);
    spec.window = window;
    return spec;
}

struct ObservedRunResult {
    boost::json::object summary;
    reports::RunSummary parsed;
};

// 100/s for 6 s of one request "naive". Redis: hit rate 90% for 4 intervals, then 50%;
// process: RSS grows 1 MB per second of run time; PostgreSQL: 4 calls of one statement per
// completed request; a Prometheus endpoint that is always down.
ObservedRunResult observed_run(std::vector<thresholds::ThresholdSpec> specs) {
    engine::RunSpec spec;
    spec.profile = engine::OpenProfile{100, {engine::Stage{6s, 100}}, engine::Arrival::uniform};
    spec.connections = 64;
    spec.threads = 1;
    spec.handle_signals = false;
    spec.drain = 1s;
    spec.request_names = {"naive"};

    std::vector<std::unique_ptr<observe::ObserveSource>> sources;
    sources.push_back(std::make_unique<FunctionObserveSource>(
        "redis", [](std::size_t call, const SampleContext&) -> FunctionObserveSource::Answer {
            SourceSample sample;
            if (call == 0) return sample;
            const double hits = call <= 4 ? 90 : 50;
            sample.values.push_back(
                observed_value("redis.hit_rate", ObservedKind::ratio, hits, 100, "ratio"));
            return sample;
        }));
    sources.push_back(std::make_unique<FunctionObserveSource>(
        "process", [](std::size_t call, const SampleContext&) -> FunctionObserveSource::Answer {
            SourceSample sample;
            sample.values.push_back(observed_value("process.rss", ObservedKind::gauge,
                                                   100e6 + 1e6 * static_cast<double>(call), 0,
                                                   "bytes"));
            return sample;
        }));
    sources.push_back(std::make_unique<FunctionObserveSource>(
        "postgres", [](std::size_t, const SampleContext& context) -> FunctionObserveSource::Answer {
            SourceSample sample;
            const auto calls = 4 * context.completed;
            sample.statements.push_back({"SELECT parent_id FROM entities WHERE id = $1", calls, 1});
            sample.values.push_back(observed_value(
                "postgres.queries_per_request", ObservedKind::ratio, static_cast<double>(calls),
                static_cast<double>(context.completed), "count"));
            return sample;
        }));
    sources.push_back(std::make_unique<FunctionObserveSource>(
        "prometheus http://127.0.0.1:1/metrics",
        [](std::size_t, const SampleContext&) -> FunctionObserveSource::Answer {
            return std::string("connect: Connection refused");
        }));
    observe::Observer observer(std::move(sources), spec.request_names, {5, 20});

    testing::FakeTarget target([](engine::Nanos) {
        testing::FakeResponse response;
        response.delay = 2ms;
        response.status = 200;
        return response;
    });
    reports::ThresholdEvaluator evaluator(std::move(specs), spec.request_names, 100);
    SyncObserve observe_listener(observer);
    engine::RunInputs inputs{
        target,
        [](std::size_t, std::size_t) { return std::make_unique<testing::StaticSource>(1); },
        {},
        {&evaluator, &observe_listener}};
    testing::ManualClock clock;
    observer.baseline();
    const auto result = testing::run_stepped(spec, inputs, clock);
    const auto observed = observer.finish(result.intervals.size());
    reports::RunMetadata metadata;
    metadata.scenario_name = "observed";
    auto summary =
        reports::make_summary(result, metadata, evaluator.results(result), {}, &observed);
    auto parsed = reports::parse_run_summary(summary, "the run's summary");
    return {std::move(summary), std::move(parsed)};
}

const boost::json::object* threshold_entry(const boost::json::object& summary,
                                           std::string_view expr) {
    for (const auto& item : summary.at("thresholds").as_array()) {
        if (item.as_object().at("expr").as_string() == expr) return &item.as_object();
    }
    return nullptr;
}

}  // namespace

TEST_CASE("observed thresholds are judged on the run's series, windows included") {
    const auto run = observed_run({
        threshold("observed.redis.hit_rate > 75%"),
        threshold("observed.redis.hit_rate > 75%", 2s),
        threshold("observed.postgres.queries_per_request <= 5"),
        threshold("observed.process.rss_slope < 10MB/h"),
        threshold("observed.prom.up > 0"),
    });
    const auto& summary = run.summary;
    REQUIRE(summary.at("intervals").as_array().size() == 6);

    // 4 intervals at 90% and 2 at 50% of 100 lookups each: 460 / 600.
    const auto* whole = threshold_entry(summary, "observed.redis.hit_rate > 75%");
    REQUIRE(whole != nullptr);
    CHECK(whole->at("actual").to_number<double>() == Approx(460.0 / 6));
    CHECK(whole->at("unit").as_string() == "%");
    CHECK(whole->at("pass").as_bool());

    // Windows of 2 s: 90%, 90%, then 50%: the last window fails.
    const auto& windows = summary.at("thresholds").as_array()[1].as_object();
    CHECK_FALSE(windows.at("pass").as_bool());
    CHECK(windows.at("actual").to_number<double>() == Approx(50));
    CHECK(windows.at("windows").at("evaluated").to_number<int>() == 3);
    CHECK(windows.at("windows").at("failed").to_number<int>() == 1);
    CHECK(windows.at("windows").at("worst_start_s").to_number<double>() == Approx(4));

    const auto* queries = threshold_entry(summary, "observed.postgres.queries_per_request <= 5");
    CHECK(queries->at("actual").to_number<double>() == Approx(4));
    CHECK(queries->at("pass").as_bool());

    // 1 MB per interval of 1 s: 3600 MB per hour.
    const auto* slope = threshold_entry(summary, "observed.process.rss_slope < 10MB/h");
    CHECK(slope->at("actual").to_number<double>() == Approx(3.6e9).epsilon(0.01));
    CHECK_FALSE(slope->at("pass").as_bool());

    // No point at all: fails, saying which source failed and why.
    const auto* prom = threshold_entry(summary, "observed.prom.up > 0");
    CHECK_FALSE(prom->at("pass").as_bool());
    CHECK(prom->at("actual").is_null());
    CHECK_THAT(std::string(prom->at("detail").as_string()),
               Catch::Contains("source prometheus http://127.0.0.1:1/metrics failed 7 of 7") &&
                   Catch::Contains("Connection refused"));
    CHECK(summary.at("verdict").as_string() == "fail");
}

TEST_CASE("summary.json, timeseries.csv, report.md and report.html show the observed run") {
    const auto run = observed_run({});
    const auto& observed = run.summary.at("observed").as_object();
    const auto& sources = observed.at("sources").as_array();
    REQUIRE(sources.size() == 4);
    CHECK(sources[3].at("failures").to_number<int>() == 7);  // the baseline and 6 intervals
    const auto& statements = observed.at("statements").as_array();
    REQUIRE(statements.size() == 1);
    CHECK(statements[0].at("calls_per_request").to_number<double>() == Approx(4));
    CHECK_FALSE(statements[0].at("n_plus_one").as_bool());
    const auto& first = run.summary.at("intervals").as_array()[0].as_object();
    CHECK(first.at("observed").at("redis.hit_rate").to_number<double>() == Approx(0.9));

    const auto& parsed = run.parsed;
    REQUIRE(parsed.observed);
    const auto* hit_rate = &parsed.observed->series[0];
    CHECK(hit_rate->name == "redis.hit_rate");
    REQUIRE(hit_rate->values.size() == 6);
    CHECK(*hit_rate->values[5] == Approx(0.5));
    const auto rss = std::find_if(parsed.observed->series.begin(), parsed.observed->series.end(),
                                  [](const auto& s) { return s.name == "process.rss"; });
    REQUIRE(rss != parsed.observed->series.end());
    CHECK(*rss->slope_per_h == Approx(3.6e9).epsilon(0.01));

    const auto csv = reports::render_timeseries_csv(parsed);
    const auto header = csv.substr(0, csv.find('\n'));
    CHECK_THAT(header, Catch::EndsWith(",observed:redis.hit_rate,observed:process.rss,"
                                       "observed:postgres.queries_per_request"));
    const auto second_line =
        csv.substr(csv.find('\n') + 1, csv.find('\n', csv.find('\n') + 1) - csv.find('\n') - 1);
    CHECK_THAT(second_line, Catch::EndsWith(",0.9,101000000,4"));

    const auto md = reports::render_markdown(parsed);
    CHECK_THAT(md, Catch::Contains("## Observed sources") &&
                       Catch::Contains("connect: Connection refused") &&
                       Catch::Contains("## PostgreSQL statements") &&
                       Catch::Contains("SELECT parent\\_id FROM entities"));
    const auto html = reports::render_html(parsed);
    CHECK_THAT(html, Catch::Contains("Observed: redis (% per interval)") &&
                         Catch::Contains("Observed: process (bytes per interval)"));
}

TEST_CASE("a statement past the N+1 limit is flagged with its reason") {
    SourceSample sample;
    auto source = std::make_unique<FunctionObserveSource>(
        "postgres",
        [](std::size_t call, const SampleContext& context) -> FunctionObserveSource::Answer {
            SourceSample s;
            if (call > 0)
                s.statements.push_back(
                    {"SELECT parent_id FROM e WHERE id = $1", 12 * context.completed, 1});
            return s;
        });
    std::vector<std::unique_ptr<observe::ObserveSource>> sources;
    sources.push_back(std::move(source));
    observe::Observer observer(std::move(sources), {"naive"}, {5, 20});
    observer.baseline();
    observer.close_interval(0, 1.0, {10});
    const auto run = observer.finish(1);
    REQUIRE(run.statements.size() == 1);
    CHECK(run.statements[0].n_plus_one);
    CHECK(run.statements[0].why == "12.0 calls per request > 5");
}

TEST_CASE("the console summary lists each source's figures, its failures and N+1 statements") {
    const auto run = observed_run({});
    const auto console = reports::render_console(run.parsed, false);
    CHECK_THAT(console, Catch::Contains("observed (docs/observe.md)") &&
                            Catch::Contains("redis.hit_rate 76.67%") &&
                            Catch::Contains("7 of 7 samples failed: connect: Connection refused"));
}
