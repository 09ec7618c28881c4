// What the run found, for every renderer: the type's headline, the bottleneck, the errors and
// the stress steps (reports/report_tables.hpp "findings").
#include "reports/report_tables.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "reports/number_format.hpp"
#include "reports/summary_access.hpp"

namespace volley::reports {

using boost::json::object;

namespace {

std::string headline_value(const object& item) {
  const auto value = number_at(item, "value");
  if (!value) return std::string(missing_value_text);
  const auto unit = string_at(item, "unit");
  if (unit == "rps") return format_rps(*value) + "/s";
  if (unit == "s") return format_seconds(*value) + " s";
  if (unit == "%") return (*value > 0 ? "+" : "") + format_number(*value) + "%";
  return format_number(*value);
}

}  // namespace

bool is_analysis_threshold(const object& threshold) {
  const auto* key = threshold.if_contains("analysis");
  return key != nullptr && key->is_string();
}

std::vector<HeadlineItem> headline_items(const object& summary) {
  std::vector<HeadlineItem> items;
  const auto* headline = array_at(summary, "analysis.headline");
  if (headline == nullptr) return items;
  const auto* thresholds = array_at(summary, "thresholds");
  for (const auto& entry : *headline) {
    const auto* item = entry.if_object();
    if (item == nullptr) continue;
    HeadlineItem out{string_at(*item, "key"), string_at(*item, "label"), headline_value(*item),
                     string_at(*item, "text"), {}, false};
    if (thresholds != nullptr) {
      for (const auto& t : *thresholds) {
        const auto* threshold = t.if_object();
        if (threshold == nullptr || !is_analysis_threshold(*threshold) ||
            string_at(*threshold, "analysis") != out.key) {
          continue;
        }
        const bool pass = bool_at(*threshold, "pass").value_or(false);
        out.failed = out.failed || !pass;
        out.thresholds.push_back(fmt::format("{}: {} (actual {})", string_at(*threshold, "expr"),
                                             pass ? "pass" : "FAIL", threshold_actual(*threshold)));
      }
    }
    items.push_back(std::move(out));
  }
  return items;
}

Bottleneck bottleneck(const object& summary) {
  return {string_at(summary, "analysis.bottleneck.kind"), string_at(summary, "analysis.bottleneck.text"),
          string_at(summary, "analysis.bottleneck.suggestion")};
}

std::string bottleneck_sentence(const object& summary) {
  const auto found = bottleneck(summary);
  if (found.kind.empty() || found.text.empty()) {
    return "The summary does not say which side limited the run.";
  }
  return found.suggestion.empty() ? found.text : found.text + " " + found.suggestion;
}

std::string status_breakdown(const object& summary) {
  std::string out;
  if (const auto* statuses = object_at(summary, "errors.by_status")) {
    for (const auto& [status, count] : *statuses) {
      const auto n = as_number(&count);
      if (!n) continue;
      out += fmt::format("{}{} {}", out.empty() ? "" : ", ", std::string_view(status), format_count(*n));
    }
  }
  return out;
}

std::vector<std::string> error_messages(const object& summary) {
  std::vector<std::string> out;
  const auto* first = array_at(summary, "errors.first");
  if (first == nullptr) return out;
  for (const auto& entry : *first) {
    const auto* sample = entry.if_object();
    if (sample == nullptr) continue;
    const auto detail = string_at(*sample, "detail");
    const auto count = format_optional(number_at(*sample, "count"), &format_count);
    out.push_back(detail.empty() ? fmt::format("{} {}", string_at(*sample, "class"), count)
                                 : fmt::format("{} {}: {}", string_at(*sample, "class"), count, detail));
  }
  return out;
}

std::optional<ReportTable> status_table(const object& summary) {
  const auto* statuses = object_at(summary, "errors.by_status");
  if (statuses == nullptr || statuses->empty()) return std::nullopt;
  ReportTable table{"statuses", "HTTP statuses", "Answered requests by the HTTP status of their response.",
                    {{"Status"}, {"Count", true}, {"Share", true}}, {}, {}};
  double total = 0;
  for (const auto& [status, count] : *statuses) total += as_number(&count).value_or(0.0);
  for (const auto& [status, count] : *statuses) {
    const auto n = as_number(&count);
    const bool bad = !std::string_view(status).empty() && status[0] >= '4';
    table.add_row({std::string(status), format_optional(n, &format_count),
                   format_optional(n && total > 0 ? std::optional(*n / total) : std::nullopt, &format_percent)},
                  bad ? RowMark::bad : RowMark::none);
  }
  return table;
}

std::optional<ReportTable> error_messages_table(const object& summary) {
  const auto* first = array_at(summary, "errors.first");
  if (first == nullptr || first->empty()) return std::nullopt;
  ReportTable table{"error-messages", "Error messages",
                    "The first distinct error messages, with how often each was seen.",
                    {{"Class"}, {"Count", true}, {"Message"}}, {}, {}};
  for (const auto& entry : *first) {
    const auto* sample = entry.if_object();
    if (sample == nullptr) continue;
    auto detail = string_at(*sample, "detail");
    table.add_row({string_at(*sample, "class"), format_optional(number_at(*sample, "count"), &format_count),
                   detail.empty() ? std::string(missing_value_text) : detail},
                  RowMark::bad);
  }
  return table;
}

std::optional<ReportTable> stress_steps_table(const object& summary) {
  const auto* steps = array_at(summary, "analysis.steps");
  if (string_at(summary, "analysis.type") != "stress" || steps == nullptr) return std::nullopt;
  ReportTable table{"stress-steps", "Stress steps",
                    "Each step's hold window, judged on the thresholds; the breaking point is the first "
                    "step that failed, the capacity the step before it.",
                    {{"Step", true}, {"Window (s)"}, {"Target (rps)", true}, {"Achieved (rps)", true},
                     {"p99 (ms)", true}, {"Service p99 (ms)", true}, {"Error rate", true}, {"Result"},
                     {"Failed thresholds"}},
                    {}, {}};
  for (const auto& entry : *steps) {
    const auto* step = entry.if_object();
    if (step == nullptr) continue;
    const bool pass = bool_at(*step, "pass").value_or(false);
    const bool complete = bool_at(*step, "complete").value_or(false);
    std::string failed;
    if (const auto* exprs = step->if_contains("failed"); exprs != nullptr && exprs->is_array()) {
      for (const auto& e : exprs->get_array()) {
        if (e.is_string()) failed += (failed.empty() ? "" : "; ") + std::string(e.get_string());
      }
    }
    table.add_row({format_optional(number_at(*step, "step"), &format_count),
                   fmt::format("{}–{}", format_optional(number_at(*step, "start_s"), &format_seconds),
                               format_optional(number_at(*step, "end_s"), &format_seconds)),
                   format_optional(number_at(*step, "target_rps"), &format_rps),
                   format_optional(number_at(*step, "achieved_rps"), &format_rps),
                   format_optional(number_at(*step, "p99_ms"), &format_ms),
                   format_optional(number_at(*step, "service_p99_ms"), &format_ms),
                   format_optional(number_at(*step, "error_rate"), &format_percent),
                   std::string(pass ? "pass" : "FAIL") + (complete ? "" : " (partial)"), failed},
                  pass ? RowMark::good : RowMark::bad);
  }
  return table;
}

}  // namespace volley::reports
