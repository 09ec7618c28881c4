#include "thresholds/units.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

using namespace std::chrono_literals;
using volley::thresholds::Nanos;
using namespace volley::thresholds;

TEST_CASE("durations parse with mandatory units", "[units]") {
    CHECK(parse_duration("500ms") == 500ms);
    CHECK(parse_duration("90s") == 90s);
    CHECK(parse_duration("2m") == 2min);
    CHECK(parse_duration("1h30m") == 90min);
    CHECK(parse_duration("250us") == 250us);
    CHECK(parse_duration("250\xC2\xB5s") == 250us);
    CHECK(parse_duration("7ns") == 7ns);
    CHECK(parse_duration("1.5s") == 1500ms);
    CHECK(parse_duration("1m30s500ms") == 90500ms);
    CHECK(parse_duration("0") == 0s);
    CHECK(parse_duration("0s") == 0s);
    CHECK(parse_duration(" 8h ") == 8h);
}

TEST_CASE("bad durations are refused with a reason", "[units]") {
    CHECK_THROWS_WITH(parse_duration("30"), Catch::Contains("no unit"));
    CHECK_THROWS_WITH(parse_duration("-5s"), Catch::Contains("negative"));
    CHECK_THROWS_WITH(parse_duration("5 parsecs"), Catch::Contains("unknown unit"));
    CHECK_THROWS_WITH(parse_duration("30m1h"), Catch::Contains("larger to smaller"));
    CHECK_THROWS_WITH(parse_duration("s"), Catch::Contains("not a duration"));
    CHECK_THROWS_WITH(parse_duration(""), Catch::Contains("empty"));
    CHECK_THROWS_WITH(parse_duration("1000000000h"), Catch::Contains("too long"));
}

TEST_CASE("rates are per second, a bare number is rps", "[units]") {
    CHECK(parse_rate_rps("100/s") == 100);
    CHECK(parse_rate_rps("6000/m") == Approx(100));
    CHECK(parse_rate_rps("6000/min") == Approx(100));
    CHECK(parse_rate_rps("3600/h") == Approx(1));
    CHECK(parse_rate_rps("2.5/s") == 2.5);
    CHECK(parse_rate_rps("250") == 250);
    CHECK(parse_rate_rps("0") == 0);
    CHECK_THROWS_WITH(parse_rate_rps("-1/s"), Catch::Contains("negative"));
    CHECK_THROWS_WITH(parse_rate_rps("100/d"), Catch::Contains("unknown unit"));
    CHECK_THROWS_WITH(parse_rate_rps("fast"), Catch::Contains("not a rate"));
    CHECK_THROWS_WITH(parse_rate_rps("100rps"), Catch::Contains("not a rate"));
}

TEST_CASE("percentages need a percent sign", "[units]") {
    CHECK(parse_percent_ratio("1%") == Approx(0.01));
    CHECK(parse_percent_ratio("99.9%") == Approx(0.999));
    CHECK(parse_percent_ratio("0") == 0);
    CHECK(parse_percent_ratio("100%") == Approx(1));
    CHECK_THROWS_WITH(parse_percent_ratio("0.01"), Catch::Contains("percent sign"));
    CHECK_THROWS_WITH(parse_percent_ratio("-1%"), Catch::Contains("negative"));
    CHECK_THROWS_WITH(parse_percent_ratio("x%"), Catch::Contains("not a percentage"));
}

TEST_CASE("durations format back into parseable text", "[units]") {
    for (const Nanos value : {Nanos{0}, Nanos{1}, Nanos{250'000}, Nanos{90'500'000'000},
                              Nanos{5'400'000'000'000}, Nanos{1'500'000}}) {
        CHECK(parse_duration(format_duration(value)) == value);
    }
    CHECK(format_duration(90min) == "1h30m");
    CHECK(format_duration(250ms) == "250ms");
    CHECK(format_rate(100) == "100/s");
}
