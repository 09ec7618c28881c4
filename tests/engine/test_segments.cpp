// Segments of a distributed run (engine/segments.hpp): the union of the segments' schedules is
// exactly the unsplit schedule, for every profile kind, segment count and worker count.
#include "engine/segments.hpp"

#include "fakes/fake_target.hpp"
#include "fakes/stepped_run.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <mutex>
#include <sstream>

using namespace volley::engine;
using namespace std::chrono_literals;
using volley::testing::FakeResponse;
using volley::testing::FakeTarget;
using volley::testing::ManualClock;
using volley::testing::run_stepped;
using volley::testing::StaticSource;

namespace {

RunSpec open_spec(OpenProfile profile, std::size_t threads, SegmentSpec segment) {
    RunSpec spec;
    spec.profile = std::move(profile);
    spec.connections = 16;
    spec.threads = threads;
    spec.segment = segment;
    spec.seed = 7;
    spec.handle_signals = false;
    spec.drain = 2s;
    return spec;
}

std::vector<ScheduledArrival> arrivals(const RunSpec& spec) {
    std::vector<ScheduledArrival> out;
    for_each_segment_arrival(spec, {}, [&](const ScheduledArrival& a) { out.push_back(a); });
    return out;
}

struct NamedProfile {
    const char* name;
    OpenProfile profile;
};

std::vector<NamedProfile> profiles() {
    return {
        {"constant", OpenProfile{300, {Stage{2s, 300}}, Arrival::uniform}},
        // A ramp up, a step (zero-length stage) and a ramp down: rates that are not integers.
        {"stages",
         OpenProfile{0,
                     {Stage{1s, 250.5}, Stage{0s, 400}, Stage{1500ms, 400}, Stage{700ms, 33.3}},
                     Arrival::uniform}},
        {"poisson", OpenProfile{500, {Stage{1s, 500}, Stage{1s, 100}}, Arrival::poisson}},
    };
}

}  // namespace

TEST_CASE("worker shares of all segments partition the global sequence") {
    for (std::size_t n = 1; n <= 7; ++n) {
        for (std::size_t w = 1; w <= 3; ++w) {
            std::vector<std::size_t> seen;
            for (std::size_t i = 0; i < n; ++i) {
                for (std::size_t j = 0; j < w; ++j) {
                    const Share share = worker_share({i, n}, j, w);
                    CHECK(share.count == n * w);
                    CHECK(share.index % n == i);  // the segment's arrivals only
                    seen.push_back(share.index);
                }
            }
            std::sort(seen.begin(), seen.end());
            for (std::size_t k = 0; k < seen.size(); ++k) CHECK(seen[k] == k);
        }
    }
}

TEST_CASE("the union of the segments' schedules is exactly the unsplit schedule") {
    for (const auto& [name, profile] : profiles()) {
        const auto unsplit = arrivals(open_spec(profile, 1, {0, 1}));
        REQUIRE(unsplit.size() > 100);
        for (std::size_t n = 1; n <= 7; ++n) {
            for (const std::size_t workers : {1, 2, 3}) {
                CAPTURE(name, n, workers);
                std::vector<ScheduledArrival> all;
                std::size_t smallest = unsplit.size(), largest = 0;
                for (std::size_t i = 0; i < n; ++i) {
                    const auto part = arrivals(open_spec(profile, workers, {i, n}));
                    CHECK(std::is_sorted(part.begin(), part.end()));
                    smallest = std::min(smallest, part.size());
                    largest = std::max(largest, part.size());
                    all.insert(all.end(), part.begin(), part.end());
                }
                CHECK(largest - smallest <= 1);
                std::sort(all.begin(), all.end());
                CHECK(all == unsplit);
            }
        }
    }
}

TEST_CASE("segment i takes global arrival k when k mod n == i") {
    const auto profile = profiles()[2].profile;  // poisson: the global sequence, not a resample
    const auto unsplit = arrivals(open_spec(profile, 1, {0, 1}));
    const auto part = arrivals(open_spec(profile, 2, {2, 5}));
    REQUIRE(!part.empty());
    for (std::size_t m = 0; m < part.size(); ++m) CHECK(part[m] == unsplit[2 + 5 * m]);
}

TEST_CASE("poisson arrivals split into segments keep the profile's rate") {
    // The whole sequence is a Poisson process: 20000 expected, sd ~141; segment 1 of 4 has a
    // quarter of it within one.
    const OpenProfile profile{2000, {Stage{10s, 2000}}, Arrival::poisson};
    const auto unsplit = arrivals(open_spec(profile, 1, {0, 1}));
    CHECK(std::abs(static_cast<double>(unsplit.size()) - 20000) < 600);
    const auto part = arrivals(open_spec(profile, 3, {1, 4}));
    CHECK(std::abs(static_cast<double>(part.size()) - unsplit.size() / 4.0) <= 1);
}

TEST_CASE("closed model: segment i runs VUs k with k mod n == i") {
    RunSpec spec;
    spec.profile = ClosedProfile{10, 1s, {}, 0ns};
    for (std::size_t n = 1; n <= 7; ++n) {
        std::vector<std::size_t> all;
        std::size_t total = 0;
        for (std::size_t i = 0; i < n; ++i) {
            spec.segment = {i, n};
            const auto vus = segment_vu_indexes(spec);
            CHECK(vus.size() == segment_vus(10, spec.segment));
            CHECK((vus.size() == 10 / n || vus.size() == 10 / n + 1));
            for (const auto vu : vus) CHECK(vu % n == i);
            all.insert(all.end(), vus.begin(), vus.end());
            total += vus.size();
        }
        CHECK(total == 10);
        std::sort(all.begin(), all.end());
        for (std::size_t k = 0; k < all.size(); ++k) CHECK(all[k] == k);
    }
}

TEST_CASE("closed model: a segment without VUs is refused, saying how many segments fit") {
    RunSpec spec;
    spec.profile = ClosedProfile{3, 1s, {}, 0ns};
    spec.segment = {3, 4};
    spec.handle_signals = false;
    CHECK_THROWS_WITH(segment_vu_indexes(spec), Catch::Contains("use at most 3 segments"));
    FakeTarget target([](Nanos) { return FakeResponse{1ms}; });
    ManualClock clock;
    RunInputs inputs{
        target, [](std::size_t, std::size_t) { return std::make_unique<StaticSource>(); }, {}, {}};
    CHECK_THROWS_AS(run_stepped(spec, inputs, clock), std::invalid_argument);
}

namespace {

// Runs `spec` on a manual clock; returns the run and the run times of every request sent.
std::pair<RunResult, std::vector<Nanos>> run_recording(const RunSpec& spec) {
    auto sent = std::make_shared<std::vector<Nanos>>();
    FakeTarget target([sent](Nanos at) {
        sent->push_back(at);
        return FakeResponse{3ms};
    });
    ManualClock clock;
    RunInputs inputs{
        target, [](std::size_t, std::size_t) { return std::make_unique<StaticSource>(); }, {}, {}};
    auto result = run_stepped(spec, inputs, clock);
    std::sort(sent->begin(), sent->end());
    return {std::move(result), *sent};
}

}  // namespace

TEST_CASE("closed model: think times follow the global VU, so the segments send what one would") {
    RunSpec spec;
    spec.profile = ClosedProfile{7, 1s, ThinkTime{ThinkKind::uniform, 1ms, 40ms, 0ns}, 0ns};
    spec.threads = 1;
    spec.handle_signals = false;
    spec.seed = 11;
    const auto [whole, unsplit] = run_recording(spec);
    CHECK(whole.slots == 7);
    REQUIRE(unsplit.size() > 100);
    for (const std::size_t n : {2, 3}) {
        std::vector<Nanos> all;
        for (std::size_t i = 0; i < n; ++i) {
            spec.segment = {i, n};
            spec.threads = 2;
            const auto [part, sent] = run_recording(spec);
            CHECK(part.slots == segment_vus(7, spec.segment));
            all.insert(all.end(), sent.begin(), sent.end());
        }
        std::sort(all.begin(), all.end());
        CHECK(all == unsplit);
    }
}

TEST_CASE("a segment's target rate and expected requests are its share of the global ones") {
    // 3000/s for 2 s: 6000 global arrivals; segment 1 of 3 sends arrivals 1, 4, 7 …: 2000.
    const OpenProfile profile{3000, {Stage{2s, 3000}}, Arrival::uniform};
    const auto spec = open_spec(profile, 2, {1, 3});
    const auto [result, sent] = run_recording(spec);
    CHECK(sent.size() == 2000);
    CHECK(result.target_rps == Approx(1000));
    CHECK(result.expected_requests == Approx(2000));
    REQUIRE(!result.intervals.empty());
    CHECK(result.intervals.front().target_rps == Approx(1000));
}

TEST_CASE("the dump writes a header and one line per arrival or VU") {
    const OpenProfile profile{10, {Stage{1s, 10}}, Arrival::uniform};
    std::ostringstream open_out;
    // 10 arrivals, 100 ms apart: segment 1 of 4 has arrivals 1, 5 and 9.
    CHECK(write_segment_schedule(open_out, open_spec(profile, 1, {1, 4}), {}) == 3);
    CHECK(open_out.str() ==
          "# volley schedule: segment 1/4\n"
          "# open model: intended start (run time ns, 0 = start of warm-up) and lane\n"
          "100000000 0\n500000000 0\n900000000 0\n# arrivals: 3\n");
    RunSpec closed;
    closed.profile = ClosedProfile{5, 1s, {}, 0ns};
    closed.segment = {0, 2};
    std::ostringstream closed_out;
    CHECK(write_segment_schedule(closed_out, closed, {}) == 3);
    CHECK(closed_out.str().find("vu 0\nvu 2\nvu 4\n") != std::string::npos);
}
