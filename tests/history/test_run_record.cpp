// history/run_record.*: a run directory read back as the history sees it.
#include <catch2/catch.hpp>

#include "history/run_record.hpp"

using namespace volley::history;

namespace {

IntervalHistogram interval_of(double start_s, std::initializer_list<std::int64_t> values_ns) {
    IntervalHistogram interval;
    interval.start_s = start_s;
    interval.length_s = 1.0;
    for (const auto v : values_ns) interval.histogram.record(v);
    return interval;
}

}  // namespace

TEST_CASE("merge_window adds exactly the intervals that start inside the window", "[history]") {
    RunSample sample;
    sample.latency[kAllRequests] = {interval_of(0, {1'000'000}),
                                    interval_of(1, {2'000'000, 3'000'000}),
                                    interval_of(2, {9'000'000})};
    const auto window = merge_window(sample, kAllRequests, 1.0, 2.0);
    REQUIRE(window);
    CHECK(window->total_count() == 2);
    CHECK(window->max() == window->highest_equivalent_value(3'000'000));
    const auto all = merge_window(sample, kAllRequests, 0.0, 3.0);
    REQUIRE(all);
    CHECK(all->total_count() == 4);
    CHECK_FALSE(merge_window(sample, kAllRequests, 5.0, 6.0));
    CHECK_FALSE(merge_window(sample, "unknown", 0.0, 3.0));
}
