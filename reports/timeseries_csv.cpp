#include "reports/timeseries_csv.hpp"

#include <optional>

#include <boost/json.hpp>

#include "reports/number_format.hpp"
#include "reports/summary_access.hpp"

namespace volley::reports {
namespace {

using boost::json::object;

struct Column {
  std::string_view name;
  std::string_view source;               // key in the interval row ("" = computed)
  std::string (*formatter)(double);
};

const std::vector<Column>& columns() {
  static const std::vector<Column> all{
      {"t_s", "t_s", &format_seconds},
      {"length_s", "length_s", &format_seconds},
      {"requests", "requests", &format_count},
      {"errors", "errors", &format_count},
      {"dropped", "dropped", &format_count},
      {"throughput_rps", "throughput_rps", &format_rps},
      {"target_rps", "target_rps", &format_rps},
      {"error_rate", "", &format_fraction},
      {"p50_ms", "p50_ms", &format_ms},
      {"p95_ms", "p95_ms", &format_ms},
      {"p99_ms", "p99_ms", &format_ms},
      {"max_ms", "max_ms", &format_ms},
      {"hit_rate", "hit_rate", &format_fraction},
      {"served_L1", "served_by.L1", &format_fraction},
      {"served_L2", "served_by.L2", &format_fraction},
      {"served_L3", "served_by.L3", &format_fraction},
      {"served_L4", "served_by.L4", &format_fraction},
      {"cpu_util", "cpu_util", &format_fraction},
      {"lag_p99_ms", "lag_p99_ms", &format_ms},
  };
  return all;
}

std::optional<double> error_rate(const object& row) {
  const auto requests = number_at(row, "requests");
  const auto errors = number_at(row, "errors");
  if (!requests || !errors || *requests <= 0) return std::nullopt;
  return *errors / *requests;
}

}  // namespace

const std::vector<std::string_view>& timeseries_columns() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const auto& column : columns()) out.push_back(column.name);
    return out;
  }();
  return names;
}

std::string render_timeseries_csv(const object& summary) {
  std::string csv;
  for (const auto& column : columns()) {
    if (&column != &columns().front()) csv += ',';
    csv += column.name;
  }
  csv += '\n';
  const auto* intervals = array_at(summary, "intervals");
  if (intervals == nullptr) return csv;
  for (const auto& item : *intervals) {
    const auto* row = item.if_object();
    if (row == nullptr) continue;
    bool first = true;
    for (const auto& column : columns()) {
      if (!first) csv += ',';
      first = false;
      const auto value = column.source.empty() ? error_rate(*row) : number_at(*row, column.source);
      csv += format_optional(value, column.formatter, "");
    }
    csv += '\n';
  }
  return csv;
}

}  // namespace volley::reports
