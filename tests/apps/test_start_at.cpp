// `--start-at` and `--max-start-lag` parsing (apps/start_at.hpp): RFC 3339 whole seconds with
// any offset, "+DURATION" from a given now, and messages that name the flag and say why.
#include "apps/start_at.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

using volley::apps::parse_max_start_lag;
using volley::apps::parse_start_at;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

// 2026-12-06T10:00:00Z
const system_clock::time_point kTen{sys_days{year{2026} / 12 / 6}.time_since_epoch() + 10h};

std::string refusal(std::string_view text) {
    try {
        (void)parse_start_at(text, kTen);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "accepted";
}

}  // namespace

TEST_CASE("--start-at reads an RFC 3339 whole second in UTC or with an offset") {
    CHECK(parse_start_at("2026-12-06T10:00:00Z", kTen) == kTen);
    CHECK(parse_start_at("2026-12-06t10:00:00z", kTen) == kTen);
    CHECK(parse_start_at("2026-12-06T11:30:00+01:30", kTen) == kTen);
    CHECK(parse_start_at("2026-12-06T05:00:00-05:00", kTen) == kTen);
    CHECK(parse_start_at("2026-12-05T23:59:59-10:00", kTen) == kTen - 1s);
    CHECK(parse_start_at("2024-02-29T00:00:00Z", kTen) ==
          system_clock::time_point{sys_days{year{2024} / 2 / 29}.time_since_epoch()});
}

TEST_CASE("--start-at +DURATION is now rounded up to a whole second, plus the duration") {
    CHECK(parse_start_at("+30s", kTen) == kTen + 30s);
    CHECK(parse_start_at("+30s", kTen + 1ms) == kTen + 31s);
    CHECK(parse_start_at("+2m", kTen + 999ms) == kTen + 121s);
    CHECK(parse_start_at("+0s", kTen + 1ns) == kTen + 1s);
    CHECK(parse_start_at("+1h30m", kTen) == kTen + 90min);
}

TEST_CASE("--start-at refuses what is not a whole-second time, naming the flag and the reason") {
    const auto fractional = refusal("2026-12-06T10:00:00.500Z");
    CHECK_THAT(fractional, Catch::StartsWith("--start-at: \"2026-12-06T10:00:00.500Z\""));
    CHECK_THAT(fractional, Catch::Contains("interval boundaries must fall on whole seconds"));
    CHECK_THAT(refusal("+1.5s"), Catch::Contains("whole seconds"));
    CHECK_THAT(refusal("+500ms"), Catch::Contains("whole seconds"));
    CHECK_THAT(refusal("2026-12-06T10:00:00"), Catch::Contains("UTC offset"));
    CHECK_THAT(refusal("2026-02-30T10:00:00Z"), Catch::Contains("no such date"));
    CHECK_THAT(refusal("2026-12-06T24:00:00Z"), Catch::Contains("out of range"));
    CHECK_THAT(refusal("2026-12-06T10:00:60Z"), Catch::Contains("out of range"));
    CHECK_THAT(refusal("2026-12-06T10:00:00+1:00"), Catch::Contains("±hh:mm"));
    CHECK_THAT(refusal("2026-12-06T10:00:00Zjunk"), Catch::Contains("unexpected \"junk\""));
    CHECK_THAT(refusal("2026-12-06 10:00:00Z"), Catch::Contains("expected an RFC 3339 time"));
    CHECK_THAT(refusal("tomorrow"), Catch::Contains("expected an RFC 3339 time"));
    CHECK_THAT(refusal(""), Catch::StartsWith("--start-at:"));
    CHECK_THAT(refusal("+soon"), Catch::StartsWith("--start-at: \"+soon\""));
    CHECK_THAT(refusal("+-5s"), Catch::Contains("negative"));
}

TEST_CASE("--max-start-lag is a duration; errors name the flag") {
    CHECK(parse_max_start_lag("500ms") == 500ms);
    CHECK(parse_max_start_lag("2s") == 2s);
    CHECK(parse_max_start_lag("0") == 0s);
    CHECK_THROWS_WITH(parse_max_start_lag("2"), Catch::StartsWith("--max-start-lag: "));
    CHECK_THROWS_WITH(parse_max_start_lag("-1s"), Catch::StartsWith("--max-start-lag: "));
}
