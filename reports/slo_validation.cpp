#include "reports/slo_validation.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <fmt/format.h>

#include <cmath>

namespace volley::reports {
namespace json = boost::json;

namespace {

bool within_target(const SloMeasurement& m, double actual) {
    return m.higher_is_better ? actual >= *m.target : actual <= *m.target;
}

bool within_gate(const SloMeasurement& m, double actual) {
    return m.higher_is_better ? actual > *m.hard_gate : actual < *m.hard_gate;
}

std::string comparison(const SloMeasurement& m) {
    std::string out;
    if (m.target)
        out = fmt::format("target {} {:g} {}", m.higher_is_better ? ">=" : "<=", *m.target, m.unit);
    if (m.hard_gate) {
        if (!out.empty()) out += "; ";
        out += fmt::format("hard gate {} {:g} {}", m.higher_is_better ? ">" : "<", *m.hard_gate,
                           m.unit);
    }
    return out;
}

std::string label(const SloMeasurement& m) {
    return m.statistic.empty() ? m.metric_name : fmt::format("{} {}", m.metric_name, m.statistic);
}

json::value optional_number(const std::optional<double>& v) {
    if (!v || !std::isfinite(*v)) return nullptr;
    return *v;
}

}  // namespace

std::string_view slo_status_name(SloStatus status) {
    switch (status) {
        case SloStatus::passed: return "PASSED";
        case SloStatus::warning: return "WARNING";
        case SloStatus::failed: return "FAILED";
    }
    return "FAILED";
}

SloStatus evaluate_slo(const SloMeasurement& m) {
    if (!m.error.empty()) return SloStatus::failed;
    if (!m.actual || !std::isfinite(*m.actual)) return SloStatus::warning;
    if (m.hard_gate && !within_gate(m, *m.actual)) return SloStatus::failed;
    if (m.target && !within_target(m, *m.actual)) return SloStatus::warning;
    return SloStatus::passed;
}

std::string slo_key(const SloMeasurement& m) { return m.metric_name + "/" + m.statistic; }

json::object make_slo_validation(const SloReportInput& input) {
    json::array slos, blockers, next_actions, regressions;
    SloStatus overall = SloStatus::passed;
    for (const auto& m : input.measurements) {
        const SloStatus status = evaluate_slo(m);
        if (status == SloStatus::failed)
            overall = SloStatus::failed;
        else if (status == SloStatus::warning && overall == SloStatus::passed)
            overall = SloStatus::warning;

        std::string details = m.details;
        if (!m.error.empty()) details = m.error + (details.empty() ? "" : "; " + details);
        slos.push_back(
            json::object{{"metric_name", m.metric_name},
                         {"statistic", m.statistic},
                         {"target_value", optional_number(m.target ? m.target : m.hard_gate)},
                         {"hard_gate", optional_number(m.hard_gate)},
                         {"actual_value", optional_number(m.actual)},
                         {"unit", m.unit},
                         {"comparison", comparison(m)},
                         {"status", slo_status_name(status)},
                         {"details", details}});

        const std::string what = label(m);
        if (status == SloStatus::failed) {
            if (!m.error.empty()) {
                blockers.push_back(json::string(fmt::format("{}: {}", what, m.error)));
                next_actions.push_back(json::string(
                    fmt::format("{}: make the measurement succeed ({})", what, m.error)));
            } else {
                blockers.push_back(json::string(
                    fmt::format("{} = {:.4g} {} misses the hard gate ({} {:g} {})", what, *m.actual,
                                m.unit, m.higher_is_better ? ">" : "<", *m.hard_gate, m.unit)));
                next_actions.push_back(json::string(
                    fmt::format("{}: investigate and fix before release (hard gate)", what)));
            }
        } else if (status == SloStatus::warning) {
            if (!m.actual) {
                next_actions.push_back(
                    json::string(fmt::format("{}: not measured ({})", what, m.details)));
            } else {
                next_actions.push_back(json::string(
                    fmt::format("{} = {:.4g} {} misses the target ({} {:g} {})", what, *m.actual,
                                m.unit, m.higher_is_better ? ">=" : "<=", *m.target, m.unit)));
            }
        }

        if (const auto it = input.baseline.find(slo_key(m));
            it != input.baseline.end() && m.actual) {
            const double base = it->second;
            const double limit = m.higher_is_better ? base * (1 - input.regression_tolerance)
                                                    : base * (1 + input.regression_tolerance);
            const bool worse = m.higher_is_better ? *m.actual < limit : *m.actual > limit;
            if (worse) {
                regressions.push_back(json::string(fmt::format(
                    "{}: {:.4g} {} vs baseline {:.4g} {}", what, *m.actual, m.unit, base, m.unit)));
            }
        }
    }

    json::object check{{"baseline", input.baseline.empty() ? json::value(nullptr)
                                                           : json::value(input.baseline_source)},
                       {"tolerance", input.regression_tolerance},
                       {"regressions", regressions}};
    if (input.baseline.empty()) check["note"] = "no baseline given: no comparison made";
    for (const auto& r : regressions)
        next_actions.push_back(json::string("regression: " + std::string(r.as_string())));

    json::object out{{"timestamp", input.timestamp},
                     {"pipeline_execution_id", input.pipeline_execution_id},
                     {"overall_status", slo_status_name(overall)},
                     {"slos_validated", std::move(slos)},
                     {"regression_detected", !regressions.empty()},
                     {"regression_check", std::move(check)},
                     {"blockers", std::move(blockers)},
                     {"next_actions", std::move(next_actions)}};
    for (const auto& [key, value] : input.extra) out[key] = value;
    return out;
}

std::map<std::string, double> slo_baseline_from_json(const json::object& previous) {
    std::map<std::string, double> out;
    const auto* slos = previous.if_contains("slos_validated");
    if (!slos || !slos->is_array()) return out;
    for (const auto& item : slos->get_array()) {
        if (!item.is_object()) continue;
        const auto& o = item.get_object();
        const auto* name = o.if_contains("metric_name");
        const auto* stat = o.if_contains("statistic");
        const auto* actual = o.if_contains("actual_value");
        if (!name || !name->is_string() || !actual || !actual->is_number()) continue;
        std::string key = std::string(name->get_string()) + "/";
        if (stat && stat->is_string()) key += std::string(stat->get_string());
        out[key] = actual->to_number<double>();
    }
    return out;
}

}  // namespace volley::reports
