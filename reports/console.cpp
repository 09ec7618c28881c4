#include "reports/console.hpp"
#include "reports/report_observed.hpp"
#include "reports/summary_protocol.hpp"

#include "reports/number_format.hpp"
#include "reports/report_journey_tables.hpp"
#include "reports/report_tables.hpp"
#include "reports/text_escape.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace volley::reports {

namespace {

std::string clean(const std::string& text) { return strip_control_characters(text); }
std::string count_text(std::uint64_t count) { return format_count(static_cast<double>(count)); }

std::string latency_row(std::string_view label, const LatencyMs& l) {
    return fmt::format("  {:<14}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}\n", label,
                       format_ms(l.min), format_ms(l.p50), format_ms(l.p90), format_ms(l.p95),
                       format_ms(l.p99), format_ms(l.p999), format_ms(l.max), format_ms(l.mean));
}

// Journeys with their duration percentiles and counts, each journey's steps under it, then the
// checks and the tags; "" for a run without journeys.
std::string journeys_text(const RunSummary& summary) {
    if (summary.journeys.empty()) return "";
    std::string out =
        fmt::format("\n  {:<24}{:>9}{:>10}{:>8}{:>8}{:>9}{:>9}{:>9}{:>9}\n", "journey", "started",
                    "completed", "failed", "dropped", "p50", "p95", "p99", "max");
    for (const auto& journey : summary.journeys) {
        const auto& d = journey.duration_ms;
        out +=
            fmt::format("  {:<24}{:>9}{:>10}{:>8}{:>8}{:>9}{:>9}{:>9}{:>9}\n", clean(journey.name),
                        count_text(journey.started), count_text(journey.completed),
                        count_text(journey.failed), count_text(journey.dropped), format_ms(d.p50),
                        format_ms(d.p95), format_ms(d.p99), format_ms(d.max));
        for (const auto& step : journey.steps) {
            const auto found = std::find_if(summary.requests.begin(), summary.requests.end(),
                                            [&](const auto& r) { return r.name == step; });
            if (found == summary.requests.end()) continue;
            const auto& l = found->latency_ms;
            const std::string extract =
                found->extract_errors > 0
                    ? fmt::format(", {} extract errors", count_text(found->extract_errors))
                    : "";
            out += fmt::format("    {:<22}{:>9} requests, {} errors{}; p50 {} p99 {} max {} ms\n",
                               clean(step_short_name(step, journey.name)),
                               count_text(found->requests), count_text(found->errors), extract,
                               format_ms(l.p50), format_ms(l.p99), format_ms(l.max));
        }
    }
    out += "  (journey duration in ms: first step's intended start to last step's completion)\n";
    if (!summary.checks.empty()) {
        out += "\n  checks\n";
        for (const auto& check : summary.checks) {
            out += fmt::format("    {:<34} {} passed, {} failed ({})\n",
                               clean(check.name) + " [" + clean(check.step) + "]",
                               count_text(check.passed), count_text(check.failed),
                               format_optional(check.rate, &format_percent));
        }
    }
    if (!summary.tags.empty()) {
        out += fmt::format("\n  {:<24}{:>10}{:>9}{:>9}{:>9}{:>9}\n", "tag", "count", "errors",
                           "p50", "p99", "max");
        for (const auto& tag : summary.tags) {
            const auto& l = tag.latency_ms;
            out += fmt::format("  {:<24}{:>10}{:>9}{:>9}{:>9}{:>9}\n",
                               clean(tag.key + "=" + tag.value), count_text(tag.requests),
                               count_text(tag.errors), format_ms(l.p50), format_ms(l.p99),
                               format_ms(l.max));
        }
    }
    return out;
}

// What the generator's slots are: virtual users, HTTP/2 streams, pipelined HTTP/1.1 requests
// in flight, or connections.
std::string_view slots_noun(const RunSummary& summary) {
    const auto& protocol = summary.target.protocol;
    if (summary.scenario.model == "closed") return "virtual users";
    if (protocol && protocol->http2) return "streams";
    if (protocol && protocol->pipeline > 1) return "pipelined requests in flight";
    return "connections";
}

}  // namespace

std::string render_console(const RunSummary& summary, bool full_spectrum) {
    std::string out;
    const auto& scenario = summary.scenario;
    const auto& totals = summary.totals;
    const auto& generator = summary.generator;
    out += fmt::format("volley {} | {} ({}, {} model) -> {}\n", clean(summary.volley_version),
                       clean(scenario.name), clean(scenario.type), clean(scenario.model),
                       clean(summary.target.url));
    for (const auto& notice : summary.target.notices)
        out += fmt::format("  NOTE: {}\n", clean(notice));
    out +=
        fmt::format("  started {}, measured {} s, {} threads, {} {}\n", clean(summary.started_at),
                    format_seconds(summary.duration_s), count_text(generator.threads),
                    count_text(generator.slots), slots_noun(summary));
    if (summary.start) out += fmt::format("  {}\n", clean(start_line(*summary.start)));
    const auto& stop = summary.stop;
    const bool planned = stop.expected.value_or(false) && stop.reason == "source_exhausted";
    if (stop.reason != "completed" && !stop.reason.empty())
        out += fmt::format("  {}: {} {}\n", planned ? "ENDED AS PLANNED" : "STOPPED EARLY",
                           clean(stop.reason), clean(stop.detail));

    // The answer first: the verdict, the type's headline figures, what limited the run.
    out += fmt::format("\n  verdict: {}\n", verdict_text(summary));
    for (const auto& item : headline_items(summary)) {
        out += fmt::format("  {:<15} {} ({})\n", item.label, item.value, clean(item.text));
        for (const auto& threshold : item.thresholds)
            out += fmt::format("  {:<15} threshold {}\n", "", clean(threshold));
    }
    if (const auto found = bottleneck(summary); !found.kind.empty()) {
        out += fmt::format("  {:<15} {}: {}\n", "bottleneck", found.kind, clean(found.text));
        if (!found.suggestion.empty())
            out += fmt::format("  {:<15} {}\n", "", clean(found.suggestion));
    }

    const double target_rps = totals.target_rps;
    out += fmt::format(
        "\n  requests      {} completed, {} ok, {} errors ({}), {} dropped, {} unsent\n",
        count_text(totals.requests), count_text(totals.ok), count_text(totals.errors),
        format_percent(totals.error_rate), count_text(totals.dropped), count_text(totals.unsent));
    if (target_rps > 0 && totals.arrivals_rps) {
        // The target is in arrivals: each starts a journey or sends one plain request.
        out += fmt::format(
            "  throughput    {}/s requests; arrivals answered (a journey counts once) {}/s, "
            "target {}/s ({} of target)\n",
            format_rps(totals.throughput_rps), format_rps(*totals.arrivals_rps),
            format_rps(target_rps), format_percent(*totals.arrivals_rps / target_rps));
    } else if (target_rps > 0) {
        out += fmt::format("  throughput    {}/s achieved, target {}/s ({} of target)\n",
                           format_rps(totals.throughput_rps), format_rps(target_rps),
                           format_percent(totals.throughput_rps / target_rps));
    } else {
        out += fmt::format("  throughput    {}/s\n", format_rps(totals.throughput_rps));
    }
    std::string outcome_line;
    for (const auto& outcome : summary.outcomes) {
        if (outcome.count > 0)
            outcome_line += fmt::format(" {} {}", outcome.name, count_text(outcome.count));
    }
    out += fmt::format("  outcomes     {}\n", outcome_line.empty() ? " none" : outcome_line);
    if (const auto statuses = status_breakdown(summary); !statuses.empty())
        out += fmt::format("  statuses      {}\n", clean(statuses));
    const auto messages = error_messages(summary);
    for (std::size_t i = 0; i < messages.size(); ++i)
        out += fmt::format("  {:<14}{}\n", i == 0 ? "errors" : "", clean(messages[i]));

    out += fmt::format("\n  latency (ms) {:>9}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}\n", "min", "p50",
                       "p90", "p95", "p99", "p99.9", "max", "mean");
    out += latency_row("response time", summary.latency_ms);
    out += latency_row("service time", summary.service_time_ms);
    const auto& lag = summary.schedule_lag_ms;
    out += fmt::format("  schedule lag  p50 {} ms, p99 {} ms, max {} ms\n", format_ms(lag.p50),
                       format_ms(lag.p99), format_ms(lag.max));
    if (const auto& w = summary.connection_wait_ms) {
        out +=
            fmt::format("  connection wait p50 {} ms, p90 {} ms, p99 {} ms, max {} ms\n",
                        format_ms(w->p50), format_ms(w->p90), format_ms(w->p99), format_ms(w->max));
    }
    if (const auto& w = summary.stream_wait_ms) {
        out +=
            fmt::format("  stream wait   p50 {} ms, p90 {} ms, p99 {} ms, max {} ms\n",
                        format_ms(w->p50), format_ms(w->p90), format_ms(w->p99), format_ms(w->max));
    }
    if (const auto& protocol = summary.target.protocol) out += protocol_console_lines(*protocol);
    out +=
        "  (response time counts from the intended start; service time from the actual send; "
        "schedule lag is\n"
        "   how late the generator got to a request, connection wait how long it then waited for a "
        "connection)\n";

    if (const auto& cache = summary.cache) {
        out += fmt::format(
            "\n  cache         hit rate {} | served by L1 memory {}, L2 redis {}, L3 view {}, L4 "
            "live {}\n",
            format_percent(cache->hit_rate), format_percent(cache->served_by[0]),
            format_percent(cache->served_by[1]), format_percent(cache->served_by[2]),
            format_percent(cache->served_by[3]));
    }

    if (const auto& observed = summary.observed) {
        // observe: a source per line with what it measured over the run, or why it could not.
        out += "\n  observed (docs/observe.md)\n";
        for (const auto& source : observed->sources) {
            std::string figures;
            for (const auto& series : observed->series) {
                if (series.source != source.name || !series.value) continue;
                figures += fmt::format("{}{} {}", figures.empty() ? "" : ", ", clean(series.name),
                                       format_observed(*series.value, series.unit));
            }
            out += fmt::format(
                "    {:<22} {}{}\n", clean(source.name), figures.empty() ? "no figures" : figures,
                source.failures > 0 ? fmt::format(" | {} of {} samples failed: {}", source.failures,
                                                  source.samples, clean(source.first_error))
                                    : std::string());
            for (const auto& note : source.notes) {
                out += fmt::format("    {:<22} note: {}\n", "", clean(note));
            }
        }
        for (const auto& statement : observed->statements) {
            if (statement.n_plus_one) {
                out +=
                    fmt::format("    N+1: {} ({})\n", clean(statement.text), clean(statement.why));
            }
        }
    }

    // With journeys, the steps are listed under their journey; the table keeps plain requests.
    std::vector<const RequestFigures*> listed;
    for (const auto& request : summary.requests) {
        if (!request.journey) listed.push_back(&request);
    }
    const bool journeys = !summary.journeys.empty();
    if (listed.size() > 1 || (journeys && !listed.empty())) {
        out += fmt::format("\n  {:<24}{:>10}{:>9}{:>10}{:>9}{:>9}{:>9}\n", "request", "count",
                           "errors", "rps", "p50", "p99", "max");
        for (const auto* entry : listed) {
            const auto& request = *entry;
            const auto& l = request.latency_ms;
            out += fmt::format("  {:<24}{:>10}{:>9}{:>10}{:>9}{:>9}{:>9}\n", clean(request.name),
                               count_text(request.requests), count_text(request.errors),
                               format_rps(request.throughput_rps), format_ms(l.p50),
                               format_ms(l.p99), format_ms(l.max));
        }
    }
    out += journeys_text(summary);

    if (full_spectrum) {
        out += fmt::format("\n  response-time spectrum\n  {:>12} {:>14} {:>10} {:>14}\n",
                           "Value (ms)", "Percentile", "TotalCount", "1/(1-Percentile)");
        for (const auto& row : summary.response_spectrum) {
            const double p = row.fraction;
            out += fmt::format("  {:>12.3f} {:>14.12f} {:>10} {:>14}\n", row.value_ms, p,
                               format_count(row.count),
                               p < 1.0 ? fmt::format("{:.2f}", 1.0 / (1.0 - p)) : std::string());
        }
    }

    if (!summary.thresholds.empty()) {
        out += "\n  thresholds\n";
        for (const auto& threshold : summary.thresholds) {
            std::string scope = clean(threshold.request.value_or(""));
            if (!scope.empty()) scope = " [" + scope + "]";
            out += fmt::format("    {} {:<40} actual {}\n", threshold.pass ? "PASS" : "FAIL",
                               clean(threshold.expr) + scope, threshold_actual(threshold));
        }
    }
    for (const auto& note : generator.notes) out += fmt::format("\n  GENERATOR: {}", clean(note));
    out += fmt::format("\n  verdict: {}\n", verdict_text(summary));
    return out;
}

}  // namespace volley::reports
