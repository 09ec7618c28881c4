// The Prometheus text format 0.0.4 parser and histogram_quantile (observe/prom_text.hpp).
#include "observe/prom_text.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using volley::observe::prom::Bucket;
using volley::observe::prom::histogram_quantile;
using volley::observe::prom::MetricType;
using volley::observe::prom::parse_text;
using volley::observe::prom::PromTextError;

namespace {

// The message of the PromTextError `text` raises ("" when it parses).
std::string error_of(std::string_view text) {
    try {
        (void)parse_text(text);
    } catch (const PromTextError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("prom text: families with HELP, TYPE, labels, timestamps and special values") {
    const auto exposition = parse_text(
        "# HELP http_requests_total The total number of HTTP requests.\n"
        "# TYPE http_requests_total counter\n"
        "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
        "http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n"
        "\n"
        "# A plain comment\n"
        "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find "
        "file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
        "metric_without_timestamp_and_labels 12.47\n"
        "something_weird{problem=\"division by zero\"} +Inf -3982045\n"
        "# TYPE temperature gauge\n"
        "temperature{room=\"a\",} NaN\n"
        "temperature -Inf\n");
    REQUIRE(exposition.families.size() == 5);
    const auto* requests = exposition.find("http_requests_total");
    REQUIRE(requests != nullptr);
    CHECK(requests->type == MetricType::counter);
    CHECK(requests->help == "The total number of HTTP requests.");
    REQUIRE(requests->samples.size() == 2);
    CHECK(requests->samples[1].value == 3);
    CHECK(requests->samples[1].label("code") == "400");
    CHECK(requests->samples[0].timestamp_ms == 1395066363000);

    const auto* msdos = exposition.find("msdos_file_access_time_seconds");
    REQUIRE(msdos != nullptr);
    CHECK(msdos->type == MetricType::untyped);
    CHECK(msdos->samples[0].label("path") == "C:\\DIR\\FILE.TXT");
    CHECK(msdos->samples[0].label("error") == "Cannot find file:\n\"FILE.TXT\"");
    CHECK(msdos->samples[0].value == 1.458255915e9);

    const auto* weird = exposition.find("something_weird");
    REQUIRE(weird != nullptr);
    CHECK(std::isinf(weird->samples[0].value));
    CHECK(weird->samples[0].timestamp_ms == -3982045);

    const auto* temperature = exposition.find("temperature");
    REQUIRE(temperature != nullptr);
    CHECK(temperature->type == MetricType::gauge);
    CHECK(std::isnan(temperature->samples[0].value));
    CHECK(temperature->samples[1].value == -std::numeric_limits<double>::infinity());
}

TEST_CASE("prom text: a histogram's and a summary's samples join their family") {
    const auto exposition = parse_text(
        "# TYPE latency_seconds histogram\n"
        "latency_seconds_bucket{le=\"0.1\"} 3\n"
        "latency_seconds_bucket{le=\"+Inf\"} 5\n"
        "latency_seconds_sum 1.5\n"
        "latency_seconds_count 5\n"
        "# TYPE rpc_seconds summary\n"
        "rpc_seconds{quantile=\"0.5\"} 0.2\n"
        "rpc_seconds_sum 10\n"
        "rpc_seconds_count 40\n"
        "latency_seconds_extra 1\n");
    REQUIRE(exposition.families.size() == 3);
    const auto* latency = exposition.find("latency_seconds");
    REQUIRE(latency != nullptr);
    CHECK(latency->type == MetricType::histogram);
    CHECK(latency->samples.size() == 4);
    const auto* rpc = exposition.find("rpc_seconds");
    REQUIRE(rpc != nullptr);
    CHECK(rpc->type == MetricType::summary);
    CHECK(rpc->samples.size() == 3);
    CHECK(exposition.find("latency_seconds_extra") != nullptr);
}

TEST_CASE("prom text: malformed input names its line") {
    CHECK(error_of("<!DOCTYPE html>\n<html><body>hi</body></html>\n")
              .starts_with("line 1: expected a metric name or '#', found '<'"));
    CHECK(error_of("ok 1\n\nbad{x=\"1} 2\n").starts_with("line 3: label value without"));
    CHECK(error_of("a{x=\"\\t\"} 1\n").starts_with("line 1: bad escape in a label value"));
    CHECK(error_of("a{x=1} 1\n").starts_with("line 1: expected '\"', found '1'"));
    CHECK(error_of("a{1x=\"1\"} 1\n").starts_with("line 1: expected a label name or '}'"));
    CHECK(error_of("a 1\nb\n").starts_with("line 2: b has no value"));
    CHECK(error_of("a one\n").starts_with("line 1: a: the value 'one' is not a number"));
    CHECK(error_of("a 1 2.5\n").starts_with("line 1: a: the timestamp '2.5' is not an integer"));
    CHECK(error_of("a 1 2 3\n").starts_with("line 1: unexpected '3' after the timestamp"));
    CHECK(error_of("# TYPE a countr\n").starts_with("line 1: unknown metric type 'countr'"));
    CHECK(error_of("# TYPE a counter\n# TYPE a gauge\n")
              .starts_with("line 2: a second # TYPE line for a"));
    CHECK(error_of("a 1\n# TYPE a gauge\n").starts_with("line 2: # TYPE line for a after its"));
    CHECK(error_of("# HELP a x\n# HELP a y\n").starts_with("line 2: a second # HELP line"));
    CHECK(error_of("# TYPE h histogram\nh_bucket 1\n").starts_with("line 2: h_bucket has no 'le'"));
    CHECK(error_of("# TYPE h histogram\nh_bucket{le=\"x\"} 1\n")
              .starts_with("line 2: h_bucket: le=\"x\" is not a number"));
    CHECK(error_of("{\"json\": true}\n").starts_with("line 1: expected a metric name or '#'"));
    CHECK(error_of("a 1\nb 2\n").empty());
}

TEST_CASE("prom text: histogram_quantile interpolates as Prometheus does") {
    // 10 observations: 2 in (0, 0.1], 6 in (0.1, 0.5], 1 in (0.5, 1], 1 above 1.
    const std::vector<Bucket> buckets = {
        {0.1, 2}, {0.5, 8}, {1, 9}, {std::numeric_limits<double>::infinity(), 10}};
    // p50: rank 5 falls in (0.1, 0.5] holding 6; 3 of them below it: 0.1 + 0.4 * 3/6.
    CHECK(*histogram_quantile(0.5, buckets) == Approx(0.3));
    // p10: rank 1 in the first bucket, which starts at 0: 0.1 * 1/2.
    CHECK(*histogram_quantile(0.1, buckets) == Approx(0.05));
    // p85: rank 8.5 in (0.5, 1] holding 1: 0.5 + 0.5 * 0.5.
    CHECK(*histogram_quantile(0.85, buckets) == Approx(0.75));
    // p99: rank 9.9 in +Inf: the highest finite bound.
    CHECK(*histogram_quantile(0.99, buckets) == 1);
    // Unsorted input and a count that fell (a non-atomic scrape) are repaired.
    CHECK(*histogram_quantile(
              0.5, {{std::numeric_limits<double>::infinity(), 10}, {0.5, 8}, {1, 7}, {0.1, 2}}) ==
          Approx(0.3));
    CHECK_FALSE(histogram_quantile(0.5, {{0.1, 2}, {0.5, 8}}));  // no +Inf bucket
    CHECK_FALSE(histogram_quantile(0.5, {{0.1, 0}, {std::numeric_limits<double>::infinity(), 0}}));
    CHECK_FALSE(histogram_quantile(0.5, {{std::numeric_limits<double>::infinity(), 3}}));
    CHECK_FALSE(histogram_quantile(1.5, buckets));
}
