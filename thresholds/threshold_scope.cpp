#include "thresholds/threshold_scope.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace volley::thresholds {
namespace {

std::optional<std::size_t> index_of(const std::vector<std::string>& names,
                                    const std::string& name) {
    const auto found = std::find(names.begin(), names.end(), name);
    if (found == names.end()) return std::nullopt;
    return static_cast<std::size_t>(found - names.begin());
}

// "a, b, c" (the first few), for "did you mean" lists.
std::string listing(const std::vector<std::string>& names) {
    constexpr std::size_t kShown = 8;
    std::string text;
    for (std::size_t i = 0; i < names.size() && i < kShown; ++i) {
        if (i > 0) text += ", ";
        text += names[i];
    }
    if (names.size() > kShown) text += ", …";
    return text;
}

bool has_tag(const RunCatalog& catalog, std::size_t request, const ThresholdScope& scope) {
    if (request >= catalog.request_tags.size()) return false;
    const auto& tags = catalog.request_tags[request];
    return std::find(tags.begin(), tags.end(), Tag{scope.key, scope.name}) != tags.end();
}

bool is_step(const RunCatalog& catalog, std::size_t request) {
    return request < catalog.request_journey.size() && catalog.request_journey[request];
}

// The selection, or the reason it selects nothing that exists.
struct Resolved {
    ScopeSelection selection;
    std::string problem;
};

Resolved resolve(const ThresholdExpr& expr, const RunCatalog& catalog,
                 const std::vector<std::string>& request_names) {
    Resolved out;
    auto& selection = out.selection;
    const ThresholdScope& scope = expr.scope;
    std::vector<std::string> journey_names;
    for (const auto& journey : catalog.journeys) journey_names.push_back(journey.name);
    // An observed series' label ({pattern:P}, {state:S}) is no tag of the requests: the loader
    // checks it against the observe: section.
    if (expr.metric == ThresholdMetric::observed && scope.kind == ThresholdScopeKind::tag) {
        return out;
    }

    switch (scope.kind) {
        case ThresholdScopeKind::all: break;
        case ThresholdScopeKind::request:
        case ThresholdScopeKind::step: {
            const auto index = index_of(request_names, scope.name);
            const bool step = scope.kind == ThresholdScopeKind::step;
            if (!index || (step && !is_step(catalog, *index))) {
                out.problem =
                    step ? fmt::format("no journey step is named '{}' (write step:JOURNEY.STEP)",
                                       scope.name)
                         : fmt::format("no request is named '{}' (requests: {})", scope.name,
                                       listing(request_names));
                return out;
            }
            selection.requests = std::vector<std::size_t>{*index};
            if (step) selection.flows = std::vector<std::size_t>{*catalog.request_journey[*index]};
            break;
        }
        case ThresholdScopeKind::journey: {
            const auto index = index_of(journey_names, scope.name);
            if (!index) {
                out.problem = journey_names.empty()
                                  ? fmt::format(
                                        "no journey is named '{}': the scenario has no "
                                        "journeys",
                                        scope.name)
                                  : fmt::format("no journey is named '{}' (journeys: {})",
                                                scope.name, listing(journey_names));
                return out;
            }
            selection.requests = catalog.journeys[*index].steps;
            selection.flows = std::vector<std::size_t>{*index};
            break;
        }
        case ThresholdScopeKind::tag: {
            std::vector<std::size_t> tagged;
            for (std::size_t i = 0; i < request_names.size(); ++i) {
                if (has_tag(catalog, i, scope)) tagged.push_back(i);
            }
            if (tagged.empty()) {
                out.problem = fmt::format("no request has the tag {}: {}", scope.key, scope.name);
                return out;
            }
            selection.requests = std::move(tagged);
            break;
        }
        case ThresholdScopeKind::check: {
            const auto found = std::find_if(
                catalog.checks.begin(), catalog.checks.end(),
                [&](const RunCatalog::Check& check) { return check.name == scope.name; });
            if (found == catalog.checks.end()) {
                out.problem = fmt::format("no check is named '{}'", scope.name);
                return out;
            }
            selection.requests = std::vector<std::size_t>{found->request};
            selection.check_counters.emplace_back(found->pass_counter, found->fail_counter);
            return out;
        }
    }

    if (expr.metric == ThresholdMetric::checks) {
        for (const auto& check : catalog.checks) {
            const bool selected = !selection.requests ||
                                  std::find(selection.requests->begin(), selection.requests->end(),
                                            check.request) != selection.requests->end();
            if (selected)
                selection.check_counters.emplace_back(check.pass_counter, check.fail_counter);
        }
        if (selection.check_counters.empty()) {
            out.problem = scope.kind == ThresholdScopeKind::all
                              ? std::string("the scenario has no checks")
                              : fmt::format("{{{}}} has no checks", scope_text(scope));
        }
    }
    if ((expr.metric == ThresholdMetric::journey_duration ||
         expr.metric == ThresholdMetric::journeys_failed) &&
        catalog.journeys.empty()) {
        out.problem =
            fmt::format("{} measures journeys: the scenario has none", metric_name(expr.metric));
    }
    return out;
}

}  // namespace

std::string scope_problem(const ThresholdExpr& expr, const RunCatalog& catalog,
                          const std::vector<std::string>& request_names) {
    return resolve(expr, catalog, request_names).problem;
}

ScopeSelection select_scope(const ThresholdExpr& expr, const RunCatalog& catalog,
                            const std::vector<std::string>& request_names) {
    Resolved resolved = resolve(expr, catalog, request_names);
    if (!resolved.problem.empty()) {
        throw std::invalid_argument(
            fmt::format("threshold '{}': {}", format_threshold_expr(expr), resolved.problem));
    }
    return std::move(resolved.selection);
}

}  // namespace volley::thresholds
