#include "reports/summary_journeys.hpp"

#include "reports/summary_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

namespace volley::reports {
namespace json = boost::json;

namespace {

json::object tags_object(const std::vector<thresholds::Tag>& tags) {
    json::object out;
    for (const auto& [key, value] : tags) out[key] = value;
    return out;
}

std::uint64_t counter_value(const engine::RunResult& result, std::size_t index) {
    return index < result.totals.counters.size() ? result.totals.counters[index] : 0;
}

json::value rate_of(std::uint64_t part, std::uint64_t whole) {
    if (whole == 0) return nullptr;
    return static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

std::vector<thresholds::Tag> distinct_tags(const thresholds::RunCatalog& catalog) {
    std::vector<thresholds::Tag> tags;
    for (const auto& request : catalog.request_tags)
        tags.insert(tags.end(), request.begin(), request.end());
    std::sort(tags.begin(), tags.end());
    tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
    return tags;
}

std::vector<std::size_t> requests_with_tag(const thresholds::RunCatalog& catalog,
                                           const thresholds::Tag& tag) {
    std::vector<std::size_t> indices;
    for (std::size_t i = 0; i < catalog.request_tags.size(); ++i) {
        const auto& tags = catalog.request_tags[i];
        if (std::find(tags.begin(), tags.end(), tag) != tags.end()) indices.push_back(i);
    }
    return indices;
}

void add_journey_sections(json::object& summary, const engine::RunResult& result,
                          const thresholds::RunCatalog& catalog) {
    if (catalog.empty()) return;
    const auto& names = result.request_names;

    if (auto* requests = summary.if_contains("requests"); requests && requests->is_array()) {
        auto& rows = requests->as_array();
        for (std::size_t i = 0; i < rows.size() && i < catalog.request_journey.size(); ++i) {
            const auto& journey = catalog.request_journey[i];
            if (!journey || *journey >= catalog.journeys.size()) continue;
            auto& row = rows[i].as_object();
            row["journey"] = catalog.journeys[*journey].name;
            row["tags"] =
                tags_object(i < catalog.request_tags.size() ? catalog.request_tags[i]
                                                            : std::vector<thresholds::Tag>{});
            const auto counter = i < catalog.extract_error_counter.size()
                                     ? catalog.extract_error_counter[i]
                                     : std::nullopt;
            row["extract_errors"] = counter ? counter_value(result, *counter) : 0;
        }
    }

    json::array journeys;
    for (std::size_t f = 0; f < catalog.journeys.size(); ++f) {
        const auto& journey = catalog.journeys[f];
        const engine::FlowStats empty;
        const auto& stats = f < result.totals.per_flow.size() ? result.totals.per_flow[f] : empty;
        json::array steps;
        for (const std::size_t step : journey.steps) {
            if (step < names.size()) steps.push_back(json::string(names[step]));
        }
        journeys.push_back(
            json::object{{"name", journey.name},
                         {"tags", tags_object(journey.tags)},
                         {"steps", std::move(steps)},
                         {"started", stats.started},
                         {"completed", stats.completed},
                         {"failed", stats.failed},
                         {"dropped", stats.dropped},
                         {"interrupted", stats.interrupted},
                         {"unsent", stats.unsent},
                         {"failed_rate", rate_of(stats.failed, stats.completed + stats.failed)},
                         {"duration_ms", latency_ms(stats.duration)}});
    }
    summary["journeys"] = std::move(journeys);

    json::array tags;
    for (const auto& tag : distinct_tags(catalog)) {
        engine::RequestStats merged;
        for (const std::size_t i : requests_with_tag(catalog, tag)) {
            if (i < result.totals.per_request.size()) merged.add(result.totals.per_request[i]);
        }
        const auto done = merged.completed();
        tags.push_back(json::object{
            {"key", tag.first},
            {"value", tag.second},
            {"requests", done},
            {"errors", merged.errors()},
            {"error_rate",
             done == 0 ? 0.0 : static_cast<double>(merged.errors()) / static_cast<double>(done)},
            {"latency_ms", latency_ms(merged.response_time)}});
    }
    summary["tags"] = std::move(tags);

    json::array checks;
    for (const auto& check : catalog.checks) {
        const auto passed = counter_value(result, check.pass_counter);
        const auto failed = counter_value(result, check.fail_counter);
        checks.push_back(json::object{
            {"name", check.name},
            {"step", check.request < names.size() ? names[check.request] : std::string()},
            {"passed", passed},
            {"failed", failed},
            {"rate", rate_of(passed, passed + failed)}});
    }
    summary["checks"] = std::move(checks);
}

}  // namespace volley::reports
