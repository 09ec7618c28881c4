#include "reports/report_journey_tables.hpp"

#include "reports/number_format.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace volley::reports {
namespace {

std::string count(std::uint64_t value) { return format_count(static_cast<double>(value)); }

const RequestFigures* find_request(const RunSummary& summary, const std::string& name) {
    const auto found =
        std::find_if(summary.requests.begin(), summary.requests.end(),
                     [&](const RequestFigures& request) { return request.name == name; });
    return found == summary.requests.end() ? nullptr : &*found;
}

}  // namespace

std::string tags_text(const std::vector<TagPair>& tags) {
    std::string text;
    for (const auto& [key, value] : tags) {
        if (!text.empty()) text += ", ";
        text += fmt::format("{}={}", key, value);
    }
    return text;
}

std::string step_short_name(const std::string& step, const std::string& journey) {
    const std::string prefix = journey + ".";
    return step.compare(0, prefix.size(), prefix) == 0 ? step.substr(prefix.size()) : step;
}

std::optional<ReportTable> journeys_table(const RunSummary& summary) {
    if (summary.journeys.empty()) return std::nullopt;
    ReportTable table{"journeys",
                      "Journeys",
                      "Duration: from the first step's intended start to the last step's "
                      "completion, of completed and failed journeys.",
                      {{"Journey"},
                       {"Started", true},
                       {"Completed", true},
                       {"Failed", true},
                       {"Failed share", true},
                       {"Dropped", true},
                       {"Interrupted", true},
                       {"p50 (ms)", true},
                       {"p95 (ms)", true},
                       {"p99 (ms)", true},
                       {"max (ms)", true}},
                      {},
                      {}};
    for (const auto& journey : summary.journeys) {
        const std::uint64_t finished = journey.completed + journey.failed;
        const auto& d = journey.duration_ms;
        table.add_row(
            {journey.name, count(journey.started), count(journey.completed), count(journey.failed),
             format_optional(finished > 0 ? std::optional(static_cast<double>(journey.failed) /
                                                          static_cast<double>(finished))
                                          : std::nullopt,
                             &format_percent),
             count(journey.dropped), count(journey.interrupted), format_ms(d.p50), format_ms(d.p95),
             format_ms(d.p99), format_ms(d.max)},
            journey.failed > 0 ? RowMark::bad : RowMark::none);
    }
    return table;
}

std::optional<ReportTable> journey_steps_table(const RunSummary& summary) {
    if (summary.journeys.empty()) return std::nullopt;
    ReportTable table{"journey-steps",
                      "Journey steps",
                      "Response time of each step counts from its intended start (the previous "
                      "step's completion plus the think time).",
                      {{"Journey"},
                       {"Step"},
                       {"Requests", true},
                       {"Errors", true},
                       {"Extract errors", true},
                       {"p50 (ms)", true},
                       {"p95 (ms)", true},
                       {"p99 (ms)", true},
                       {"max (ms)", true},
                       {"Tags"}},
                      {},
                      {}};
    for (const auto& journey : summary.journeys) {
        for (const auto& step : journey.steps) {
            const RequestFigures* request = find_request(summary, step);
            if (request == nullptr) continue;
            const auto& l = request->latency_ms;
            table.add_row(
                {journey.name, step_short_name(step, journey.name), count(request->requests),
                 count(request->errors), count(request->extract_errors), format_ms(l.p50),
                 format_ms(l.p95), format_ms(l.p99), format_ms(l.max), tags_text(request->tags)},
                request->errors > 0 || request->extract_errors > 0 ? RowMark::bad : RowMark::none);
        }
    }
    return table;
}

std::optional<ReportTable> checks_table(const RunSummary& summary) {
    if (summary.checks.empty()) return std::nullopt;
    ReportTable table{
        "checks",
        "Checks",
        "Checks count; they do not end a journey or decide the verdict (a "
        "threshold such as checks{NAME} > 99% does).",
        {{"Check"}, {"Step"}, {"Passed", true}, {"Failed", true}, {"Pass rate", true}},
        {},
        {}};
    for (const auto& check : summary.checks) {
        table.add_row({check.name, check.step, count(check.passed), count(check.failed),
                       format_optional(check.rate, &format_percent)},
                      check.failed > 0 ? RowMark::bad : RowMark::none);
    }
    return table;
}

std::optional<ReportTable> tags_table(const RunSummary& summary) {
    if (summary.tags.empty()) return std::nullopt;
    ReportTable table{"tags",
                      "Tags",
                      "The requests carrying each tag, merged (percentiles of the merged "
                      "histograms).",
                      {{"Tag"},
                       {"Requests", true},
                       {"Errors", true},
                       {"Error rate", true},
                       {"p50 (ms)", true},
                       {"p95 (ms)", true},
                       {"p99 (ms)", true},
                       {"max (ms)", true}},
                      {},
                      {}};
    for (const auto& tag : summary.tags) {
        const auto& l = tag.latency_ms;
        table.add_row({fmt::format("{}={}", tag.key, tag.value), count(tag.requests),
                       count(tag.errors), format_percent(tag.error_rate), format_ms(l.p50),
                       format_ms(l.p95), format_ms(l.p99), format_ms(l.max)},
                      tag.errors > 0 ? RowMark::bad : RowMark::none);
    }
    return table;
}

}  // namespace volley::reports
