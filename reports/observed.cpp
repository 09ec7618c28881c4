#include "reports/observed.hpp"

#include <algorithm>

namespace volley::reports {

std::string_view observed_kind_name(ObservedKind kind) {
    switch (kind) {
        case ObservedKind::gauge: return "gauge";
        case ObservedKind::rate: return "rate";
        case ObservedKind::ratio: return "ratio";
        case ObservedKind::peak: return "peak";
    }
    return "gauge";
}

const ObservedSeries* ObservedRun::find(std::string_view name) const {
    for (const auto& s : series) {
        if (s.name == name) return &s;
    }
    return nullptr;
}

std::optional<double> point_value(ObservedKind kind, const ObservedPoint& point) {
    switch (kind) {
        case ObservedKind::gauge:
        case ObservedKind::peak: return point.num;
        case ObservedKind::rate:
        case ObservedKind::ratio:
            if (point.den <= 0) return std::nullopt;
            return point.num / point.den;
    }
    return std::nullopt;
}

std::optional<double> span_value(const ObservedSeries& series, std::size_t first,
                                 std::size_t last) {
    last = std::min(last, series.points.size());
    double num = 0, den = 0;
    std::size_t count = 0;
    std::optional<double> peak;
    for (std::size_t i = first; i < last; ++i) {
        const auto& point = series.points[i];
        if (!point) continue;
        ++count;
        num += point->num;
        den += point->den;
        if (!peak || point->num > *peak) peak = point->num;
    }
    if (count == 0) return std::nullopt;
    switch (series.kind) {
        case ObservedKind::gauge: return num / static_cast<double>(count);
        case ObservedKind::peak: return peak;
        case ObservedKind::rate:
        case ObservedKind::ratio:
            if (den <= 0) return std::nullopt;
            return num / den;
    }
    return std::nullopt;
}

std::optional<double> span_slope_per_hour(const ObservedSeries& series,
                                          std::span<const double> interval_end_s, std::size_t first,
                                          std::size_t last) {
    last = std::min({last, series.points.size(), interval_end_s.size()});
    double n = 0, sum_t = 0, sum_v = 0, sum_tt = 0, sum_tv = 0;
    for (std::size_t i = first; i < last; ++i) {
        if (!series.points[i]) continue;
        const double t = interval_end_s[i];
        const double v = series.points[i]->num;
        n += 1;
        sum_t += t;
        sum_v += v;
        sum_tt += t * t;
        sum_tv += t * v;
    }
    const double denominator = n * sum_tt - sum_t * sum_t;
    if (n < 2 || denominator <= 0) return std::nullopt;
    const double per_second = (n * sum_tv - sum_t * sum_v) / denominator;
    return per_second * 3600.0;
}

}  // namespace volley::reports
