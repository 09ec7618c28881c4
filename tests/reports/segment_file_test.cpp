// segment.json (reports/segment_file.hpp): the exactness `volley merge` rests on — segment
// histograms added after their round trip through segment.json equal, bucket for bucket, one
// histogram of every sample — and the refusals of what cannot be added exactly.
#include "reports/segment_file.hpp"
#include "reports/hdr_codec.hpp"
#include "reports/run_outputs.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <filesystem>
#include <random>

using namespace volley;
using engine::IntervalStats;
using engine::Nanos;

namespace {

const engine::StatsShape kShape{2, 1, 2};

// Encodes `stats` as a segment writes an interval, and decodes it as the merge reads it.
reports::SegmentInterval round_trip(const IntervalStats& stats, std::size_t index = 0) {
    const engine::IntervalReport report{
        index, Nanos(1'000'000'000), Nanos(2'000'000'000), stats, 250.0, 0.125, false};
    const auto text = boost::json::serialize(reports::encode_interval(report));
    return reports::decode_interval(boost::json::parse(text), kShape, "test");
}

void require_same_buckets(const engine::HdrHistogram& a, const engine::HdrHistogram& b) {
    REQUIRE(a.total_count() == b.total_count());
    REQUIRE(a.counts_length() == b.counts_length());
    for (std::size_t i = 0; i < a.counts_length(); ++i) {
        INFO("bucket index " << i);
        REQUIRE(a.count_at_index(i) == b.count_at_index(i));
    }
    REQUIRE(a.max() == b.max());
    REQUIRE(a.min() == b.min());
}

}  // namespace

TEST_CASE(
    "n segments' histograms, through segment.json and added, equal one histogram of all "
    "the samples bucket for bucket") {
    std::mt19937_64 rng(15);
    // Response times from 20 µs to about 30 s: a long tail over many buckets.
    std::lognormal_distribution<double> latency_ns(std::log(2e6), 1.6);
    for (std::size_t n = 1; n <= 7; ++n) {
        INFO("segments: " << n);
        std::vector<IntervalStats> segments(n, IntervalStats(kShape));
        IntervalStats all(kShape);
        for (int k = 0; k < 20'000; ++k) {
            const auto value =
                std::max<std::int64_t>(20'000, static_cast<std::int64_t>(latency_ns(rng)));
            // Arrival k goes to segment k mod n, as --segment splits a schedule.
            segments[k % n].per_request[k % 2].response_time.record(value);
            segments[k % n].schedule_lag.record(value / 1000);
            all.per_request[k % 2].response_time.record(value);
            all.schedule_lag.record(value / 1000);
        }
        IntervalStats merged(kShape);
        for (const auto& segment : segments) merged.add(round_trip(segment).stats);
        for (std::size_t r = 0; r < 2; ++r)
            require_same_buckets(merged.per_request[r].response_time,
                                 all.per_request[r].response_time);
        require_same_buckets(merged.schedule_lag, all.schedule_lag);
        for (const double p : {50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
            CHECK(merged.combined().response_time.value_at_percentile(p) ==
                  all.combined().response_time.value_at_percentile(p));
        }
    }
}

TEST_CASE("every field of an interval survives segment.json") {
    IntervalStats stats(kShape);
    stats.per_request[0].response_time.record(1'500'000);
    stats.per_request[1].service_time.record(700'000);
    stats.per_request[1].outcomes[static_cast<std::size_t>(engine::Outcome::timeout)] = 3;
    stats.per_request[0].outcomes[static_cast<std::size_t>(engine::Outcome::ok)] = 41;
    stats.per_request[0].outcomes[static_cast<std::size_t>(engine::Outcome::dropped)] = 6;
    stats.per_request[1].outcomes[static_cast<std::size_t>(engine::Outcome::unsent)] = 4;
    stats.per_request[0].served_by[2] = 17;
    stats.per_flow[0].duration.record(9'000'000);
    stats.per_flow[0].started = 5;
    stats.per_flow[0].completed = 3;
    stats.per_flow[0].failed = 1;
    stats.per_flow[0].dropped = 2;
    stats.per_flow[0].interrupted = 1;
    stats.per_flow[0].unsent = 3;
    stats.counters = {7, 11};
    stats.connection_wait.record(42'000);
    stats.sent = 44;
    stats.arrivals = 40;
    stats.status_counts[200] = 41;
    stats.status_counts[503] = 2;
    stats.status_counts[0] = 1;
    stats.note_error(engine::Outcome::timeout, "no response in 5 s", 3);

    const auto back = round_trip(stats, 6);
    CHECK(back.index == 6);
    CHECK(back.start == Nanos(1'000'000'000));
    CHECK(back.end == Nanos(2'000'000'000));
    CHECK(back.target_rps == 250.0);
    CHECK(back.cpu_seconds == 0.125);
    const auto& s = back.stats;
    for (std::size_t r = 0; r < 2; ++r) {
        require_same_buckets(s.per_request[r].response_time, stats.per_request[r].response_time);
        require_same_buckets(s.per_request[r].service_time, stats.per_request[r].service_time);
        CHECK(s.per_request[r].outcomes == stats.per_request[r].outcomes);
        CHECK(s.per_request[r].served_by == stats.per_request[r].served_by);
    }
    require_same_buckets(s.per_flow[0].duration, stats.per_flow[0].duration);
    CHECK(s.per_flow[0].started == 5);
    CHECK(s.per_flow[0].completed == 3);
    CHECK(s.per_flow[0].failed == 1);
    CHECK(s.per_flow[0].dropped == 2);
    CHECK(s.per_flow[0].interrupted == 1);
    CHECK(s.per_flow[0].unsent == 3);
    CHECK(s.per_request[1].outcomes[static_cast<std::size_t>(engine::Outcome::unsent)] == 4);
    CHECK(s.per_request[0].outcomes[static_cast<std::size_t>(engine::Outcome::dropped)] == 6);
    CHECK(s.counters == stats.counters);
    require_same_buckets(s.connection_wait, stats.connection_wait);
    CHECK(s.sent == 44);
    CHECK(s.arrivals == 40);
    CHECK(s.status_counts == stats.status_counts);
    REQUIRE(s.error_samples.size() == 1);
    CHECK(s.error_samples[0].detail == "no response in 5 s");
    CHECK(s.error_samples[0].count == 3);
    CHECK(s.error_samples[0].outcome == engine::Outcome::timeout);
}

TEST_CASE("a segment.json from before `unsent` (one outcome count fewer) reads as 0 unsent") {
    IntervalStats stats(kShape);
    stats.per_request[0].outcomes[static_cast<std::size_t>(engine::Outcome::dropped)] = 5;
    stats.per_flow[0].dropped = 2;
    const engine::IntervalReport report{0, Nanos(0), Nanos(1'000'000'000), stats, 10.0, 0, false};
    auto old = reports::encode_interval(report);
    auto& encoded = old.at("stats").as_object();
    for (auto& request : encoded.at("requests").as_array())
        request.as_object().at("outcomes").as_array().pop_back();
    encoded.at("flows").as_array()[0].as_object().erase("unsent");
    const auto back =
        reports::decode_interval(boost::json::parse(boost::json::serialize(old)), kShape, "old");
    CHECK(back.stats.per_request[0].outcomes == stats.per_request[0].outcomes);
    CHECK(back.stats.per_flow[0].dropped == 2);
    CHECK(back.stats.per_flow[0].unsent == 0);
}

TEST_CASE("a histogram that cannot be added exactly is refused, naming where it is") {
    IntervalStats stats(kShape);
    stats.per_request[0].response_time.record(1'000'000);
    const engine::IntervalReport report{0, Nanos(0), Nanos(1'000'000'000), stats, 0, 0, false};
    auto object = reports::encode_interval(report);
    // Two significant digits: another bucket layout than volley's histograms.
    engine::HdrHistogram coarse(1, 3'600'000'000'000, 2);
    coarse.record(1'000'000);
    object["stats"].as_object()["requests"].as_array()[1].as_object()["response_time"] =
        reports::encode_compressed_base64(coarse);
    try {
        (void)reports::decode_interval(object, kShape, "seg/segment.json: intervals[0]");
        FAIL("decoded an incompatible histogram");
    } catch (const reports::SegmentFileError& e) {
        const std::string what = e.what();
        CHECK(what.find("intervals[0]") != std::string::npos);
        CHECK(what.find("stats.requests[1].response_time") != std::string::npos);
        CHECK(what.find("incompatible histogram") != std::string::npos);
    }
    // A shape the run does not have (a request more) is refused too.
    try {
        (void)reports::decode_interval(reports::encode_interval(report), {3, 1, 2}, "x");
        FAIL("decoded an interval of another shape");
    } catch (const reports::SegmentFileError& e) {
        CHECK(std::string(e.what()).find("the run names 3") != std::string::npos);
    }
}

TEST_CASE("segment.json keeps the run's scalars; a file of another kind is refused") {
    const auto dir =
        std::filesystem::temp_directory_path() / ("volley-segment-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    reports::SegmentHeader header;
    header.scenario_name = "load";
    header.scenario_file = "scenarios/load.yaml";
    header.scenario_hash = "0123456789abcdef";
    header.scenario_yaml = "name: load\n";
    header.target_kind = "http";
    header.target_url = "http://127.0.0.1:1/";
    header.target_notices = {"a notice"};
    header.interval = std::chrono::seconds(1);
    auto& r = header.result;
    r.request_names = {"a", "b"};
    r.flow_names = {"j"};
    r.counter_names = {"c1", "c2"};
    r.started_at = std::chrono::system_clock::time_point(std::chrono::seconds(1'765'000'000));
    r.measured = std::chrono::seconds(30);
    r.drain = std::chrono::milliseconds(15);
    r.scheduled_duration = std::chrono::seconds(30);
    r.target_rps = 250;
    r.expected_requests = 7500;
    r.threads = 2;
    r.cpu_seconds = 1.5;
    r.stop_reason = engine::StopReason::interrupted;
    r.stop_detail = "SIGINT";
    r.slots = 16;
    r.segment = {2, 4};
    r.start.start_at = r.started_at;
    r.start.lag = std::chrono::microseconds(350);
    r.start.clock_sync = {true, true, 12.5, 0.25};
    boost::json::array intervals;
    IntervalStats stats(kShape);
    intervals.push_back(reports::encode_interval(
        engine::IntervalReport{0, Nanos(0), Nanos(1'000'000'000), stats, 250, 0.05, false}));
    reports::write_segment_file(dir, header, intervals);

    const auto file = reports::read_segment_file(dir);
    const auto& h = file.header;
    CHECK(h.scenario_hash == header.scenario_hash);
    CHECK(h.scenario_yaml == header.scenario_yaml);
    CHECK(h.target_notices == header.target_notices);
    CHECK(h.result.request_names == r.request_names);
    CHECK(h.result.counter_names == r.counter_names);
    CHECK(h.result.started_at == r.started_at);
    CHECK(h.result.measured == r.measured);
    CHECK(h.result.stop_reason == engine::StopReason::interrupted);
    CHECK(h.result.stop_detail == "SIGINT");
    CHECK(h.result.segment.index == 2);
    CHECK(h.result.segment.count == 4);
    CHECK(h.result.start.start_at == r.start.start_at);
    CHECK(h.result.start.lag == r.start.lag);
    CHECK(h.result.start.clock_sync.max_error_ms == 12.5);
    CHECK(file.intervals.size() == 1);

    reports::write_file_atomically(dir / "segment.json", R"({"schema":"volley.summary/v1"})");
    try {
        (void)reports::read_segment_file(dir);
        FAIL("read a summary as a segment");
    } catch (const reports::SegmentFileError& e) {
        CHECK(std::string(e.what()).find("schema") != std::string::npos);
    }
    std::filesystem::remove_all(dir);
}
