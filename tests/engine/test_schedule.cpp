#include "engine/schedule.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace volley::engine;
using namespace std::chrono_literals;

namespace {

std::vector<Nanos> drain(Schedule& schedule) {
    std::vector<Nanos> out;
    while (auto t = schedule.next()) out.push_back(*t);
    return out;
}

OpenProfile constant(double rate, Nanos duration) {
    return OpenProfile{rate, {Stage{duration, rate}}, Arrival::uniform};
}

}  // namespace

TEST_CASE("a constant uniform schedule sends rate x duration requests, evenly spaced") {
    ProfileSchedule schedule(constant(1000, 2s), 0, 1, 1);
    const auto times = drain(schedule);
    REQUIRE(times.size() == 2000);
    CHECK(times.front() == 0ns);
    CHECK(times[1] == 1ms);
    CHECK(times.back() == 1999ms);
}

TEST_CASE("shares of a uniform schedule interleave into exactly the single schedule") {
    std::vector<Nanos> merged;
    for (std::size_t share = 0; share < 3; ++share) {
        ProfileSchedule schedule(constant(1000, 1s), share, 3, 1);
        auto part = drain(schedule);
        merged.insert(merged.end(), part.begin(), part.end());
    }
    std::sort(merged.begin(), merged.end());
    ProfileSchedule single(constant(1000, 1s), 0, 1, 1);
    CHECK(merged == drain(single));
}

TEST_CASE("a linear ramp sends the integral of its rate, denser at the end") {
    OpenProfile ramp{0, {Stage{10s, 200}}, Arrival::uniform};
    CHECK(expected_requests(ramp) == Approx(1000));
    ProfileSchedule schedule(ramp, 0, 1, 1);
    const auto times = drain(schedule);
    CHECK(times.size() == 1000);
    // Cumulative arrivals by t follow 10 t^2: half of them by t = sqrt(50) s.
    const auto half =
        std::count_if(times.begin(), times.end(), [](Nanos t) { return t < Nanos(7071067812); });
    CHECK(std::abs(static_cast<double>(half) - 500) <= 1);
    CHECK(target_rps_at(ramp, 5s) == Approx(100));
}

TEST_CASE("stages ramp from the previous stage's rate") {
    OpenProfile profile{100, {Stage{1s, 100}, Stage{1s, 300}, Stage{1s, 300}}, Arrival::uniform};
    CHECK(expected_requests(profile) == Approx(100 + 200 + 300));
    ProfileSchedule schedule(profile, 0, 1, 1);
    CHECK(drain(schedule).size() == 600);
    CHECK(target_rps_at(profile, 1500ms) == Approx(200));
    CHECK(target_rps_at(profile, 4s) == 0);
}

TEST_CASE("a stage of zero duration is a step: the next stage holds its rate") {
    OpenProfile profile{
        0, {Stage{0s, 100}, Stage{1s, 100}, Stage{0s, 300}, Stage{1s, 300}}, Arrival::uniform};
    CHECK(expected_requests(profile) == Approx(400));
    ProfileSchedule schedule(profile, 0, 1, 1);
    const auto times = drain(schedule);
    REQUIRE(times.size() == 400);
    CHECK(times[1] - times[0] == 10ms);                // 100/s from the start, not a ramp from 0
    CHECK(times[101] - times[100] == Nanos(3333333));  // 300/s right after the step
    CHECK(target_rps_at(profile, 500ms) == Approx(100));
    CHECK(target_rps_at(profile, 1500ms) == Approx(300));
}

TEST_CASE("poisson arrivals have the requested mean rate and exponential gaps") {
    OpenProfile profile{5000, {Stage{20s, 5000}}, Arrival::poisson};
    ProfileSchedule schedule(profile, 0, 1, 42);
    const auto times = drain(schedule);
    // 100000 expected; a Poisson count has sd ~316, so 1% is over 3 sd.
    CHECK(std::abs(static_cast<double>(times.size()) - 100000) < 1000);
    // Coefficient of variation of exponential gaps is 1.
    double sum = 0, sum_sq = 0;
    for (std::size_t i = 1; i < times.size(); ++i) {
        const double gap = static_cast<double>((times[i] - times[i - 1]).count());
        sum += gap;
        sum_sq += gap * gap;
    }
    const double n = static_cast<double>(times.size() - 1);
    const double mean = sum / n;
    const double cv = std::sqrt(sum_sq / n - mean * mean) / mean;
    CHECK(cv == Approx(1.0).margin(0.03));
}
