// The sampler core (observe/observer.hpp) on scripted sources: baselines, failures, the short
// last interval, statements and N+1, and the span figures of reports/observed.hpp.
#include "fakes/fake_observe_source.hpp"
#include "observe/observer.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <memory>

using volley::observe::Observer;
using volley::observe::SourceSample;
using volley::reports::ObservedKind;
using volley::tests::FakeObserveSource;
using volley::tests::observed_value;

namespace {

SourceSample with_values(std::vector<volley::reports::ObservedValue> values) {
    SourceSample sample;
    sample.values = std::move(values);
    return sample;
}

std::vector<std::unique_ptr<volley::observe::ObserveSource>> one(
    std::unique_ptr<FakeObserveSource> source) {
    std::vector<std::unique_ptr<volley::observe::ObserveSource>> sources;
    sources.push_back(std::move(source));
    return sources;
}

}  // namespace

TEST_CASE("the baseline's values stay out of the interval rows; later samples fill them") {
    auto source = std::make_unique<FakeObserveSource>(
        "redis", std::deque<FakeObserveSource::Answer>{
                     with_values({observed_value("redis.used_memory", ObservedKind::gauge, 1)}),
                     with_values({observed_value("redis.hit_rate", ObservedKind::ratio, 9, 10)}),
                     with_values({observed_value("redis.hit_rate", ObservedKind::ratio, 1, 10)})});
    auto* fake = source.get();
    Observer observer(one(std::move(source)), {"a", "b"});
    observer.baseline();
    observer.close_interval(0, 1.0, {3, 4});
    observer.close_interval(1, 1.0, {5, 0});
    const auto run = observer.finish(2);
    REQUIRE(run.find("redis.used_memory") == nullptr);
    const auto* hit_rate = run.find("redis.hit_rate");
    REQUIRE(hit_rate != nullptr);
    CHECK(hit_rate->source == "redis");
    REQUIRE(hit_rate->points.size() == 2);
    CHECK(volley::reports::span_value(*hit_rate, 0, 2) == Approx(0.5));
    CHECK(volley::reports::span_value(*hit_rate, 0, 1) == Approx(0.9));
    CHECK(fake->seen_completed == std::vector<std::uint64_t>{0, 7, 5});
    REQUIRE(run.sources.size() == 1);
    CHECK(run.sources[0].samples == 3);
    CHECK(run.sources[0].failures == 0);
}

TEST_CASE("a failing sample is counted with its first reason and leaves a gap") {
    auto source = std::make_unique<FakeObserveSource>(
        "postgres",
        std::deque<FakeObserveSource::Answer>{
            SourceSample{}, std::string("connection refused"), std::string("still refused"),
            with_values({observed_value("postgres.transactions", ObservedKind::rate, 50, 1)})});
    Observer observer(one(std::move(source)), {"a"});
    observer.baseline();
    for (std::size_t i = 0; i < 3; ++i) observer.close_interval(i, 1.0, {10});
    const auto run = observer.finish(3);
    CHECK(run.sources[0].failures == 2);
    CHECK(run.sources[0].first_error == "connection refused");
    const auto* series = run.find("postgres.transactions");
    REQUIRE(series != nullptr);
    REQUIRE(series->points.size() == 3);
    CHECK_FALSE(series->points[0].has_value());
    CHECK_FALSE(series->points[1].has_value());
    CHECK(series->points[2]->num == 50);
    CHECK(volley::reports::span_value(*series, 0, 2) == std::nullopt);
}

TEST_CASE("a short last interval the engine merged into the row before is folded into it") {
    auto source = std::make_unique<FakeObserveSource>(
        "p", std::deque<FakeObserveSource::Answer>{
                 SourceSample{},
                 with_values({observed_value("a", ObservedKind::rate, 100, 1),
                              observed_value("g", ObservedKind::gauge, 7),
                              observed_value("q", ObservedKind::peak, 3)}),
                 with_values({observed_value("a", ObservedKind::rate, 20, 0.2),
                              observed_value("g", ObservedKind::gauge, 9),
                              observed_value("q", ObservedKind::peak, 2)})});
    Observer observer(one(std::move(source)), {"x"});
    observer.baseline();
    observer.close_interval(0, 1.0, {1});
    observer.close_interval(1, 0.2, {1});
    const auto run = observer.finish(1);
    const auto* rate = run.find("a");
    REQUIRE(rate->points.size() == 1);
    CHECK(rate->points[0]->num == 120);
    CHECK(rate->points[0]->den == Approx(1.2));
    CHECK(run.find("g")->points[0]->num == 9);  // a level: the latest reading
    CHECK(run.find("q")->points[0]->num == 3);  // a peak: the larger
}

TEST_CASE("statements are totalled over the sampled intervals and flagged N+1 past the limit") {
    SourceSample first;
    first.statements = {{"SELECT parent FROM entities WHERE id = $1", 60, 3.0},
                        {"SELECT path FROM entities WHERE id = $1", 10, 1.0}};
    SourceSample second;
    second.statements = {{"SELECT parent FROM entities WHERE id = $1", 60, 3.0}};
    auto source = std::make_unique<FakeObserveSource>(
        "postgres", std::deque<FakeObserveSource::Answer>{SourceSample{}, first, second});
    Observer observer(one(std::move(source)), {"naive"}, {5, 20});
    observer.baseline();
    observer.close_interval(0, 1.0, {10});
    observer.close_interval(1, 1.0, {10});
    const auto run = observer.finish(2);
    REQUIRE(run.statements.size() == 2);
    CHECK(run.statements[0].text == "SELECT parent FROM entities WHERE id = $1");
    CHECK(run.statements[0].calls == 120);
    CHECK(run.statements[0].calls_per_request == Approx(6.0));
    CHECK(run.statements[0].n_plus_one);
    CHECK(run.statements[0].why == "6.0 calls per request > 5");
    CHECK(run.statements[1].calls_per_request == Approx(0.5));
    CHECK_FALSE(run.statements[1].n_plus_one);
}

TEST_CASE("span figures: gauge mean, peak, slope per hour") {
    volley::reports::ObservedSeries rss;
    rss.kind = ObservedKind::gauge;
    // 1 MB more every second: 3600 MB per hour.
    for (int i = 0; i < 10; ++i)
        rss.points.emplace_back(volley::reports::ObservedPoint{1e6 * i, 0});
    std::array<double, 10> ends{};
    for (std::size_t i = 0; i < ends.size(); ++i) ends[i] = static_cast<double>(i + 1);
    CHECK(*volley::reports::span_slope_per_hour(rss, ends, 0, 10) == Approx(3.6e9));
    CHECK(*volley::reports::span_value(rss, 0, 10) == Approx(4.5e6));
    CHECK(volley::reports::span_slope_per_hour(rss, ends, 3, 4) == std::nullopt);
    rss.kind = ObservedKind::peak;
    CHECK(*volley::reports::span_value(rss, 0, 10) == Approx(9e6));
}
