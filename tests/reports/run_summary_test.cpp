// The typed run summary (reports/run_summary.hpp): parsed from a real run's summary object it
// equals what parsing the written summary.json gives back; a missing key or a value of the wrong
// type is refused with the source and the key path.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <string>
#include <type_traits>
#include <utility>

#include <boost/pfr.hpp>

#include <unistd.h>

#include "report_test_support.hpp"
#include "reports/console.hpp"
#include "reports/markdown_report.hpp"
#include "reports/number_format.hpp"
#include "reports/report_tables.hpp"
#include "reports/run_outputs.hpp"
#include "reports/run_summary.hpp"
#include "reports/summary_json.hpp"
#include "run_fixture.hpp"

using namespace volley::reports;
using namespace volley::reports::testing;
namespace json = boost::json;

namespace {

// The value at a path of keys and array indexes ("requests", "0", "latency_ms"); throws when a
// step is missing.
json::value& value_at_path(json::object& root, const std::vector<std::string>& path) {
    json::value* current = nullptr;
    json::object* object = &root;
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (current != nullptr && current->is_array()) {
            current = &current->as_array().at(std::stoul(path[i]));
        } else {
            current = &object->at(path[i]);
        }
        object = current->if_object();
    }
    return *current;
}

// `summary` without the last key of `path`.
json::object without(json::object summary, std::vector<std::string> path) {
    const auto key = path.back();
    path.pop_back();
    auto& parent = path.empty() ? summary : value_at_path(summary, path).as_object();
    REQUIRE(parent.erase(key) == 1);
    return summary;
}

json::object with(json::object summary, const std::vector<std::string>& path, json::value value) {
    value_at_path(summary, path) = std::move(value);
    return summary;
}

// Equality where every double may differ by a few units in the last place: Boost.JSON 1.81
// parses numbers to within 1 ULP, not always to the double that was written.
bool near(double a, double b) {
    return a == b || std::abs(a - b) <= 4e-16 * std::max(std::abs(a), std::abs(b));
}
bool near(const std::string& a, const std::string& b) { return a == b; }
template <typename T>
bool near(const std::optional<T>& a, const std::optional<T>& b);
template <typename T>
bool near(const std::vector<T>& a, const std::vector<T>& b);
template <typename T, std::size_t N>
bool near(const std::array<T, N>& a, const std::array<T, N>& b);
template <typename A, typename B>
bool near(const std::pair<A, B>& a, const std::pair<A, B>& b);
template <typename T>
bool near(const T& a, const T& b);

template <typename T>
bool near(const std::optional<T>& a, const std::optional<T>& b) {
    return a.has_value() == b.has_value() && (!a || near(*a, *b));
}
template <typename T>
bool near(const std::vector<T>& a, const std::vector<T>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (!near(a[i], b[i])) return false;
    }
    return true;
}
template <typename T, std::size_t N>
bool near(const std::array<T, N>& a, const std::array<T, N>& b) {
    for (std::size_t i = 0; i < N; ++i) {
        if (!near(a[i], b[i])) return false;
    }
    return true;
}
template <typename A, typename B>
bool near(const std::pair<A, B>& a, const std::pair<A, B>& b) {
    return near(a.first, b.first) && near(a.second, b.second);
}
template <typename T, std::size_t... I>
bool near_fields(const T& a, const T& b, std::index_sequence<I...>) {
    return (near(boost::pfr::get<I>(a), boost::pfr::get<I>(b)) && ...);
}
// Integers and enums exactly; the summary's structs field by field.
template <typename T>
bool near(const T& a, const T& b) {
    if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
        return a == b;
    } else {
        return near_fields(a, b, std::make_index_sequence<boost::pfr::tuple_size_v<T>>{});
    }
}

std::string error_of(const json::object& summary) {
    try {
        parse_run_summary(summary, "run/summary.json");
    } catch (const SummaryError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE(
    "a real run's summary survives summary.json: parsed from the run equals parsed from the file",
    "[reports][run-summary]") {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("volley-run-summary-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    for (const auto fixture : {RunFixture::with_cache, RunFixture::no_cache, RunFixture::stress}) {
        INFO(static_cast<int>(fixture));
        const auto& object = run_summary(fixture);
        const auto from_run = parse_run_summary(object, "the run's summary");
        write_summary_json(dir, object);
        const auto from_file = read_run_summary(dir);
        CHECK(near(from_file, from_run));
        auto moved = from_file;  // near() sees a change in the ninth digit of one figure
        moved.requests.back().latency_ms.p999 *= 1.000000001;
        CHECK_FALSE(near(moved, from_run));
        // Text and counts survive exactly.
        CHECK(from_file.scenario.name == from_run.scenario.name);
        CHECK(from_file.thresholds.size() == from_run.thresholds.size());

        // The typed figures are the object's, not defaults.
        const auto& totals = object.at("totals").as_object();
        CHECK(from_run.totals.requests == totals.at("requests").to_number<std::uint64_t>());
        CHECK(from_run.totals.requests > 0);
        CHECK(from_run.totals.ok == totals.at("ok").to_number<std::uint64_t>());
        CHECK(from_run.latency_ms.p99 == object.at("latency_ms").at("p99").to_number<double>());
        CHECK(from_run.requests.size() == object.at("requests").as_array().size());
        CHECK(from_run.intervals.size() == object.at("intervals").as_array().size());
        CHECK(from_run.thresholds.size() == object.at("thresholds").as_array().size());
        CHECK(from_run.cache.has_value() == object.at("cache").is_object());
        CHECK(from_run.verdict ==
              (object.at("verdict").as_string() == "pass" ? Verdict::pass : Verdict::fail));
        CHECK_FALSE(from_run.response_spectrum.empty());
        CHECK(from_run.response_spectrum.back().fraction == 1.0);
    }
    std::filesystem::remove_all(dir);

    const auto stress = parse_run_summary(run_summary(RunFixture::stress), "stress");
    REQUIRE(stress.analysis.stress_steps.has_value());
    CHECK(stress.analysis.stress_steps->size() == 3);
    CHECK_FALSE(stress.analysis.headline.empty());
    REQUIRE(stress.analysis.bottleneck.has_value());
    CHECK(stress.analysis.bottleneck->kind == "target");
    // The steps have their own table; the other findings are rows of the analysis table.
    bool steps_in_rows = false, capacity_in_rows = false;
    for (const auto& [path, value] : stress.analysis.other_findings) {
        steps_in_rows = steps_in_rows || path.rfind("steps[", 0) == 0;
        capacity_in_rows =
            capacity_in_rows || (path == "capacity_rps" && value == format_number(40.0));
    }
    CHECK_FALSE(steps_in_rows);
    CHECK(capacity_in_rows);
}

TEST_CASE("the cache-hit rate counts a failed request as a miss", "[reports][run-summary]") {
    // The with_cache fixture's request n is a hit (L1..L3) when n % 4 != 3, unless it failed
    // (n % 25 == 7: 5xx, n % 40 == 13: timeout), which no tier answered.
    const auto& object = run_summary(RunFixture::with_cache);
    const auto requests = object.at("totals").at("requests").to_number<std::uint64_t>();
    REQUIRE(object.at("totals").at("dropped").to_number<std::uint64_t>() == 0);
    std::uint64_t hits = 0, failed = 0;
    for (std::uint64_t n = 0; n < requests; ++n) {
        const bool fails = n % 25 == 7 || n % 40 == 13;
        failed += fails ? 1 : 0;
        hits += !fails && n % 4 != 3 ? 1 : 0;
    }
    REQUIRE(failed > 0);
    const double hit_rate = object.at("cache").at("hit_rate").to_number<double>();
    CHECK(hit_rate == Approx(static_cast<double>(hits) / static_cast<double>(requests)));
    // The shares are of every completed request too: the failed ones are the rest.
    double shares = 0;
    for (const auto& [tier, share] : object.at("cache").at("served_by").as_object())
        shares += share.to_number<double>();
    CHECK(shares == Approx(1.0 - static_cast<double>(failed) / static_cast<double>(requests)));
    // The threshold judges the same figure.
    int judged = 0;
    for (const auto& entry : object.at("thresholds").as_array()) {
        if (entry.at("expr").as_string().find("cache_hit_rate") == std::string::npos) continue;
        ++judged;
        CHECK(entry.at("actual").to_number<double>() == Approx(100 * hit_rate));
    }
    CHECK(judged == 2);
}

TEST_CASE("parse_run_summary names the source and the key that is missing",
          "[reports][run-summary]") {
    const auto& with_cache = run_summary(RunFixture::with_cache);
    const auto& stress = run_summary(RunFixture::stress);
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
        {{"schema"}, "schema"},
        {{"verdict"}, "verdict"},
        {{"duration_s"}, "duration_s"},
        {{"scenario", "name"}, "scenario.name"},
        {{"scenario", "stages", "1", "target_rps"}, "scenario.stages[1].target_rps"},
        {{"target", "url"}, "target.url"},
        {{"totals", "requests"}, "totals.requests"},
        {{"totals", "error_rate"}, "totals.error_rate"},
        {{"latency_ms", "p99"}, "latency_ms.p99"},
        {{"service_time_ms", "p999"}, "service_time_ms.p999"},
        {{"schedule_lag_ms", "max"}, "schedule_lag_ms.max"},
        {{"connection_wait_ms", "p90"}, "connection_wait_ms.p90"},
        {{"errors", "first"}, "errors.first"},
        {{"cache", "served_by", "L3"}, "cache.served_by.L3"},
        {{"requests", "2", "latency_ms", "max"}, "requests[2].latency_ms.max"},
        {{"intervals", "1", "cpu_util"}, "intervals[1].cpu_util"},
        {{"intervals", "1", "served_by"}, "intervals[1].served_by"},
        {{"thresholds", "0", "pass"}, "thresholds[0].pass"},
        {{"generator", "notes"}, "generator.notes"},
        {{"latency_spectrum", "service"}, "latency_spectrum.service"},
        {{"stop", "reason"}, "stop.reason"},
    };
    for (const auto& [path, named] : cases) {
        INFO(named);
        CHECK(error_of(without(with_cache, path)) == "run/summary.json: " + named + ": missing");
    }
    CHECK(error_of(without(stress, {"analysis", "headline", "0", "label"})) ==
          "run/summary.json: analysis.headline[0].label: missing");
    CHECK(error_of(without(stress, {"analysis", "steps", "1", "complete"})) ==
          "run/summary.json: analysis.steps[1].complete: missing");
    CHECK(error_of(without(stress, {"analysis", "bottleneck", "text"})) ==
          "run/summary.json: analysis.bottleneck.text: missing");
}

TEST_CASE("parse_run_summary names the key whose value has the wrong type",
          "[reports][run-summary]") {
    const auto& summary = run_summary(RunFixture::with_cache);
    const auto prefix = std::string("run/summary.json: ");
    CHECK(error_of(with(summary, {"totals", "requests"}, "many")) ==
          prefix + "totals.requests: expected a count (an integer >= 0), found a string");
    CHECK(error_of(with(summary, {"totals", "requests"}, -1)) ==
          prefix + "totals.requests: expected a count (an integer >= 0), found -1");
    CHECK(error_of(with(summary, {"totals", "error_rate"}, "high")) ==
          prefix + "totals.error_rate: expected a number, found a string");
    CHECK(error_of(with(summary, {"scenario"}, 3)) ==
          prefix + "scenario: expected an object, found a number");
    CHECK(error_of(with(summary, {"requests"}, json::object{})) ==
          prefix + "requests: expected an array, found an object");
    CHECK(error_of(with(summary, {"intervals", "0"}, "row")) ==
          prefix + "intervals[0]: expected an object, found a string");
    CHECK(error_of(with(summary, {"thresholds", "1", "pass"}, "yes")) ==
          prefix + "thresholds[1].pass: expected true or false, found a string");
    CHECK(error_of(with(summary, {"target", "notices"}, json::array{1})) ==
          prefix + "target.notices[0]: expected a string, found a number");
    CHECK(error_of(with(summary, {"outcomes", "timeout"}, 1.5)) ==
          prefix + "outcomes.timeout: expected a count (an integer >= 0), found 1.5E0");
    CHECK(error_of(with(summary, {"latency_spectrum", "response", "0"}, json::array{1, 2})) ==
          prefix + "latency_spectrum.response[0]: expected [value_ms, percentile, count]");
    CHECK(error_of(with(summary, {"latency_spectrum", "response", "0"}, json::array{1, 101, 3})) ==
          prefix + "latency_spectrum.response[0]: percentile outside 0..100");
    CHECK(error_of(with(summary, {"verdict"}, "maybe")) ==
          prefix + "verdict: \"maybe\" is not pass or fail");
    CHECK(error_of(with(summary, {"schema"}, "volley.summary/v0")) ==
          prefix + "schema: \"volley.summary/v0\" is not volley.summary/v1");
    CHECK(error_of(with(summary, {"cache"}, "none")) ==
          prefix + "cache: expected an object, found a string");
}

TEST_CASE("parse_run_summary accepts the optional keys absent", "[reports][run-summary]") {
    auto summary = run_summary(RunFixture::no_cache);
    for (const auto* key : {"connection_wait_ms", "errors", "analysis"}) summary.erase(key);
    summary["stop"].as_object().erase("expected");
    const auto run = parse_run_summary(summary, "older");
    CHECK_FALSE(run.connection_wait_ms.has_value());
    CHECK(run.statuses.empty());
    CHECK(run.first_errors.empty());
    CHECK_FALSE(run.analysis.present);
    CHECK_FALSE(run.stop.expected.has_value());
    CHECK_FALSE(run.cache.has_value());  // cache: null
    const auto table = latency_table(run);
    CHECK(table.rows.back().front() == "Connection wait");
    CHECK(table.rows.back().back() == "—");
}

TEST_CASE("a run with a start time shows its start, lag and clock sync on one line",
          "[reports][run-summary]") {
    auto summary = run_summary(RunFixture::no_cache);
    CHECK_FALSE(parse_run_summary(summary, "run").start.has_value());  // no --start-at
    summary["start"] = json::object{{"at", "2026-12-06T10:00:00.000Z"},
                                    {"lag_ms", 0.25},
                                    {"max_start_lag_ms", 1000},
                                    {"clock_sync", json::object{{"known", true},
                                                                {"synchronised", false},
                                                                {"max_error_ms", 16000},
                                                                {"estimated_error_ms", 16000}}}};
    const auto run = parse_run_summary(summary, "run");
    REQUIRE(run.start.has_value());
    CHECK(run.start->at == "2026-12-06T10:00:00.000Z");
    CHECK_FALSE(run.start->clock_synchronised);
    const std::string line = start_line(*run.start);
    CHECK_THAT(line, Catch::StartsWith("start at 2026-12-06T10:00:00.000Z, lag 0.250 ms (limit "
                                       "1000.0 ms), clock NOT synchronised"));
    CHECK_THAT(volley::reports::render_console(run, false), Catch::Contains(line));
    CHECK_THAT(volley::reports::render_markdown(run), Catch::Contains(line));
    summary["start"].as_object()["clock_sync"].as_object()["known"] = false;
    CHECK_THAT(start_line(*parse_run_summary(summary, "run").start),
               Catch::EndsWith("clock state unknown"));
}
