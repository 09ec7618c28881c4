#include "engine/schedule.hpp"

#include <cmath>

namespace volley::engine {
namespace {

double seconds(Nanos n) { return std::chrono::duration<double>(n).count(); }

}  // namespace

Nanos total_duration(const OpenProfile& profile) {
    Nanos total{0};
    for (const auto& stage : profile.stages) total += stage.duration;
    return total;
}

double expected_requests(const OpenProfile& profile) {
    double total = 0;
    double from = profile.start_rps;
    for (const auto& stage : profile.stages) {
        total += (from + stage.target_rps) / 2.0 * seconds(stage.duration);
        from = stage.target_rps;
    }
    return total;
}

double mean_target_rps(const OpenProfile& profile) {
    const double length_s = seconds(total_duration(profile));
    return length_s > 0 ? expected_requests(profile) / length_s : 0.0;
}

double expected_requests_between(const OpenProfile& profile, Nanos from, Nanos to) {
    double total = 0;
    double rate_from = profile.start_rps;
    Nanos stage_start{0};
    for (const auto& stage : profile.stages) {
        const Nanos stage_end = stage_start + stage.duration;
        const Nanos lo = std::max(from, stage_start), hi = std::min(to, stage_end);
        if (hi > lo && stage.duration.count() > 0) {
            // The rate is linear over the stage: its mean over [lo, hi) is its value at the middle.
            const auto rate_at = [&](Nanos t) {
                return rate_from + (stage.target_rps - rate_from) * seconds(t - stage_start) /
                                       seconds(stage.duration);
            };
            total += (rate_at(lo) + rate_at(hi)) / 2.0 * seconds(hi - lo);
        }
        stage_start = stage_end;
        rate_from = stage.target_rps;
    }
    return total;
}

OpenProfile with_warmup(const OpenProfile& profile, Nanos warmup) {
    if (warmup.count() <= 0 || profile.stages.empty()) return profile;
    const double rate =
        profile.start_rps > 0 ? profile.start_rps : profile.stages.front().target_rps;
    OpenProfile result = profile;
    result.start_rps = rate;
    result.stages.insert(result.stages.begin(), Stage{warmup, rate});
    return result;
}

double recorded_target_rps(const OpenProfile& profile, Nanos warmup) {
    const Nanos length = total_duration(profile);
    if (length.count() <= 0) return 0.0;
    const Nanos start = std::max(warmup, Nanos{0});
    return expected_requests_between(with_warmup(profile, start), start, start + length) /
           seconds(length);
}

double target_rps_at(const OpenProfile& profile, Nanos t) {
    double from = profile.start_rps;
    Nanos stage_start{0};
    for (const auto& stage : profile.stages) {
        if (t < stage_start + stage.duration) {
            const double fraction = seconds(t - stage_start) / seconds(stage.duration);
            return from + (stage.target_rps - from) * fraction;
        }
        stage_start += stage.duration;
        from = stage.target_rps;
    }
    return 0;
}

ProfileSchedule::ProfileSchedule(const OpenProfile& profile, std::size_t share_index,
                                 std::size_t share_count, std::uint64_t seed)
    : arrival_(profile.arrival),
      share_index_(share_index),
      share_count_(share_count == 0 ? 1 : share_count),
      rng_(seed ^ 0x9e3779b97f4a7c15ULL) {
    double start = 0;
    double cumulative = 0;
    double from = profile.start_rps;
    for (const auto& stage : profile.stages) {
        const double duration = seconds(stage.duration);
        if (duration <= 0) {  // a step: the next stage starts from this rate
            from = stage.target_rps;
            continue;
        }
        segments_.push_back({start, duration, from, stage.target_rps, cumulative});
        cumulative += (from + stage.target_rps) / 2.0 * duration;
        start += duration;
        from = stage.target_rps;
    }
    if (arrival_ == Arrival::uniform) {
        next_arrival_ = static_cast<double>(share_index_);
    } else {
        // Global arrivals 0..share_index: the first one this share keeps is share_index.
        for (std::size_t k = 0; k <= share_index_; ++k) next_arrival_ += unit_exponential();
    }
}

double ProfileSchedule::unit_exponential() {
    const double u = static_cast<double>(rng_() >> 11) * 0x1p-53;
    return -std::log1p(-u);
}

std::optional<Nanos> ProfileSchedule::time_of_cumulative(double arrivals) const {
    for (const auto& seg : segments_) {
        const double in_segment = (seg.from_rps + seg.to_rps) / 2.0 * seg.duration_s;
        if (arrivals >= seg.cumulative_before + in_segment) continue;
        const double a = arrivals - seg.cumulative_before;  // arrivals into this segment
        // Solve from*t + (to-from)/(2*duration)*t^2 = a for t in [0, duration).
        const double slope = (seg.to_rps - seg.from_rps) / seg.duration_s;
        double t;
        if (a <= 0) {
            t = 0;
        } else if (std::abs(slope) < 1e-12) {
            t = a / seg.from_rps;
        } else {
            // Numerically stable root of (slope/2) t^2 + from t - a = 0.
            const double disc = seg.from_rps * seg.from_rps + 2.0 * slope * a;
            t = 2.0 * a / (seg.from_rps + std::sqrt(std::max(0.0, disc)));
        }
        if (!(t >= 0) || t >= seg.duration_s) t = std::min(std::max(t, 0.0), seg.duration_s);
        return Nanos(static_cast<std::int64_t>(std::llround((seg.start_s + t) * 1e9)));
    }
    return std::nullopt;
}

std::optional<Nanos> ProfileSchedule::next() {
    auto when = time_of_cumulative(next_arrival_);
    if (!when) return std::nullopt;
    if (arrival_ == Arrival::uniform) {
        next_arrival_ += static_cast<double>(share_count_);
    } else {
        // Skip the other shares' arrivals: the sum must be the global sequence's, in its order,
        // for the union of the shares to be exactly the unsplit schedule.
        for (std::size_t k = 0; k < share_count_; ++k) next_arrival_ += unit_exponential();
    }
    return when;
}

}  // namespace volley::engine
