// The noise-aware compare: tolerances, the decision rules, the metric list
// (docs/history-compare.md).
#include "history/noise_compare.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "reports/number_format.hpp"

namespace volley::history {
namespace {

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

// "10%" → 0.10. `item` is the whole item, for the message.
double parse_percent(std::string_view value, std::string_view item) {
    const auto fail = [&](std::string_view why) {
        return std::invalid_argument(fmt::format("tolerance \"{}\": {}", item, why));
    };
    value = trim(value);
    if (value.empty() || value.back() != '%') {
        throw fail("a tolerance is a percentage and needs \"%\" (e.g. 10%)");
    }
    const auto number = trim(value.substr(0, value.size() - 1));
    double parsed = 0;
    const auto* end = number.data() + number.size();
    const auto [ptr, ec] = std::from_chars(number.data(), end, parsed);
    if (number.empty() || ec != std::errc() || ptr != end || !std::isfinite(parsed)) {
        throw fail(fmt::format("\"{}\" is not a number", number));
    }
    if (parsed < 0) throw fail("a tolerance cannot be negative");
    return parsed / 100.0;
}

void set_relative(Tolerances& t, double fraction) {
    t.p50 = t.p95 = t.p99 = t.p99_9 = fraction;
    t.throughput = fraction;
    t.error_rate = fraction;
}

std::string run_label(const RunRecord& record) {
    const std::string name =
        record.scenario_name.empty() ? "(unnamed scenario)" : record.scenario_name;
    return record.started_at.empty() ? name : fmt::format("{} @ {}", name, record.started_at);
}

std::string label_of(const std::vector<const RunSample*>& runs) {
    if (runs.empty()) return "(no run)";
    if (runs.size() == 1) return run_label(runs.front()->record);
    return fmt::format("{} … {} ({} runs pooled)", run_label(runs.front()->record),
                       runs.back()->record.started_at, runs.size());
}

bool has_count(const std::vector<IntervalHistogram>& intervals) {
    return std::any_of(intervals.begin(), intervals.end(),
                       [](const auto& interval) { return !interval.histogram.empty(); });
}

// Series (other than all requests) with a count in any of the runs.
std::vector<std::string> series_with_data(const std::vector<const RunSample*>& runs) {
    std::vector<std::string> names;
    for (const auto* run : runs) {
        for (const auto& [name, intervals] : run->latency) {
            if (name != kAllRequests && has_count(intervals)) names.push_back(name);
        }
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

bool up_is_worse(NoiseMetricKind kind) {
    return kind == NoiseMetricKind::latency_ms || kind == NoiseMetricKind::error_rate;
}

// The limit of the rules (docs/history-compare.md "Rules"): up-is-worse metrics are judged
// against the baseline's HIGH bound plus the tolerance, down-is-worse ones against its LOW bound
// minus it. Starting from the far bound of the baseline gives the baseline's own noise to the
// new run: only a move beyond what the baseline itself could have shown counts.
double limit_of(const NoiseMetricComparison& m, const Tolerances& t) {
    const Estimate& base = *m.base;
    switch (m.kind) {
        case NoiseMetricKind::latency_ms: return base.high * (1.0 + m.tolerance);
        case NoiseMetricKind::error_rate:
            return base.high + std::max(m.tolerance * base.high, t.error_rate_floor);
        case NoiseMetricKind::throughput_rps: return base.low * (1.0 - m.tolerance);
        case NoiseMetricKind::hit_rate: return base.low - m.tolerance;
    }
    return 0;
}

std::string tolerance_text(const NoiseMetricComparison& m, const Tolerances& t) {
    switch (m.kind) {
        case NoiseMetricKind::latency_ms:
            return fmt::format("base high + {}", reports::format_percent(m.tolerance));
        case NoiseMetricKind::error_rate:
            return fmt::format("base high + max({}, {})", reports::format_percent(m.tolerance),
                               reports::format_percentage_points(t.error_rate_floor));
        case NoiseMetricKind::throughput_rps:
            return fmt::format("base low - {}", reports::format_percent(m.tolerance));
        case NoiseMetricKind::hit_rate:
            return fmt::format("base low - {}", reports::format_percentage_points(m.tolerance));
    }
    return {};
}

// Sets limit, verdict and reason; requires base and fresh.
void judge(NoiseMetricComparison& m, const Tolerances& t) {
    m.limit = limit_of(m, t);
    const Estimate& fresh = *m.fresh;
    const std::string limit =
        fmt::format("{} ({})", format_metric_value(m.kind, m.limit), tolerance_text(m, t));
    if (up_is_worse(m.kind)) {
        if (fresh.low > m.limit) {
            m.verdict = CompareVerdict::regression;
            m.reason = fmt::format("the whole new interval lies above the limit {}", limit);
        } else if (fresh.high <= m.limit) {
            m.verdict = CompareVerdict::ok;
            m.reason = fmt::format("the whole new interval lies at or below the limit {}", limit);
        } else {
            m.verdict = CompareVerdict::inconclusive;
            m.reason = fmt::format("the new interval straddles the limit {}", limit);
        }
    } else {
        if (fresh.high < m.limit) {
            m.verdict = CompareVerdict::regression;
            m.reason = fmt::format("the whole new interval lies below the limit {}", limit);
        } else if (fresh.low >= m.limit) {
            m.verdict = CompareVerdict::ok;
            m.reason = fmt::format("the whole new interval lies at or above the limit {}", limit);
        } else {
            m.verdict = CompareVerdict::inconclusive;
            m.reason = fmt::format("the new interval straddles the limit {}", limit);
        }
    }
}

void add_metric(NoiseCompareResult& result, NoiseMetricComparison m, const Tolerances& t) {
    if (m.base && m.fresh) {
        judge(m, t);
    } else {
        m.verdict = CompareVerdict::not_compared;
        m.reason = !m.base && !m.fresh ? "no data in either run"
                   : !m.base           ? "no data in the baseline"
                                       : "no data in the new run";
    }
    result.metrics.push_back(std::move(m));
}

struct PercentileMetric {
    const char* name;
    double percentile;
    double Tolerances::*tolerance;
};
constexpr std::array<PercentileMetric, 4> kPercentiles{{{"p50", 50.0, &Tolerances::p50},
                                                        {"p95", 95.0, &Tolerances::p95},
                                                        {"p99", 99.0, &Tolerances::p99},
                                                        {"p99.9", 99.9, &Tolerances::p99_9}}};

// Adds the first `count` percentile metrics of `series`.
void add_percentiles(NoiseCompareResult& result, const std::vector<const RunSample*>& baseline,
                     const std::vector<const RunSample*>& fresh, const std::string& series,
                     std::size_t count, const Tolerances& t, const BootstrapSettings& settings) {
    std::vector<double> levels;
    for (std::size_t i = 0; i < count; ++i) levels.push_back(kPercentiles[i].percentile);
    const auto base = percentile_estimates(baseline, series, levels, settings);
    const auto fresh_estimates = percentile_estimates(fresh, series, levels, settings);
    for (std::size_t i = 0; i < count; ++i) {
        NoiseMetricComparison m;
        m.series = series;
        m.metric = kPercentiles[i].name;
        m.kind = NoiseMetricKind::latency_ms;
        m.base = base[i];
        m.fresh = fresh_estimates[i];
        m.tolerance = t.*kPercentiles[i].tolerance;
        add_metric(result, std::move(m), t);
    }
}

}  // namespace

Tolerances parse_tolerances(std::string_view text) {
    Tolerances tolerances;
    if (trim(text).empty()) throw std::invalid_argument("tolerance: empty list");
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = text.find(',', start);
        const auto item =
            trim(text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
        start = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
        if (item.empty()) throw std::invalid_argument("tolerance: empty item in the list");
        const auto equals = item.find('=');
        if (equals == std::string_view::npos) {
            set_relative(tolerances, parse_percent(item, item));
            continue;
        }
        const auto name = trim(item.substr(0, equals));
        const double value = parse_percent(item.substr(equals + 1), item);
        if (name == "latency") {
            tolerances.p50 = tolerances.p95 = tolerances.p99 = tolerances.p99_9 = value;
        } else if (name == "p50") {
            tolerances.p50 = value;
        } else if (name == "p95") {
            tolerances.p95 = value;
        } else if (name == "p99") {
            tolerances.p99 = value;
        } else if (name == "p99.9") {
            tolerances.p99_9 = value;
        } else if (name == "throughput") {
            tolerances.throughput = value;
        } else if (name == "error_rate") {
            tolerances.error_rate = value;
        } else if (name == "hit_rate") {
            tolerances.hit_rate_points = value;
        } else {
            throw std::invalid_argument(fmt::format(
                "tolerance \"{}\": unknown metric \"{}\" (known: p50 p95 p99 p99.9 latency "
                "throughput error_rate hit_rate)",
                item, name));
        }
    }
    return tolerances;
}

std::string_view verdict_name(CompareVerdict verdict) {
    switch (verdict) {
        case CompareVerdict::ok: return "ok";
        case CompareVerdict::inconclusive: return "inconclusive";
        case CompareVerdict::regression: return "regression";
        case CompareVerdict::not_compared: return "not compared";
    }
    return "?";
}

std::vector<std::string> NoiseCompareResult::names_with(CompareVerdict verdict) const {
    std::vector<std::string> names;
    for (const auto& m : metrics) {
        if (m.verdict != verdict) continue;
        names.push_back(m.series.empty() ? m.metric : fmt::format("{} {}", m.series, m.metric));
    }
    return names;
}

bool has_enough_data(const RunSample& run) {
    const auto found = run.latency.find(kAllRequests);
    return found != run.latency.end() && found->second.size() >= kMinIntervalsForStatistics &&
           has_count(found->second);
}

NoiseCompareResult compare_samples(const std::vector<const RunSample*>& baseline,
                                   const std::vector<const RunSample*>& fresh,
                                   const Tolerances& tolerances,
                                   const BootstrapSettings& settings) {
    NoiseCompareResult result;
    result.base_label = label_of(baseline);
    result.fresh_label = label_of(fresh);
    add_percentiles(result, baseline, fresh, kAllRequests, kPercentiles.size(), tolerances,
                    settings);

    const auto rate = [&](const char* name, NoiseMetricKind kind, RateMetric which,
                          double tolerance) {
        NoiseMetricComparison m;
        m.metric = name;
        m.kind = kind;
        m.base = rate_estimate(baseline, which, settings);
        m.fresh = rate_estimate(fresh, which, settings);
        m.tolerance = tolerance;
        // Runs without cache tiers have no hit rate: no row rather than a "not compared" one.
        if (kind == NoiseMetricKind::hit_rate && !m.base && !m.fresh) return;
        add_metric(result, std::move(m), tolerances);
    };
    rate("throughput", NoiseMetricKind::throughput_rps, RateMetric::throughput_rps,
         tolerances.throughput);
    rate("error_rate", NoiseMetricKind::error_rate, RateMetric::error_rate, tolerances.error_rate);
    rate("hit_rate", NoiseMetricKind::hit_rate, RateMetric::hit_rate, tolerances.hit_rate_points);

    // Per series: p50 p95 p99 (p99.9 of a single request's few samples is mostly noise).
    auto names = series_with_data(baseline);
    const auto fresh_names = series_with_data(fresh);
    names.insert(names.end(), fresh_names.begin(), fresh_names.end());
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    for (const auto& series : names) {
        add_percentiles(result, baseline, fresh, series, 3, tolerances, settings);
    }

    const auto any = [&](CompareVerdict v) {
        return std::any_of(result.metrics.begin(), result.metrics.end(),
                           [&](const auto& m) { return m.verdict == v; });
    };
    if (any(CompareVerdict::regression)) {
        result.overall = CompareVerdict::regression;
    } else if (any(CompareVerdict::inconclusive) ||
               (!any(CompareVerdict::ok))) {  // nothing compared: no evidence either way
        result.overall = CompareVerdict::inconclusive;
    } else {
        result.overall = CompareVerdict::ok;
    }
    return result;
}

}  // namespace volley::history
