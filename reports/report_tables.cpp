#include "reports/report_tables.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "reports/number_format.hpp"
#include "reports/summary_access.hpp"

namespace volley::reports {
namespace {

using boost::json::object;

constexpr std::array<std::pair<const char*, const char*>, 11> outcome_classes{{
    {"ok", "answered as expected (expect.status)"},
    {"http_4xx", "HTTP 4xx not accepted as ok"},
    {"http_5xx", "HTTP 5xx"},
    {"timeout", "no answer within the request timeout"},
    {"connect_error", "connection could not be opened"},
    {"reset", "connection reset or closed mid-request"},
    {"tls_error", "TLS handshake or certificate failure"},
    {"protocol_error", "malformed or unexpected response"},
    {"not_found", "resolver: unknown entity id"},
    {"dropped", "never sent: in-flight limit reached"},
    {"cancelled", "sent, abandoned unanswered when the run was stopped at once"},
}};

std::string ms_or_missing(const object& o, std::string_view path) {
  return format_optional(number_at(o, path), &format_ms);
}

std::string with_unit(std::optional<double> value, std::string (*formatter)(double),
                      std::string_view unit) {
  if (!value) return std::string(missing_value_text);
  return fmt::format("{} {}", formatter(*value), unit);
}

std::vector<std::string> strings_of(const boost::json::array* array) {
  std::vector<std::string> out;
  if (array == nullptr) return out;
  for (const auto& item : *array) {
    if (item.is_string()) out.emplace_back(item.get_string());
  }
  return out;
}

bool has_cache(const object& summary) { return object_at(summary, "cache") != nullptr; }

// The ratio achieved / target throughput, when both are known and the target is positive.
std::optional<double> achieved_fraction(const object& summary) {
  const auto achieved = number_at(summary, "totals.throughput_rps");
  const auto target = number_at(summary, "totals.target_rps");
  if (!achieved || !target || *target <= 0) return std::nullopt;
  return *achieved / *target;
}

void flatten_value(const boost::json::value& value, const std::string& path, ReportTable& table);

// Every leaf as "path.to.key" → value; arrays of scalars joined with ", ", arrays of objects
// as path[i].key.
void flatten(const object& o, const std::string& prefix, ReportTable& table) {
  for (const auto& [key, value] : o) {
    flatten_value(value, prefix.empty() ? std::string(key) : prefix + "." + std::string(key), table);
  }
}

void flatten_value(const boost::json::value& value, const std::string& path, ReportTable& table) {
  if (const auto* nested = value.if_object(); nested != nullptr && !nested->empty()) {
    flatten(*nested, path, table);
  } else if (const auto* array = value.if_array(); array != nullptr && !array->empty()) {
    const bool scalars = std::all_of(array->begin(), array->end(),
                                     [](const auto& v) { return !v.is_object() && !v.is_array(); });
    if (scalars) {
      std::string joined;
      for (const auto& v : *array) joined += (joined.empty() ? "" : ", ") + format_json_scalar(v);
      table.add_row({path, joined});
      return;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
      flatten_value((*array)[i], fmt::format("{}[{}]", path, i), table);
    }
  } else if (value.is_array()) {
    table.add_row({path, "none"});
  } else {
    table.add_row({path, format_json_scalar(value)});
  }
}

}  // namespace

void ReportTable::add_row(std::vector<std::string> cells, RowMark mark) {
  cells.resize(columns.size());
  rows.push_back(std::move(cells));
  marks.push_back(mark);
}

std::vector<SpectrumRow> spectrum_rows(const object& summary, std::string_view which) {
  std::vector<SpectrumRow> rows;
  const auto* array = array_at(summary, std::string("latency_spectrum.") + std::string(which));
  if (array == nullptr) return rows;
  for (const auto& item : *array) {
    const auto* row = item.if_array();
    if (row == nullptr || row->size() < 3) continue;
    const auto value = as_number(&(*row)[0]);
    const auto percentile = as_number(&(*row)[1]);
    const auto count = as_number(&(*row)[2]);
    if (!value || !percentile || !count || *percentile < 0 || *percentile > 100) continue;
    rows.push_back({*value, *percentile / 100.0, *count});
  }
  return rows;
}

std::string verdict_text(const object& summary) {
  const auto verdict = string_at(summary, "verdict");
  if (verdict == "pass") return "PASS";
  if (verdict == "fail") return "FAIL";
  return "UNKNOWN";
}

std::string scenario_title(const object& summary) {
  auto name = string_at(summary, "scenario.name");
  return name.empty() ? "(unnamed scenario)" : name;
}

std::vector<StageSpan> stages(const object& summary) {
  std::vector<StageSpan> out;
  const auto* array = array_at(summary, "scenario.stages");
  if (array == nullptr) return out;
  for (const auto& item : *array) {
    const auto* stage = item.if_object();
    if (stage == nullptr) continue;
    StageSpan span;
    span.number = static_cast<int>(out.size()) + 1;
    span.start_s = number_at(*stage, "start_s").value_or(0.0);
    span.end_s = number_at(*stage, "end_s").value_or(span.start_s);
    span.target_rps = number_at(*stage, "target_rps");
    if (span.end_s <= span.start_s) continue;  // a jump (zero-length stage): nothing runs in it
    out.push_back(span);
  }
  return out;
}

std::string stop_text(const object& summary) {
  const auto reason = string_at(summary, "stop.reason");
  const auto detail = string_at(summary, "stop.detail");
  if (reason.empty()) return std::string(missing_value_text);
  return detail.empty() ? reason : fmt::format("{}: {}", reason, detail);
}

std::vector<std::string> notices(const object& summary) {
  std::vector<std::string> out;
  const auto reason = string_at(summary, "stop.reason");
  if (!reason.empty() && reason != "completed") {
    out.push_back(fmt::format("The run did not complete ({}); the figures cover only what was "
                              "collected before it stopped.", stop_text(summary)));
  }
  for (auto& notice : strings_of(array_at(summary, "target.notices"))) out.push_back(std::move(notice));
  return out;
}

std::vector<std::string> generator_notes(const object& summary) {
  return strings_of(array_at(summary, "generator.notes"));
}

std::string threshold_label(const object& threshold) {
  const auto expression = string_at(threshold, "expr");
  const auto scope = string_at(threshold, "request");
  return scope.empty() ? expression : fmt::format("[{}] {}", scope, expression);
}

std::string threshold_limit(const std::string& expression) {
  for (std::string_view op : {"<=", ">=", "==", "!=", "<", ">"}) {
    if (const auto at = expression.find(op); at != std::string::npos) return expression.substr(at);
  }
  return expression;
}

std::string threshold_actual(const object& threshold) {
  const auto* actual = threshold.if_contains("actual");
  const auto number = as_number(actual);
  if (!number) return actual != nullptr ? format_json_scalar(*actual) : std::string(missing_value_text);
  const auto unit = string_at(threshold, "unit");
  if (unit == "count") return format_count(*number);
  if (unit == "%") return format_number(*number) + "%";
  if (unit == "% target") return format_number(*number) + "% of target";
  return unit.empty() ? format_number(*number) : fmt::format("{} {}", format_number(*number), unit);
}

std::vector<KeyFigure> key_figures(const object& summary) {
  std::vector<KeyFigure> figures;
  figures.push_back({"Requests", format_optional(number_at(summary, "totals.requests"),
                                                 &format_count), "", RowMark::none});
  const auto target = number_at(summary, "totals.target_rps");
  figures.push_back({"Throughput", with_unit(number_at(summary, "totals.throughput_rps"),
                                             &format_rps, "rps"),
                     target ? fmt::format("target {} rps", format_rps(*target)) : "",
                     RowMark::none});
  const auto errors = number_at(summary, "totals.errors");
  figures.push_back({"Error rate", format_optional(number_at(summary, "totals.error_rate"),
                                                   &format_percent),
                     errors ? fmt::format("{} errors", format_count(*errors)) : "",
                     errors && *errors > 0 ? RowMark::bad : RowMark::none});
  const auto dropped = number_at(summary, "totals.dropped");
  figures.push_back({"Dropped", format_optional(dropped, &format_count), "never sent",
                     dropped && *dropped > 0 ? RowMark::bad : RowMark::none});
  for (const auto& [label, key] : std::array<std::pair<const char*, const char*>, 4>{
           {{"p50", "p50"}, {"p95", "p95"}, {"p99", "p99"}, {"max", "max"}}}) {
    figures.push_back({label, with_unit(number_at(summary, std::string("latency_ms.") + key),
                                        &format_ms, "ms"),
                       "response time", RowMark::none});
  }
  if (has_cache(summary)) {
    figures.push_back({"Cache-hit rate", format_optional(number_at(summary, "cache.hit_rate"),
                                                         &format_percent),
                       "L1–L3", RowMark::none});
  }
  return figures;
}

ReportTable run_table(const object& summary) {
  ReportTable table{"run", "Run", "", {{"Item"}, {"Value"}}, {}, {}};
  const auto text = [&](const char* path) {
    auto value = string_at(summary, path);
    return value.empty() ? std::string(missing_value_text) : value;
  };
  table.add_row({"Scenario", scenario_title(summary)});
  table.add_row({"Type", text("scenario.type")});
  table.add_row({"Model", text("scenario.model")});
  table.add_row({"Scenario file", text("scenario.file")});
  table.add_row({"Target", fmt::format("{} ({})", text("target.url"), text("target.kind"))});
  table.add_row({"Started (UTC)", text("started_at")});
  table.add_row({"Duration", with_unit(number_at(summary, "duration_s"), &format_seconds, "s")});
  const auto reason = string_at(summary, "stop.reason");
  table.add_row({"Stopped", stop_text(summary)},
                reason.empty() || reason == "completed" ? RowMark::none : RowMark::bad);
  table.add_row({"Stages", fmt::format("{}", stages(summary).size())});
  table.add_row({"Verdict", verdict_text(summary)},
                verdict_text(summary) == "PASS" ? RowMark::good : RowMark::bad);
  table.add_row({"volley version", text("volley_version")});
  table.add_row({"Schema", text("schema")});
  return table;
}

ReportTable thresholds_table(const object& summary) {
  ReportTable table{"thresholds", "Thresholds", "", {{"Threshold"}, {"Actual", true},
                    {"Result"}, {"Detail"}}, {}, {}};
  const auto* thresholds = array_at(summary, "thresholds");
  if (thresholds == nullptr || thresholds->empty()) {
    table.note = "No thresholds were set; the verdict rests on the run alone.";
    return table;
  }
  for (const auto& item : *thresholds) {
    const auto* threshold = item.if_object();
    if (threshold == nullptr) continue;
    const bool pass = bool_at(*threshold, "pass").value_or(false);
    table.add_row({threshold_label(*threshold), threshold_actual(*threshold),
                   pass ? "pass" : "FAIL", string_at(*threshold, "detail")},
                  pass ? RowMark::good : RowMark::bad);
  }
  return table;
}

ReportTable latency_table(const object& summary) {
  ReportTable table{"latency", "Latency (ms)",
                    "Response time counts from the intended start (includes queueing); service "
                    "time from the actual send; schedule lag is how late the generator got to a "
                    "request; connection wait is how long a request then waited for a free "
                    "connection.",
                    {{"Measure"}}, {}, {}};
  constexpr std::array<std::pair<const char*, const char*>, 9> columns{{
      {"min", "min"}, {"mean", "mean"}, {"stddev", "stddev"}, {"p50", "p50"}, {"p90", "p90"},
      {"p95", "p95"}, {"p99", "p99"}, {"p99.9", "p999"}, {"max", "max"}}};
  for (const auto& column : columns) table.columns.push_back({column.first, true});
  for (const auto& [label, prefix] : std::array<std::pair<const char*, const char*>, 4>{
           {{"Response time", "latency_ms"}, {"Service time", "service_time_ms"},
            {"Schedule lag", "schedule_lag_ms"}, {"Connection wait", "connection_wait_ms"}}}) {
    std::vector<std::string> row{label};
    for (const auto& column : columns) {
      row.push_back(ms_or_missing(summary, std::string(prefix) + "." + column.second));
    }
    table.add_row(std::move(row));
  }
  return table;
}

ReportTable outcomes_table(const object& summary) {
  ReportTable table{"outcomes", "Outcomes",
                    "Share of all scheduled requests (sent + dropped).",
                    {{"Outcome"}, {"Count", true}, {"Share", true}, {"Meaning"}}, {}, {}};
  double scheduled = 0;
  for (const auto& entry : outcome_classes) {
    scheduled += number_at(summary, std::string("outcomes.") + entry.first).value_or(0.0);
  }
  for (const auto& [name, meaning] : outcome_classes) {
    const auto count = number_at(summary, std::string("outcomes.") + name);
    const auto share = count && scheduled > 0 ? std::optional(*count / scheduled) : std::nullopt;
    const bool bad = std::string_view(name) != "ok" && count && *count > 0;
    table.add_row({name, format_optional(count, &format_count),
                   format_optional(share, &format_percent), meaning},
                  bad ? RowMark::bad : RowMark::none);
  }
  return table;
}

std::optional<ReportTable> cache_table(const object& summary) {
  if (!has_cache(summary)) return std::nullopt;
  ReportTable table{"cache", "Cache",
                    fmt::format("Cache-hit rate {} (answers from L1, L2 or L3).",
                                format_optional(number_at(summary, "cache.hit_rate"),
                                                &format_percent)),
                    {{"Tier"}, {"Name"}, {"Served share", true}}, {}, {}};
  for (const auto& [tier, name] : cache_tiers) {
    table.add_row({tier, name, format_optional(number_at(summary,
                                   std::string("cache.served_by.") + tier), &format_percent)});
  }
  return table;
}

ReportTable requests_table(const object& summary) {
  const bool cache = has_cache(summary);
  ReportTable table{"requests", "Requests", "",
                    {{"Request"}, {"Requests", true}, {"Errors", true}, {"Error rate", true},
                     {"Throughput (rps)", true}, {"p50 (ms)", true}, {"p95 (ms)", true},
                     {"p99 (ms)", true}, {"max (ms)", true}}, {}, {}};
  if (cache) table.columns.push_back({"Hit rate", true});
  const auto* requests = array_at(summary, "requests");
  if (requests == nullptr) return table;
  for (const auto& item : *requests) {
    const auto* request = item.if_object();
    if (request == nullptr) continue;
    std::vector<std::string> row{
        string_at(*request, "name"),
        format_optional(number_at(*request, "requests"), &format_count),
        format_optional(number_at(*request, "errors"), &format_count),
        format_optional(number_at(*request, "error_rate"), &format_percent),
        format_optional(number_at(*request, "throughput_rps"), &format_rps),
        ms_or_missing(*request, "latency_ms.p50"), ms_or_missing(*request, "latency_ms.p95"),
        ms_or_missing(*request, "latency_ms.p99"), ms_or_missing(*request, "latency_ms.max")};
    if (cache) row.push_back(format_optional(number_at(*request, "cache.hit_rate"), &format_percent));
    const bool errors = number_at(*request, "errors").value_or(0.0) > 0;
    table.add_row(std::move(row), errors ? RowMark::bad : RowMark::none);
  }
  return table;
}

ReportTable timeline_table(const object& summary, int max_rows) {
  const bool cache = has_cache(summary);
  ReportTable table{"timeline", "Timeline", "",
                    {{"Window"}, {"Stage", true}, {"Requests", true}, {"Achieved (rps)", true},
                     {"Target (rps)", true}, {"Errors", true}, {"Dropped", true},
                     {"p50 (ms)", true}, {"p95 (ms)", true}, {"p99 (ms)", true},
                     {"max (ms)", true}}, {}, {}};
  if (cache) table.columns.push_back({"Hit rate", true});
  const auto* intervals = array_at(summary, "intervals");
  if (intervals == nullptr || intervals->empty()) {
    table.note = "No intervals were recorded.";
    return table;
  }
  const auto count = static_cast<int>(intervals->size());
  const int per_row = (count + std::max(1, max_rows) - 1) / std::max(1, max_rows);
  table.note = per_row == 1
      ? "One row per interval."
      : fmt::format("Each row covers {} intervals; latency columns show the highest interval "
                    "value in the window.", per_row);
  const auto spans = stages(summary);
  for (int first = 0; first < count; first += per_row) {
    const int last = std::min(count, first + per_row);
    double requests = 0, length = 0, target_weighted = 0, errors = 0, dropped = 0;
    double hits = 0, hit_requests = 0;
    std::array<std::optional<double>, 4> worst;  // p50, p95, p99, max
    double start = 0, end = 0;
    for (int i = first; i < last; ++i) {
      const auto* row = (*intervals)[static_cast<std::size_t>(i)].if_object();
      if (row == nullptr) continue;
      const double t = number_at(*row, "t_s").value_or(0.0);
      const double len = number_at(*row, "length_s").value_or(1.0);
      if (i == first) start = t;
      end = t + len;
      const double n = number_at(*row, "requests").value_or(0.0);
      requests += n;
      length += len;
      target_weighted += number_at(*row, "target_rps").value_or(0.0) * len;
      errors += number_at(*row, "errors").value_or(0.0);
      dropped += number_at(*row, "dropped").value_or(0.0);
      if (const auto hit = number_at(*row, "hit_rate")) {
        hits += *hit * n;
        hit_requests += n;
      }
      const std::array<const char*, 4> keys{"p50_ms", "p95_ms", "p99_ms", "max_ms"};
      for (std::size_t k = 0; k < keys.size(); ++k) {
        if (const auto v = number_at(*row, keys[k]); v && (!worst[k] || *v > *worst[k])) {
          worst[k] = v;
        }
      }
    }
    std::string stage_number = std::string(missing_value_text);
    for (const auto& span : spans) {
      if (start >= span.start_s) stage_number = fmt::format("{}", span.number);
    }
    std::vector<std::string> cells{
        fmt::format("{}–{}", format_clock(start), format_clock(end)), stage_number,
        format_count(requests),
        length > 0 ? format_rps(requests / length) : std::string(missing_value_text),
        length > 0 ? format_rps(target_weighted / length) : std::string(missing_value_text),
        format_count(errors), format_count(dropped)};
    for (const auto& value : worst) cells.push_back(format_optional(value, &format_ms));
    if (cache) {
      cells.push_back(hit_requests > 0 ? format_percent(hits / hit_requests)
                                       : std::string(missing_value_text));
    }
    table.add_row(std::move(cells), errors + dropped > 0 ? RowMark::bad : RowMark::none);
  }
  return table;
}

ReportTable spectrum_table(const object& summary) {
  ReportTable table{"spectrum", "Latency spectrum",
                    "Rows of the whole run's percentile spectrum nearest above 50, 75, 90, 95, "
                    "99, 99.9 and 99.99 %, labelled with their exact level.",
                    {{"Percentile"}, {"Response time (ms)", true}, {"Service time (ms)", true}},
                    {}, {}};
  // The first row at or above `fraction` (HdrHistogram: the value at that percentile level).
  const auto first_at_or_above = [](const std::vector<SpectrumRow>& rows,
                                    double fraction) -> std::optional<SpectrumRow> {
    for (const auto& row : rows) {
      if (row.fraction >= fraction - 1e-12) return row;
    }
    return std::nullopt;
  };
  const auto value_in = [&](const std::vector<SpectrumRow>& rows, double fraction) {
    const auto match = first_at_or_above(rows, fraction);
    return match ? std::optional(match->value_ms) : std::nullopt;
  };
  const auto response = spectrum_rows(summary, "response");
  const auto service = spectrum_rows(summary, "service");
  std::optional<double> previous_level;
  for (double wanted : {0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999, 1.0}) {
    const auto row = first_at_or_above(response.empty() ? service : response, wanted);
    if (!row || (previous_level && row->fraction <= *previous_level)) continue;
    previous_level = row->fraction;
    table.add_row({row->fraction >= 1.0 ? "max" : format_percentile(row->fraction),
                   format_optional(value_in(response, row->fraction), &format_ms),
                   format_optional(value_in(service, row->fraction), &format_ms)});
  }
  return table;
}

ReportTable generator_table(const object& summary) {
  const auto found = bottleneck(summary);
  std::string note;
  if (found.kind == "generator") {
    note = bottleneck_sentence(summary);
  } else {
    auto lag_p99 = number_at(summary, "generator.lag_p99_ms");
    if (!lag_p99) lag_p99 = number_at(summary, "schedule_lag_ms.p99");
    const auto cpu = format_optional(number_at(summary, "generator.cpu_util"), &format_percent);
    if (bool_at(summary, "analysis.bottleneck.evidence.late_generator").value_or(false)) {
      note = fmt::format("The load generator was a little late (schedule lag p99 {} ms, CPU {} of one core) "
                         "but did not limit the run: the {} added more delay.",
                         format_optional(lag_p99, &format_ms), cpu,
                         found.kind == "connections" ? "connections" : "target");
    } else {
      note = fmt::format("The load generator kept up with the schedule (schedule lag p99 {} ms, CPU {} of "
                         "one core).",
                         format_optional(lag_p99, &format_ms), cpu);
    }
  }
  ReportTable table{"generator", "Generator health", note, {{"Measure"}, {"Value", true}}, {}, {}};
  table.add_row({"Worker threads", format_optional(number_at(summary, "generator.threads"),
                                                   &format_count)});
  table.add_row({"CPU (% of one core)", format_optional(number_at(summary, "generator.cpu_util"),
                                                        &format_percent)});
  table.add_row({"Schedule lag p50 (ms)", ms_or_missing(summary, "schedule_lag_ms.p50")});
  table.add_row({"Schedule lag p99 (ms)", ms_or_missing(summary, "schedule_lag_ms.p99")});
  table.add_row({"Schedule lag max (ms)", ms_or_missing(summary, "schedule_lag_ms.max")});
  table.add_row({"Achieved / target rate", format_optional(achieved_fraction(summary),
                                                           &format_percent)});
  table.add_row({"Bottleneck", found.kind.empty() ? std::string(missing_value_text) : found.kind},
                found.kind == "generator" ? RowMark::bad : RowMark::none);
  return table;
}

std::optional<ReportTable> analysis_table(const object& summary) {
  const auto* analysis = object_at(summary, "analysis");
  if (analysis == nullptr || analysis->empty()) return std::nullopt;
  ReportTable table{"analysis", "Analysis", "", {{"Finding"}, {"Value", true}}, {}, {}};
  // The headline, the bottleneck and the stress steps have their own sections.
  object rest;
  for (const auto& [key, value] : *analysis) {
    if (key == "headline" || key == "bottleneck") continue;
    if (key == "steps" && stress_steps_table(summary)) continue;
    rest[key] = value;
  }
  flatten(rest, "", table);
  return table;
}

}  // namespace volley::reports
