// What the run found, for every renderer: the type's headline, the bottleneck, the errors and
// the stress steps (reports/report_tables.hpp "findings").
#include "reports/report_tables.hpp"

#include <fmt/format.h>

#include "reports/number_format.hpp"

namespace volley::reports {

namespace {

std::string headline_value(const HeadlineFinding& item) {
    const auto value = item.value;
    if (!value) return std::string(missing_value_text);
    const auto& unit = item.unit;
    if (unit == "rps") return format_rps(*value) + "/s";
    if (unit == "s") return format_seconds(*value) + " s";
    if (unit == "%") return (*value > 0 ? "+" : "") + format_number(*value) + "%";
    return format_number(*value);
}

}  // namespace

bool is_analysis_threshold(const ThresholdResult& threshold) {
    return threshold.analysis.has_value();
}

std::vector<HeadlineItem> headline_items(const RunSummary& summary) {
    std::vector<HeadlineItem> items;
    for (const auto& item : summary.analysis.headline) {
        HeadlineItem out{item.key, item.label, headline_value(item), item.text, {}, false};
        for (const auto& threshold : summary.thresholds) {
            if (!is_analysis_threshold(threshold) || *threshold.analysis != out.key) continue;
            const bool pass = threshold.pass;
            out.failed = out.failed || !pass;
            out.thresholds.push_back(fmt::format("{}: {} (actual {})", threshold.expr,
                                                 pass ? "pass" : "FAIL",
                                                 threshold_actual(threshold)));
        }
        items.push_back(std::move(out));
    }
    return items;
}

Bottleneck bottleneck(const RunSummary& summary) {
    const auto& found = summary.analysis.bottleneck;
    if (!found) return {};
    return {found->kind, found->text, found->suggestion};
}

std::string bottleneck_sentence(const RunSummary& summary) {
    const auto found = bottleneck(summary);
    if (found.kind.empty() || found.text.empty()) {
        return "The summary does not say which side limited the run.";
    }
    return found.suggestion.empty() ? found.text : found.text + " " + found.suggestion;
}

std::string status_breakdown(const RunSummary& summary) {
    std::string out;
    for (const auto& [status, count] : summary.statuses) {
        out += fmt::format("{}{} {}", out.empty() ? "" : ", ", status,
                           format_count(static_cast<double>(count)));
    }
    return out;
}

std::vector<std::string> error_messages(const RunSummary& summary) {
    std::vector<std::string> out;
    for (const auto& sample : summary.first_errors) {
        const auto count = format_count(static_cast<double>(sample.count));
        out.push_back(sample.detail.empty()
                          ? fmt::format("{} {}", sample.outcome_class, count)
                          : fmt::format("{} {}: {}", sample.outcome_class, count, sample.detail));
    }
    return out;
}

std::optional<ReportTable> status_table(const RunSummary& summary) {
    if (summary.statuses.empty()) return std::nullopt;
    ReportTable table{"statuses",
                      "HTTP statuses",
                      "Answered requests by the HTTP status of their response.",
                      {{"Status"}, {"Count", true}, {"Share", true}},
                      {},
                      {}};
    double total = 0;
    for (const auto& entry : summary.statuses) total += static_cast<double>(entry.count);
    for (const auto& [status, count] : summary.statuses) {
        const auto n = static_cast<double>(count);
        const bool bad = !status.empty() && status[0] >= '4';
        table.add_row(
            {status, format_count(n),
             format_optional(total > 0 ? std::optional(n / total) : std::nullopt, &format_percent)},
            bad ? RowMark::bad : RowMark::none);
    }
    return table;
}

std::optional<ReportTable> error_messages_table(const RunSummary& summary) {
    if (summary.first_errors.empty()) return std::nullopt;
    ReportTable table{"error-messages",
                      "Error messages",
                      "The first distinct error messages, with how often each was seen.",
                      {{"Class"}, {"Count", true}, {"Message"}},
                      {},
                      {}};
    for (const auto& sample : summary.first_errors) {
        table.add_row({sample.outcome_class, format_count(static_cast<double>(sample.count)),
                       sample.detail.empty() ? std::string(missing_value_text) : sample.detail},
                      RowMark::bad);
    }
    return table;
}

std::optional<ReportTable> stress_steps_table(const RunSummary& summary) {
    if (!summary.analysis.stress_steps) return std::nullopt;
    ReportTable table{
        "stress-steps",
        "Stress steps",
        "Each step's hold window, judged on the thresholds; the breaking point is the first "
        "step that failed, the capacity the step before it.",
        {{"Step", true},
         {"Window (s)"},
         {"Target (rps)", true},
         {"Achieved (rps)", true},
         {"p99 (ms)", true},
         {"Service p99 (ms)", true},
         {"Error rate", true},
         {"Result"},
         {"Failed thresholds"}},
        {},
        {}};
    for (const auto& step : *summary.analysis.stress_steps) {
        std::string failed;
        for (const auto& expr : step.failed) failed += (failed.empty() ? "" : "; ") + expr;
        table.add_row(
            {format_count(static_cast<double>(step.step)),
             fmt::format("{}–{}", format_seconds(step.start_s), format_seconds(step.end_s)),
             format_rps(step.target_rps), format_rps(step.achieved_rps),
             format_optional(step.p99_ms, &format_ms),
             format_optional(step.service_p99_ms, &format_ms),
             format_optional(step.error_rate, &format_percent),
             std::string(step.pass ? "pass" : "FAIL") + (step.complete ? "" : " (partial)"),
             failed},
            step.pass ? RowMark::good : RowMark::bad);
    }
    return table;
}

}  // namespace volley::reports
