#include "reports/compare.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "reports/number_format.hpp"
#include "reports/summary_access.hpp"
#include "reports/text_escape.hpp"

namespace volley::reports {
namespace {

using boost::json::object;

constexpr double error_rate_floor = 0.001;    // 0.1 percentage point
constexpr double hit_rate_drop_limit = 0.01;  // 1 percentage point

std::string run_label(const object& summary) {
    auto title = string_at(summary, "scenario.name");
    if (title.empty()) title = "(unnamed scenario)";
    const auto started = string_at(summary, "started_at");
    return started.empty() ? title : fmt::format("{} @ {}", title, started);
}

std::string format_value(MetricKind kind, double value) {
    switch (kind) {
        case MetricKind::latency_ms: return format_ms(value) + " ms";
        case MetricKind::throughput_rps: return format_rps(value) + " rps";
        case MetricKind::error_rate:
        case MetricKind::hit_rate: return format_percent(value);
    }
    return format_number(value);
}

std::string format_delta(MetricKind kind, double delta) {
    switch (kind) {
        case MetricKind::latency_ms: return format_signed(delta, &format_ms) + " ms";
        case MetricKind::throughput_rps: return format_signed(delta, &format_rps) + " rps";
        case MetricKind::error_rate:
        case MetricKind::hit_rate: return format_signed(delta, &format_percentage_points);
    }
    return format_signed(delta, &format_number);
}

// Decides `regressed` and writes the limit text; requires compared().
void judge(MetricComparison& metric, double m) {
    const double base = *metric.base;
    const double fresh = *metric.fresh;
    switch (metric.kind) {
        case MetricKind::latency_ms:
            metric.regressed = fresh > base * (1.0 + m);
            metric.limit = fmt::format("up > {}", format_percent(m));
            break;
        case MetricKind::throughput_rps:
            metric.regressed = fresh < base * (1.0 - m);
            metric.limit = fmt::format("down > {}", format_percent(m));
            break;
        case MetricKind::error_rate: {
            const double allowed = std::max(m * base, error_rate_floor);
            metric.regressed = fresh - base > allowed;
            metric.limit = fmt::format("up > {}", format_percentage_points(allowed));
            break;
        }
        case MetricKind::hit_rate:
            metric.regressed = base - fresh > hit_rate_drop_limit;
            metric.limit = fmt::format("down > {}", format_percentage_points(hit_rate_drop_limit));
            break;
    }
}

struct Row {
    std::string metric, base, fresh, delta, change, result;
};

std::vector<Row> rows_of(const CompareResult& result) {
    std::vector<Row> rows;
    for (const auto& metric : result.metrics) {
        Row row{
            metric.name,
            metric.base ? format_value(metric.kind, *metric.base) : std::string(missing_value_text),
            metric.fresh ? format_value(metric.kind, *metric.fresh)
                         : std::string(missing_value_text),
            std::string(missing_value_text),
            std::string(missing_value_text),
            "not compared"};
        if (metric.compared()) {
            row.delta = format_delta(metric.kind, *metric.delta());
            if (const auto change = metric.relative_change())
                row.change = format_signed(*change, &format_percent);
            row.result = metric.regressed ? fmt::format("REGRESSED ({})", metric.limit) : "ok";
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

std::string verdict_line(const CompareResult& result) {
    if (!result.regressed()) {
        return fmt::format("no regression (max regression {})",
                           format_percent(result.max_regression_fraction));
    }
    return fmt::format("REGRESSION in {} of {} metrics (max regression {})",
                       result.regression_count(), result.metrics.size(),
                       format_percent(result.max_regression_fraction));
}

}  // namespace

std::optional<double> MetricComparison::delta() const {
    if (!compared()) return std::nullopt;
    return *fresh - *base;
}

std::optional<double> MetricComparison::relative_change() const {
    if (!compared() || *base == 0.0) return std::nullopt;
    return (*fresh - *base) / *base;
}

bool CompareResult::regressed() const { return regression_count() > 0; }

std::size_t CompareResult::regression_count() const {
    return static_cast<std::size_t>(
        std::count_if(metrics.begin(), metrics.end(), [](const auto& m) { return m.regressed; }));
}

CompareResult compare_runs(const object& base, const object& fresh,
                           double max_regression_fraction) {
    CompareResult result;
    result.base_label = run_label(base);
    result.fresh_label = run_label(fresh);
    result.max_regression_fraction = std::max(0.0, max_regression_fraction);
    constexpr std::array<std::tuple<const char*, MetricKind, const char*>, 8> sources{{
        {"p50", MetricKind::latency_ms, "latency_ms.p50"},
        {"p95", MetricKind::latency_ms, "latency_ms.p95"},
        {"p99", MetricKind::latency_ms, "latency_ms.p99"},
        {"p99.9", MetricKind::latency_ms, "latency_ms.p999"},
        {"max", MetricKind::latency_ms, "latency_ms.max"},
        {"throughput", MetricKind::throughput_rps, "totals.throughput_rps"},
        {"error rate", MetricKind::error_rate, "totals.error_rate"},
        {"cache-hit rate", MetricKind::hit_rate, "cache.hit_rate"},
    }};
    for (const auto& [name, kind, path] : sources) {
        MetricComparison metric{name, kind, number_at(base, path), number_at(fresh, path)};
        if (metric.compared()) judge(metric, result.max_regression_fraction);
        result.metrics.push_back(std::move(metric));
    }
    return result;
}

std::string render_compare_console(const CompareResult& result) {
    std::vector<Row> rows{{"metric", "base", "new", "delta", "change", "result"}};
    for (auto& row : rows_of(result)) rows.push_back(std::move(row));
    std::array<std::size_t, 5> widths{};
    for (const auto& row : rows) {
        const std::array<const std::string*, 5> cells{&row.metric, &row.base, &row.fresh,
                                                      &row.delta, &row.change};
        for (std::size_t i = 0; i < cells.size(); ++i)
            widths[i] = std::max(widths[i], display_width(*cells[i]));
    }
    std::string text =
        fmt::format("base: {}\nnew:  {}\n\n", strip_control_characters(result.base_label),
                    strip_control_characters(result.fresh_label));
    for (const auto& row : rows) {
        text += fmt::format("{}  {}  {}  {}  {}  {}\n", pad_to_width(row.metric, widths[0], false),
                            pad_to_width(row.base, widths[1], true),
                            pad_to_width(row.fresh, widths[2], true),
                            pad_to_width(row.delta, widths[3], true),
                            pad_to_width(row.change, widths[4], true), row.result);
    }
    text += "\n" + verdict_line(result) + "\n";
    return text;
}

std::string render_compare_markdown(const CompareResult& result) {
    std::string md =
        fmt::format("## volley compare\n\nBase: {}  \nNew: {}\n\n",
                    escape_markdown(result.base_label), escape_markdown(result.fresh_label));
    md +=
        "| Metric | Base | New | Delta | Change | Result |\n| --- | ---: | ---: | ---: | ---: | "
        "--- |\n";
    for (const auto& row : rows_of(result)) {
        md += fmt::format("| {} | {} | {} | {} | {} | {} |\n", escape_markdown(row.metric),
                          escape_markdown(row.base), escape_markdown(row.fresh),
                          escape_markdown(row.delta), escape_markdown(row.change),
                          escape_markdown(row.result));
    }
    md += fmt::format("\n**{}**\n", escape_markdown(verdict_line(result)));
    return md;
}

}  // namespace volley::reports
