#include "reports/run_checks.hpp"

#include <fmt/format.h>

namespace volley::reports {
namespace json = boost::json;
using engine::Outcome;

namespace {

json::object check(std::string expr, double actual, double limit, bool pass, std::string detail) {
    return json::object{{"expr", std::move(expr)},
                        {"request", nullptr},
                        {"window_s", nullptr},
                        {"actual", actual},
                        {"limit", limit},
                        {"unit", "count"},
                        {"pass", pass},
                        {"abort_on_fail", false},
                        {"detail", std::move(detail)},
                        {"builtin", true}};
}

}  // namespace

std::string error_digest(const engine::IntervalStats& totals) {
    const auto all = totals.combined();
    std::string out;
    for (std::size_t i = 0; i < engine::kOutcomeCount; ++i) {
        const auto outcome = static_cast<Outcome>(i);
        if (outcome == Outcome::ok || all.outcomes[i] == 0) continue;
        if (!out.empty()) out += "; ";
        out += fmt::format("{} {}", engine::outcome_name(outcome), all.outcomes[i]);
        for (const auto& sample : totals.error_samples) {
            if (sample.outcome == outcome && !sample.detail.empty()) {
                out += fmt::format(" ({})", sample.detail);
                break;
            }
        }
    }
    return out;
}

bool ended_early(const engine::RunResult& result, const RunExpectations& expect) {
    if (!expect.replay_failure.empty()) return true;
    return result.stop_reason == engine::StopReason::source_exhausted &&
           !expect.source_end_expected;
}

json::array run_checks(const engine::RunResult& result, const RunExpectations& expect) {
    const auto all = result.totals.combined();
    const auto sent = static_cast<double>(result.totals.sent);
    const auto ok = static_cast<double>(all.outcomes[static_cast<std::size_t>(Outcome::ok)]);
    json::array out;
    if (sent == 0) {
        out.push_back(check("requests sent > 0", sent, 0, false,
                            "no request was sent: nothing was measured"));
    } else if (ok == 0) {
        const std::string digest = error_digest(result.totals);
        out.push_back(
            check("successful responses > 0", ok, 0, false,
                  "every request failed: " + (digest.empty() ? std::string("no answer") : digest)));
    }
    if (ended_early(result, expect)) {
        const std::string why = !expect.replay_failure.empty()
                                    ? "replay input ended early: " + expect.replay_failure
                                    : result.stop_detail;
        out.push_back(check(
            "run reached its planned end", 0, 0, false,
            fmt::format("stopped after {:.1f} s of {:.1f} s: {}",
                        std::chrono::duration<double>(result.measured).count(),
                        std::chrono::duration<double>(result.scheduled_duration).count(), why)));
    }
    return out;
}

}  // namespace volley::reports
