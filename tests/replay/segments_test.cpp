// Replay input split into segments (docs/distributed.md "Segments"): each segment's workers
// replay their shares of the records (by connection with per_connection, else by a hash of the
// record's position) at the global replay times, so the segments' schedules together are
// exactly the unsplit one.
#include "engine/segments.hpp"
#include "replay/replay_run.hpp"
#include "replay/support.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>

using namespace volley;
using namespace volley::replay;
using namespace volley::replay_test;

namespace {

constexpr std::int64_t kT0 = 1760104536'000'000'000;
constexpr std::int64_t kMs = 1'000'000;

// 120 records over 6 connections (every 7th without one), unevenly spaced.
std::string capture() {
    std::string text;
    for (int i = 0; i < 120; ++i) {
        const std::int64_t ts = kT0 + (i * 13 + (i % 5) * 3) * kMs;
        if (i % 7 == 0) {
            text += jsonl_line(ts, "/plain/" + std::to_string(i));
            continue;
        }
        text += "{\"ts\": " + std::to_string(ts) + ", \"path\": \"/c" + std::to_string(i % 6) +
                "/" + std::to_string(i) +
                "\", \"connection\": \"10.0.0.2:" + std::to_string(6000 + i % 6) + "\"}\n";
    }
    return text;
}

// The segment's arrivals as `volley run --segment i/n --dump-schedule` computes them: one
// ReplayRun per segment (one per process), the engine's workers and shares.
std::vector<engine::ScheduledArrival> segment_arrivals(const ReplaySpec& spec,
                                                       engine::SegmentSpec segment,
                                                       std::size_t workers) {
    ReplayRun run(spec, 3);
    engine::RunSpec run_spec;
    run_spec.profile = engine::OpenProfile{};  // the replay's timeline is the load
    run_spec.threads = workers;
    run_spec.connections = 16;
    run_spec.segment = segment;
    std::vector<engine::ScheduledArrival> out;
    engine::for_each_segment_arrival(
        run_spec,
        [&run](std::size_t share, std::size_t shares) { return run.make_schedule(share, shares); },
        [&](const engine::ScheduledArrival& arrival) { out.push_back(arrival); });
    return out;
}

}  // namespace

TEST_CASE("replay: the union of the segments' schedules is exactly the unsplit schedule",
          "[segments]") {
    TempFile file("c.jsonl", capture());
    for (const bool per_connection : {false, true}) {
        ReplaySpec spec;
        spec.file = file.path();
        spec.format = ReplayFormat::jsonl;
        spec.loop = 2;
        spec.max_gap = std::chrono::milliseconds(
            10);  // every segment must see every record to agree on the timeline
        spec.sample_ratio = 0.9;
        spec.per_connection = per_connection;
        const auto unsplit = segment_arrivals(spec, {0, 1}, 1);
        REQUIRE(unsplit.size() > 150);
        for (std::size_t n = 1; n <= 7; ++n) {
            for (const std::size_t workers : {1, 2, 3}) {
                CAPTURE(per_connection, n, workers);
                std::vector<engine::ScheduledArrival> all;
                std::map<std::uint64_t, std::set<std::size_t>> segments_of_lane;
                for (std::size_t i = 0; i < n; ++i) {
                    const auto part = segment_arrivals(spec, {i, n}, workers);
                    for (const auto& arrival : part) {
                        if (arrival.lane != 0) segments_of_lane[arrival.lane].insert(i);
                    }
                    all.insert(all.end(), part.begin(), part.end());
                }
                std::sort(all.begin(), all.end());
                CHECK(all == unsplit);
                // A connection's records stay in one segment, so their order holds.
                for (const auto& [lane, segments] : segments_of_lane) CHECK(segments.size() == 1);
                CHECK(segments_of_lane.size() == (per_connection ? 6U : 0U));
            }
        }
    }
}

TEST_CASE("replay: a segment's summary counts the capture it read and its own share",
          "[segments]") {
    TempFile file("c.jsonl", capture());
    ReplaySpec spec;
    spec.file = file.path();
    spec.format = ReplayFormat::jsonl;
    std::uint64_t scheduled = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        ReplayRun run(spec, 1);
        run.prepare({i, 3}, 2);
        for (std::size_t j = 0; j < 2; ++j) {
            const auto share = engine::worker_share({i, 3}, j, 2);
            auto schedule = run.make_schedule(share.index, share.count);
            while (schedule->next()) {}
        }
        const auto summary = run.summary();
        CHECK(summary.capture.kept == 120);  // segment i > 0 has no stream of share 0
        scheduled += summary.scheduled;
    }
    CHECK(scheduled == 120);
}
