#include "reports/report_tables.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "reports/number_format.hpp"

namespace volley::reports {
namespace {

constexpr std::array<std::pair<const char*, const char*>, 12> outcome_classes{{
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
    {"unsent", "never sent: still queued for a connection when the run ended"},
}};

std::string ms_or_missing(std::optional<double> value) {
    return format_optional(value, &format_ms);
}

std::string with_unit(std::optional<double> value, std::string (*formatter)(double),
                      std::string_view unit) {
    if (!value) return std::string(missing_value_text);
    return fmt::format("{} {}", formatter(*value), unit);
}

bool has_cache(const RunSummary& summary) { return summary.cache.has_value(); }

// The ratio achieved / target throughput, when the target is positive.
std::optional<double> achieved_fraction(const RunSummary& summary) {
    if (summary.totals.target_rps <= 0) return std::nullopt;
    return summary.totals.throughput_rps / summary.totals.target_rps;
}

std::optional<double> counted(std::uint64_t count) { return static_cast<double>(count); }

}  // namespace

void ReportTable::add_row(std::vector<std::string> cells, RowMark mark) {
    cells.resize(columns.size());
    rows.push_back(std::move(cells));
    marks.push_back(mark);
}

std::string verdict_text(const RunSummary& summary) {
    return summary.verdict == Verdict::pass ? "PASS" : "FAIL";
}

std::string scenario_title(const RunSummary& summary) {
    const auto& name = summary.scenario.name;
    return name.empty() ? "(unnamed scenario)" : name;
}

std::vector<StageSpan> stages(const RunSummary& summary) {
    std::vector<StageSpan> out;
    for (const auto& stage : summary.scenario.stages) {
        StageSpan span;
        span.number = static_cast<int>(out.size()) + 1;
        span.start_s = stage.start_s;
        span.end_s = stage.end_s;
        span.target_rps = stage.target_rps;
        if (span.end_s <= span.start_s) continue;  // a jump (zero-length stage): nothing runs in it
        out.push_back(span);
    }
    return out;
}

std::string stop_text(const RunSummary& summary) {
    const auto& reason = summary.stop.reason;
    const auto& detail = summary.stop.detail;
    if (reason.empty()) return std::string(missing_value_text);
    return detail.empty() ? reason : fmt::format("{}: {}", reason, detail);
}

std::vector<std::string> notices(const RunSummary& summary) {
    std::vector<std::string> out;
    const auto& reason = summary.stop.reason;
    if (!reason.empty() && reason != "completed") {
        out.push_back(
            fmt::format("The run did not complete ({}); the figures cover only what was "
                        "collected before it stopped.",
                        stop_text(summary)));
    }
    for (const auto& notice : summary.target.notices) out.push_back(notice);
    return out;
}

std::vector<std::string> generator_notes(const RunSummary& summary) {
    return summary.generator.notes;
}

std::string threshold_label(const ThresholdResult& threshold) {
    const auto& expression = threshold.expr;
    const auto scope = threshold.request.value_or("");
    return scope.empty() ? expression : fmt::format("[{}] {}", scope, expression);
}

std::string threshold_limit(const std::string& expression) {
    for (std::string_view op : {"<=", ">=", "==", "!=", "<", ">"}) {
        if (const auto at = expression.find(op); at != std::string::npos)
            return expression.substr(at);
    }
    return expression;
}

std::string threshold_actual(const ThresholdResult& threshold) {
    const auto number = threshold.actual;
    if (!number) return std::string(missing_value_text);
    const auto& unit = threshold.unit;
    if (unit == "count") return format_count(*number);
    if (unit == "%") return format_number(*number) + "%";
    if (unit == "% target") return format_number(*number) + "% of target";
    return unit.empty() ? format_number(*number)
                        : fmt::format("{} {}", format_number(*number), unit);
}

std::vector<KeyFigure> key_figures(const RunSummary& summary) {
    const auto& totals = summary.totals;
    std::vector<KeyFigure> figures;
    figures.push_back(
        {"Requests", format_count(static_cast<double>(totals.requests)), "", RowMark::none});
    const auto target = std::optional(totals.target_rps);
    figures.push_back({"Throughput", with_unit(totals.throughput_rps, &format_rps, "rps"),
                       target ? fmt::format("target {} rps", format_rps(*target)) : "",
                       RowMark::none});
    const auto errors = counted(totals.errors);
    figures.push_back({"Error rate", format_percent(totals.error_rate),
                       errors ? fmt::format("{} errors", format_count(*errors)) : "",
                       errors && *errors > 0 ? RowMark::bad : RowMark::none});
    const auto dropped = counted(totals.dropped);
    figures.push_back({"Dropped", format_optional(dropped, &format_count),
                       "never sent: in-flight limit reached",
                       dropped && *dropped > 0 ? RowMark::bad : RowMark::none});
    const auto unsent = counted(totals.unsent);
    figures.push_back({"Unsent", format_optional(unsent, &format_count),
                       "never sent: still queued when the run ended",
                       unsent && *unsent > 0 ? RowMark::bad : RowMark::none});
    const auto& latency = summary.latency_ms;
    for (const auto& [label, value] :
         std::array<std::pair<const char*, double>, 4>{{{"p50", latency.p50},
                                                        {"p95", latency.p95},
                                                        {"p99", latency.p99},
                                                        {"max", latency.max}}}) {
        figures.push_back(
            {label, with_unit(value, &format_ms, "ms"), "response time", RowMark::none});
    }
    if (has_cache(summary)) {
        figures.push_back({"Cache-hit rate", format_percent(summary.cache->hit_rate),
                           "L1–L3 ÷ completed", RowMark::none});
    }
    return figures;
}

ReportTable run_table(const RunSummary& summary) {
    ReportTable table{"run", "Run", "", {{"Item"}, {"Value"}}, {}, {}};
    const auto text = [&](const std::string& value) {
        return value.empty() ? std::string(missing_value_text) : value;
    };
    table.add_row({"Scenario", scenario_title(summary)});
    table.add_row({"Type", text(summary.scenario.type)});
    table.add_row({"Model", text(summary.scenario.model)});
    table.add_row({"Scenario file", text(summary.scenario.file)});
    table.add_row(
        {"Target", fmt::format("{} ({})", text(summary.target.url), text(summary.target.kind))});
    table.add_row({"Started (UTC)", text(summary.started_at)});
    table.add_row({"Duration", with_unit(summary.duration_s, &format_seconds, "s")});
    const auto& reason = summary.stop.reason;
    table.add_row({"Stopped", stop_text(summary)},
                  reason.empty() || reason == "completed" ? RowMark::none : RowMark::bad);
    table.add_row({"Stages", fmt::format("{}", stages(summary).size())});
    table.add_row({"Verdict", verdict_text(summary)},
                  verdict_text(summary) == "PASS" ? RowMark::good : RowMark::bad);
    table.add_row({"volley version", text(summary.volley_version)});
    table.add_row({"Schema", text(summary.schema)});
    return table;
}

ReportTable thresholds_table(const RunSummary& summary) {
    ReportTable table{"thresholds", "Thresholds",
                      "",           {{"Threshold"}, {"Actual", true}, {"Result"}, {"Detail"}},
                      {},           {}};
    if (summary.thresholds.empty()) {
        table.note = "No thresholds were set; the verdict rests on the run alone.";
        return table;
    }
    for (const auto& threshold : summary.thresholds) {
        const bool pass = threshold.pass;
        table.add_row({threshold_label(threshold), threshold_actual(threshold),
                       pass ? "pass" : "FAIL", threshold.detail},
                      pass ? RowMark::good : RowMark::bad);
    }
    return table;
}

ReportTable latency_table(const RunSummary& summary) {
    ReportTable table{"latency",
                      "Latency (ms)",
                      "Response time counts from the intended start (includes queueing); service "
                      "time from the actual send; schedule lag is how late the generator got to a "
                      "request; connection wait is how long a request then waited for a free "
                      "connection.",
                      {{"Measure"}},
                      {},
                      {}};
    // Columns min, mean, stddev, p50, p90, p95, p99, p99.9, max; a measure without one shows
    // missing_value_text there.
    using Row = std::array<std::optional<double>, 9>;
    constexpr std::optional<double> none;
    for (const auto* heading :
         {"min", "mean", "stddev", "p50", "p90", "p95", "p99", "p99.9", "max"})
        table.columns.push_back({heading, true});
    const auto histogram = [](const LatencyMs& l) {
        return Row{l.min, l.mean, l.stddev, l.p50, l.p90, l.p95, l.p99, l.p999, l.max};
    };
    const auto& lag = summary.schedule_lag_ms;
    const auto waits = [&](const std::optional<ConnectionWaitMs>& w) {
        return w ? Row{none, none, none, w->p50, w->p90, none, w->p99, none, w->max} : Row{};
    };
    std::vector<std::pair<const char*, Row>> rows{
        {"Response time", histogram(summary.latency_ms)},
        {"Service time", histogram(summary.service_time_ms)},
        {"Schedule lag", Row{none, none, none, lag.p50, none, none, lag.p99, none, lag.max}},
        {"Connection wait", waits(summary.connection_wait_ms)}};
    // HTTP/2: the wait inside the target for a free stream (service time starts after it).
    if (summary.stream_wait_ms) rows.emplace_back("Stream wait", waits(summary.stream_wait_ms));
    for (const auto& [label, values] : rows) {
        std::vector<std::string> row{label};
        for (const auto& value : values) row.push_back(ms_or_missing(value));
        table.add_row(std::move(row));
    }
    return table;
}

ReportTable outcomes_table(const RunSummary& summary) {
    ReportTable table{"outcomes",
                      "Outcomes",
                      "Share of all scheduled requests (sent + dropped).",
                      {{"Outcome"}, {"Count", true}, {"Share", true}, {"Meaning"}},
                      {},
                      {}};
    const auto count_of = [&](std::string_view name) -> std::optional<double> {
        for (const auto& outcome : summary.outcomes) {
            if (outcome.name == name) return static_cast<double>(outcome.count);
        }
        return std::nullopt;
    };
    double scheduled = 0;
    for (const auto& entry : outcome_classes) scheduled += count_of(entry.first).value_or(0.0);
    for (const auto& [name, meaning] : outcome_classes) {
        const auto count = count_of(name);
        const auto share =
            count && scheduled > 0 ? std::optional(*count / scheduled) : std::nullopt;
        const bool bad = std::string_view(name) != "ok" && count && *count > 0;
        table.add_row({name, format_optional(count, &format_count),
                       format_optional(share, &format_percent), meaning},
                      bad ? RowMark::bad : RowMark::none);
    }
    return table;
}

std::optional<ReportTable> protocol_table(const RunSummary& summary) {
    const auto& p = summary.target.protocol;
    if (!p || !p->http2) return std::nullopt;
    ReportTable table{"protocol",
                      "HTTP/2",
                      fmt::format("Negotiated {}. A request waits inside the target for a free "
                                  "stream (stream wait) when the server's limit or max_streams is "
                                  "reached; refused streams are sent again once (retried).",
                                  p->negotiated),
                      {{"Measure"}, {"Value", true}},
                      {},
                      {}};
    const auto count = [](std::uint64_t n) { return format_count(static_cast<double>(n)); };
    if (p->peer_settings) {
        table.add_row({"Server max_concurrent_streams", p->peer_max_concurrent_streams
                                                            ? count(*p->peer_max_concurrent_streams)
                                                            : std::string("no limit")});
        table.add_row({"Server initial_window_size (bytes)", count(p->peer_initial_window_size)});
        table.add_row({"Server max_frame_size (bytes)", count(p->peer_max_frame_size)});
    } else {
        table.add_row({"Server SETTINGS", "none received"}, RowMark::bad);
    }
    table.add_row({"max_streams per connection (configured)", count(p->max_streams)});
    table.add_row({"Window (bytes, configured)", count(p->window_bytes)});
    table.add_row({"Connections opened", count(p->connections)});
    table.add_row({"Streams opened", count(p->streams)});
    table.add_row({"Streams per connection, peak", format_number(p->streams_peak)});
    table.add_row({"Streams per connection, mean", format_number(p->streams_mean)});
    table.add_row({"GOAWAY received", count(p->goaway_received)},
                  p->goaway_received > 0 ? RowMark::bad : RowMark::none);
    table.add_row({"RST_STREAM received", count(p->rst_stream_received)},
                  p->rst_stream_received > 0 ? RowMark::bad : RowMark::none);
    table.add_row({"Requests retried (refused streams)", count(p->retried)});
    if (p->ping) {
        table.add_row({"PING after idle / timeout (ms, configured)",
                       fmt::format("{} / {}", p->ping_interval_ms, p->ping_timeout_ms)});
        table.add_row({"PINGs sent", count(p->pings_sent)});
        table.add_row({"PING ACKs received", count(p->ping_acks)});
        table.add_row({"PING round trip, mean (ms)", format_number(p->ping_rtt_mean_ms)});
        table.add_row({"PING round trip, max (ms)", format_number(p->ping_rtt_max_ms)});
        table.add_row({"Connections failed the health check", count(p->connections_failed_health)},
                      p->connections_failed_health > 0 ? RowMark::bad : RowMark::none);
    }
    return table;
}

std::optional<ReportTable> cache_table(const RunSummary& summary) {
    if (!has_cache(summary)) return std::nullopt;
    ReportTable table{
        "cache",
        "Cache",
        fmt::format("Cache-hit rate {}: answers from L1, L2 or L3 ÷ completed requests "
                    "(a failed request is a miss; tier shares are of completed "
                    "requests too).",
                    format_percent(summary.cache->hit_rate)),
        {{"Tier"}, {"Name"}, {"Served share", true}},
        {},
        {}};
    for (std::size_t i = 0; i < cache_tiers.size(); ++i) {
        table.add_row({cache_tiers[i].tier, cache_tiers[i].name,
                       format_percent(summary.cache->served_by[i])});
    }
    return table;
}

ReportTable requests_table(const RunSummary& summary) {
    const bool cache = has_cache(summary);
    ReportTable table{"requests",
                      "Requests",
                      "",
                      {{"Request"},
                       {"Requests", true},
                       {"Errors", true},
                       {"Error rate", true},
                       {"Throughput (rps)", true},
                       {"p50 (ms)", true},
                       {"p95 (ms)", true},
                       {"p99 (ms)", true},
                       {"max (ms)", true}},
                      {},
                      {}};
    if (cache) table.columns.push_back({"Hit rate", true});
    for (const auto& request : summary.requests) {
        std::vector<std::string> row{request.name,
                                     format_count(static_cast<double>(request.requests)),
                                     format_count(static_cast<double>(request.errors)),
                                     format_percent(request.error_rate),
                                     format_rps(request.throughput_rps),
                                     format_ms(request.latency_ms.p50),
                                     format_ms(request.latency_ms.p95),
                                     format_ms(request.latency_ms.p99),
                                     format_ms(request.latency_ms.max)};
        if (cache) {
            row.push_back(format_optional(
                request.cache ? std::optional(request.cache->hit_rate) : std::nullopt,
                &format_percent));
        }
        const bool errors = request.errors > 0;
        table.add_row(std::move(row), errors ? RowMark::bad : RowMark::none);
    }
    return table;
}

ReportTable timeline_table(const RunSummary& summary, int max_rows) {
    const bool cache = has_cache(summary);
    ReportTable table{"timeline",
                      "Timeline",
                      "",
                      {{"Window"},
                       {"Stage", true},
                       {"Requests", true},
                       {"Achieved (rps)", true},
                       {"Target (rps)", true},
                       {"Errors", true},
                       {"Dropped", true},
                       {"Unsent", true},
                       {"p50 (ms)", true},
                       {"p95 (ms)", true},
                       {"p99 (ms)", true},
                       {"max (ms)", true}},
                      {},
                      {}};
    if (cache) table.columns.push_back({"Hit rate", true});
    const auto& intervals = summary.intervals;
    if (intervals.empty()) {
        table.note = "No intervals were recorded.";
        return table;
    }
    const auto count = static_cast<int>(intervals.size());
    const int per_row = (count + std::max(1, max_rows) - 1) / std::max(1, max_rows);
    table.note =
        per_row == 1
            ? "One row per interval."
            : fmt::format(
                  "Each row covers {} intervals; latency columns show the highest interval "
                  "value in the window.",
                  per_row);
    const auto spans = stages(summary);
    for (int first = 0; first < count; first += per_row) {
        const int last = std::min(count, first + per_row);
        double requests = 0, length = 0, target_weighted = 0, errors = 0, dropped = 0, unsent = 0;
        double hits = 0, hit_requests = 0;
        std::array<std::optional<double>, 4> worst;  // p50, p95, p99, max
        double start = 0, end = 0;
        for (int i = first; i < last; ++i) {
            const auto& row = intervals[static_cast<std::size_t>(i)];
            const double t = row.t_s;
            const double len = row.length_s;
            if (i == first) start = t;
            end = t + len;
            const double n = static_cast<double>(row.requests);
            requests += n;
            length += len;
            target_weighted += row.target_rps * len;
            errors += static_cast<double>(row.errors);
            dropped += static_cast<double>(row.dropped);
            unsent += static_cast<double>(row.unsent);
            if (row.cache) {
                hits += row.cache->hit_rate * n;
                hit_requests += n;
            }
            const std::array<double, 4> values{row.p50_ms, row.p95_ms, row.p99_ms, row.max_ms};
            for (std::size_t k = 0; k < values.size(); ++k) {
                if (!worst[k] || values[k] > *worst[k]) worst[k] = values[k];
            }
        }
        std::string stage_number = std::string(missing_value_text);
        for (const auto& span : spans) {
            if (start >= span.start_s) stage_number = fmt::format("{}", span.number);
        }
        std::vector<std::string> cells{
            fmt::format("{}–{}", format_clock(start), format_clock(end)),
            stage_number,
            format_count(requests),
            length > 0 ? format_rps(requests / length) : std::string(missing_value_text),
            length > 0 ? format_rps(target_weighted / length) : std::string(missing_value_text),
            format_count(errors),
            format_count(dropped),
            format_count(unsent)};
        for (const auto& value : worst) cells.push_back(format_optional(value, &format_ms));
        if (cache) {
            cells.push_back(hit_requests > 0 ? format_percent(hits / hit_requests)
                                             : std::string(missing_value_text));
        }
        table.add_row(std::move(cells),
                      errors + dropped + unsent > 0 ? RowMark::bad : RowMark::none);
    }
    return table;
}

ReportTable spectrum_table(const RunSummary& summary) {
    ReportTable table{"spectrum",
                      "Latency spectrum",
                      "Rows of the whole run's percentile spectrum nearest above 50, 75, 90, 95, "
                      "99, 99.9 and 99.99 %, labelled with their exact level.",
                      {{"Percentile"}, {"Response time (ms)", true}, {"Service time (ms)", true}},
                      {},
                      {}};
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
    const auto& response = summary.response_spectrum;
    const auto& service = summary.service_spectrum;
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

ReportTable generator_table(const RunSummary& summary) {
    const auto found = bottleneck(summary);
    std::string note;
    if (found.kind == "generator") {
        note = bottleneck_sentence(summary);
    } else {
        const auto lag_p99 = std::optional(summary.generator.lag_p99_ms);
        const auto cpu = format_percent(summary.generator.cpu_util);
        if (summary.analysis.bottleneck && summary.analysis.bottleneck->late_generator) {
            note = fmt::format(
                "The load generator was a little late (schedule lag p99 {} ms, CPU {} of one core) "
                "but did not limit the run: the {} added more delay.",
                format_optional(lag_p99, &format_ms), cpu,
                found.kind == "connections" ? "connections" : "target");
        } else {
            note = fmt::format(
                "The load generator kept up with the schedule (schedule lag p99 {} ms, CPU {} of "
                "one core).",
                format_optional(lag_p99, &format_ms), cpu);
        }
    }
    ReportTable table{"generator", "Generator health", note, {{"Measure"}, {"Value", true}}, {},
                      {}};
    table.add_row({"Worker threads", format_count(static_cast<double>(summary.generator.threads))});
    table.add_row({"CPU (% of one core)", format_percent(summary.generator.cpu_util)});
    table.add_row({"Schedule lag p50 (ms)", format_ms(summary.schedule_lag_ms.p50)});
    table.add_row({"Schedule lag p99 (ms)", format_ms(summary.schedule_lag_ms.p99)});
    table.add_row({"Schedule lag max (ms)", format_ms(summary.schedule_lag_ms.max)});
    table.add_row(
        {"Achieved / target rate", format_optional(achieved_fraction(summary), &format_percent)});
    table.add_row({"Bottleneck", found.kind.empty() ? std::string(missing_value_text) : found.kind},
                  found.kind == "generator" ? RowMark::bad : RowMark::none);
    return table;
}

std::optional<ReportTable> analysis_table(const RunSummary& summary) {
    if (!summary.analysis.present) return std::nullopt;
    ReportTable table{"analysis", "Analysis", "", {{"Finding"}, {"Value", true}}, {}, {}};
    // The headline, the bottleneck and the stress steps have their own sections (run_summary.cpp
    // leaves them out of other_findings).
    for (const auto& [path, value] : summary.analysis.other_findings) table.add_row({path, value});
    return table;
}

}  // namespace volley::reports
