// Thresholds on analysis findings (reports/thresholds.hpp evaluate_analysis_thresholds).
#include "reports/json_numbers.hpp"
#include "reports/thresholds.hpp"

#include "thresholds/threshold_expr.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>

namespace volley::reports {
namespace json = boost::json;
using thresholds::ThresholdComparator;
using thresholds::ThresholdMetric;
using thresholds::ThresholdUnit;

namespace {

std::optional<double> number_of(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_number()) return std::nullopt;
    return v->to_number<double>();
}

const json::object* object_of(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr ? v->if_object() : nullptr;
}

std::string string_of(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The judged value in the expression's native unit (rps, ns, ratio), or why there is none.
struct Judged {
    std::optional<double> native;
    std::string detail;
    bool pass_without_value = false;  // breaking_point above the last step, asked for more
};

// True when the analysis measured every planned stress step to the end.
bool all_steps_measured(const json::object& analysis, double& last_rps) {
    const auto* steps = analysis.if_contains("steps");
    const auto planned = number_of(analysis, "steps_planned");
    if (steps == nullptr || !steps->is_array() || steps->get_array().empty() || !planned)
        return false;
    const auto& rows = steps->get_array();
    const auto* last = rows.back().if_object();
    if (last == nullptr) return false;
    last_rps = number_of(*last, "target_rps").value_or(0);
    const auto* complete = last->if_contains("complete");
    return static_cast<double>(rows.size()) >= *planned && complete != nullptr &&
           complete->is_bool() && complete->get_bool();
}

Judged judge(const thresholds::ThresholdExpr& expr, const json::object& analysis) {
    const std::string type = string_of(analysis, "type");
    const auto wanted = thresholds::analysis_metric_type(expr.metric);
    if (type != wanted) {
        return {std::nullopt,
                fmt::format("only a {} analysis measures this; this run's analysis is {}", wanted,
                            type.empty() ? "missing" : type)};
    }
    switch (expr.metric) {
        case ThresholdMetric::capacity: {
            if (const auto rps = number_of(analysis, "capacity_rps")) {
                const auto step = number_of(analysis, "capacity_step");
                return {*rps, fmt::format("step {:g}: the highest step that met every threshold",
                                          step.value_or(0))};
            }
            if (number_of(analysis, "breaking_point_rps")) {
                return {0.0, "the first step already failed: no step met every threshold"};
            }
            return {std::nullopt, "no step was measured"};
        }
        case ThresholdMetric::breaking_point: {
            if (const auto rps = number_of(analysis, "breaking_point_rps")) {
                return {*rps, fmt::format("step {:g}: the first step that failed a threshold",
                                          number_of(analysis, "breaking_point_step").value_or(0))};
            }
            double last_rps = 0;
            if (!all_steps_measured(analysis, last_rps)) {
                return {std::nullopt,
                        "no step failed, but the run ended before every step was measured"};
            }
            Judged judged{
                std::nullopt,
                fmt::format("not reached: every step up to {:g}/s met the thresholds", last_rps)};
            judged.pass_without_value = (expr.cmp == ThresholdComparator::greater ||
                                         expr.cmp == ThresholdComparator::greater_equal) &&
                                        thresholds::compare(last_rps, expr.cmp, expr.value);
            if (judged.pass_without_value) judged.detail += ", so it lies above the limit";
            return judged;
        }
        case ThresholdMetric::recovery: {
            if (const auto s = number_of(analysis, "recovery_s")) {
                return {*s * 1e9,
                        fmt::format("back in the baseline band {:g} s after the spike's end", *s)};
            }
            const auto note = string_of(analysis, "note");
            return {std::nullopt, note.empty() ? "did not recover" : "did not recover: " + note};
        }
        case ThresholdMetric::drift_p99: {
            const auto* drift = object_of(analysis, "drift");
            if (drift == nullptr) return {std::nullopt, "no drift was measured"};
            const bool relative = expr.unit == ThresholdUnit::change_ratio;
            const auto change = number_of(*drift, relative ? "p99_change_pct" : "p99_change_ms");
            if (!change) {
                const auto note = string_of(*drift, "note");
                return {std::nullopt, note.empty() ? "no p99 drift could be measured" : note};
            }
            const auto* first = object_of(*drift, "first");
            const auto* last = object_of(*drift, "last");
            const auto first_p99 = first ? number_of(*first, "p99_ms") : std::nullopt;
            const auto last_p99 = last ? number_of(*last, "p99_ms") : std::nullopt;
            const std::string how =
                first_p99 && last_p99
                    ? fmt::format("p99 {:g} ms in the first {:g} s window, {:g} ms in the last",
                                  *first_p99, number_of(*drift, "window_s").value_or(0), *last_p99)
                    : std::string("p99 of the first and last drift windows");
            return {relative ? *change / 100 : *change * 1e6, how};
        }
        default: return {std::nullopt, "not an analysis metric"};
    }
}

double scale_of(const thresholds::ThresholdExpr& expr) {
    switch (expr.unit) {
        case ThresholdUnit::ns: return 1e-6;
        case ThresholdUnit::change_ratio:
        case ThresholdUnit::ratio:
        case ThresholdUnit::fraction_of_target: return 100;
        default: return 1;
    }
}

}  // namespace

void for_each_judged_at_end(
    json::array& thresholds, std::string_view marker,
    const std::function<void(json::object&, const thresholds::ThresholdExpr&)>& judge) {
    for (auto& item : thresholds) {
        auto* threshold = item.if_object();
        if (threshold == nullptr || !threshold->contains(marker)) continue;
        const auto* expr_text = threshold->if_contains("expr");
        if (expr_text == nullptr || !expr_text->is_string()) continue;
        thresholds::ThresholdExpr expr;
        try {
            expr = thresholds::parse_threshold_expr(expr_text->get_string());
        } catch (const std::invalid_argument&) {
            continue;  // the evaluator parsed it already; nothing else writes these objects
        }
        judge(*threshold, expr);
    }
}

void evaluate_analysis_thresholds(json::array& thresholds, const json::object& analysis) {
    for_each_judged_at_end(
        thresholds, "analysis",
        [&](json::object& threshold, const thresholds::ThresholdExpr& expr) {
            const Judged judged = judge(expr, analysis);
            const double scale = scale_of(expr);
            threshold["actual"] =
                judged.native ? json::value(tidy(*judged.native * scale)) : json::value(nullptr);
            threshold["pass"] = judged.native
                                    ? thresholds::compare(*judged.native, expr.cmp, expr.value)
                                    : judged.pass_without_value;
            threshold["detail"] = judged.detail;
        });
}

}  // namespace volley::reports
