#include "thresholds/threshold_expr.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

using namespace volley::thresholds;

TEST_CASE("threshold expressions parse into metric, comparator, value and unit", "[thresholds]") {
    SECTION("percentile with a time") {
        const auto expr = parse_threshold_expr("p(95) < 200ms");
        CHECK(expr.metric == ThresholdMetric::percentile);
        CHECK(expr.percentile == 95);
        CHECK(expr.cmp == ThresholdComparator::less);
        CHECK(expr.unit == ThresholdUnit::ns);
        CHECK(expr.value == 200e6);
    }
    SECTION("fractional percentile, no spaces") {
        const auto expr = parse_threshold_expr("p(99.9)<=1.5s");
        CHECK(expr.percentile == Approx(99.9));
        CHECK(expr.cmp == ThresholdComparator::less_equal);
        CHECK(expr.value == 1.5e9);
    }
    SECTION("avg, min, max") {
        CHECK(parse_threshold_expr("avg < 100ms").metric == ThresholdMetric::avg);
        CHECK(parse_threshold_expr("min > 250us").value == 250e3);
        CHECK(parse_threshold_expr("max < 2s").metric == ThresholdMetric::max);
    }
    SECTION("ratios") {
        const auto errors = parse_threshold_expr("error_rate < 1%");
        CHECK(errors.metric == ThresholdMetric::error_rate);
        CHECK(errors.unit == ThresholdUnit::ratio);
        CHECK(errors.value == Approx(0.01));
        CHECK(parse_threshold_expr("error_rate == 0").value == 0);
        CHECK(parse_threshold_expr("cache_hit_rate > 99%").value == Approx(0.99));
        const auto tier = parse_threshold_expr("served_by.L1 > 90%");
        CHECK(tier.metric == ThresholdMetric::served_by);
        CHECK(tier.tier == "L1");
        CHECK(tier.value == Approx(0.9));
    }
    SECTION("throughput against the target or a rate") {
        const auto relative = parse_threshold_expr("throughput >= 95% target");
        CHECK(relative.unit == ThresholdUnit::fraction_of_target);
        CHECK(relative.cmp == ThresholdComparator::greater_equal);
        CHECK(relative.value == Approx(0.95));
        const auto absolute = parse_threshold_expr("throughput > 1000/s");
        CHECK(absolute.unit == ThresholdUnit::rps);
        CHECK(absolute.value == 1000);
        CHECK(parse_threshold_expr("throughput > 60000/m").value == Approx(1000));
    }
    SECTION("dropped as a count or a share") {
        const auto count = parse_threshold_expr("dropped == 0");
        CHECK(count.unit == ThresholdUnit::count);
        CHECK(count.cmp == ThresholdComparator::equal);
        const auto share = parse_threshold_expr("dropped < 0.1%");
        CHECK(share.unit == ThresholdUnit::ratio);
        CHECK(share.value == Approx(0.001));
    }
}

TEST_CASE("bad threshold expressions say what is wrong", "[thresholds]") {
    struct Case {
        const char* text;
        const char* message;
    };
    const Case cases[] = {
        {"p(95) < 200", "a time needs a unit"},
        {"avg < 1.5", "a time needs a unit"},
        {"error_rate < 0.01", "needs a percent sign"},
        {"cache_hit_rate > 99", "needs a percent sign"},
        {"throughput > 1000", "throughput needs a rate unit"},
        {"throughput >= 95%", "write '95% target'"},
        {"throughput >= abc target", "percentage of the target"},
        {"p95 < 200ms", "write percentiles as p(95)"},
        {"p(0) < 1s", "outside (0, 100]"},
        {"p(101) < 1s", "outside (0, 100]"},
        {"p(x) < 1s", "not a number"},
        {"p(95 < 1s", "closing parenthesis"},
        {"latency < 1s", "unknown metric 'latency'"},
        {"served_by.L5 > 1%", "unknown tier 'L5'"},
        {"served_by > 1%", "needs a tier"},
        {"error_rate = 1%", "use =="},
        {"error_rate != 1%", "not supported"},
        {"error_rate 1%", "expected a comparator"},
        {"error_rate <", "missing value"},
        {"error_rate < 120%", "more than 100%"},
        {"dropped < 1.5", "whole number"},
        {"dropped < lots", "compares to a count"},
        {"", "empty"},
        {"p(95) < 200 parsecs", "unknown unit"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        CHECK_THROWS_WITH(parse_threshold_expr(c.text), Catch::Contains(c.message));
    }
}

TEST_CASE("threshold expressions format canonically and re-parse", "[thresholds]") {
    for (const char* text :
         {"p(95) < 200ms", "p(99.9) <= 1s500ms", "avg < 100ms", "error_rate == 0%",
          "throughput >= 95% target", "throughput > 1000/s", "dropped == 0", "served_by.L2 > 5%",
          "cache_hit_rate >= 99.5%", "dropped < 0.1%"}) {
        INFO(text);
        const auto expr = parse_threshold_expr(text);
        CHECK(format_threshold_expr(expr) == text);
        const auto again = parse_threshold_expr(format_threshold_expr(expr));
        CHECK(again.metric == expr.metric);
        CHECK(again.value == Approx(expr.value));
        CHECK(again.unit == expr.unit);
    }
}

TEST_CASE("compare applies the comparator", "[thresholds]") {
    CHECK(compare(1, ThresholdComparator::less, 2));
    CHECK_FALSE(compare(2, ThresholdComparator::less, 2));
    CHECK(compare(2, ThresholdComparator::less_equal, 2));
    CHECK(compare(3, ThresholdComparator::greater, 2));
    CHECK(compare(2, ThresholdComparator::greater_equal, 2));
    CHECK(compare(0, ThresholdComparator::equal, 0));
    CHECK_FALSE(compare(0.1, ThresholdComparator::equal, 0));
}

TEST_CASE("observed thresholds: series, label scope and values in the series' unit",
          "[thresholds]") {
    SECTION("a ratio as a percentage") {
        const auto expr = parse_threshold_expr("observed.redis.hit_rate > 95%");
        CHECK(expr.metric == ThresholdMetric::observed);
        CHECK(expr.observed == "redis.hit_rate");
        CHECK(expr.unit == ThresholdUnit::ratio);
        CHECK(expr.value == Approx(0.95));
    }
    SECTION("a plain number with a request scope") {
        const auto expr =
            parse_threshold_expr("observed.postgres.queries_per_request{request:naive} <= 5");
        CHECK(expr.observed == "postgres.queries_per_request");
        CHECK(expr.scope.kind == ThresholdScopeKind::request);
        CHECK(expr.scope.name == "naive");
        CHECK(expr.unit == ThresholdUnit::observed);
        CHECK(expr.value == 5);
    }
    SECTION("a slope is kept per hour, whatever per-time is written") {
        CHECK(parse_threshold_expr("observed.process.rss_slope < 10MB/h").value == 1e7);
        CHECK(parse_threshold_expr("observed.process.rss_slope < 1KiB/s").value == 1024.0 * 3600);
        CHECK(parse_threshold_expr("observed.process.open_fds_slope < 60/m").value == 3600);
    }
    SECTION("any other per-time figure is kept per second") {
        CHECK(parse_threshold_expr("observed.redis.ops < 6000/m").value == 100);
        CHECK(parse_threshold_expr("observed.redis.used_memory < 2GiB").value ==
              2.0 * 1024 * 1024 * 1024);
    }
    SECTION("a label scope and a Prometheus name with colons") {
        const auto expr = parse_threshold_expr("observed.redis.keys{pattern:anc:*} < 1e6");
        CHECK(expr.scope.kind == ThresholdScopeKind::tag);
        CHECK(expr.scope.key == "pattern");
        CHECK(expr.scope.name == "anc:*");
        CHECK(parse_threshold_expr("observed.prom.job:rate5m.p99 < 0.2").observed ==
              "prom.job:rate5m.p99");
    }
    SECTION("errors") {
        CHECK_THROWS_WITH(parse_threshold_expr("observed. < 1"),
                          Catch::Contains("observed needs a series"));
        CHECK_THROWS_WITH(parse_threshold_expr("observed.process.rss_slope < 10MB"),
                          Catch::Contains("a slope is a change per time"));
        CHECK_THROWS_WITH(parse_threshold_expr("observed.redis.ops < 10/d"),
                          Catch::Contains("unknown per-time '/d'"));
        CHECK_THROWS_WITH(parse_threshold_expr("observed.redis.ops < lots"),
                          Catch::Contains("is not a number"));
        CHECK_THROWS_WITH(parse_threshold_expr("observed.redis.ops{journey:x} < 1"),
                          Catch::Contains("takes a label scope"));
    }
    SECTION("formats canonically and re-parses") {
        for (const char* text :
             {"observed.redis.hit_rate > 95%", "observed.process.rss_slope < 10MB/h",
              "observed.postgres.queries_per_request{request:naive} <= 5"}) {
            const auto expr = parse_threshold_expr(text);
            const auto again = parse_threshold_expr(format_threshold_expr(expr));
            CHECK(again.observed == expr.observed);
            CHECK(again.value == Approx(expr.value));
            CHECK(again.unit == expr.unit);
            CHECK(again.scope.name == expr.scope.name);
        }
        CHECK(format_threshold_expr(parse_threshold_expr("observed.process.rss_slope < 10MB/h")) ==
              "observed.process.rss_slope < 1e+07/h");
    }
}
