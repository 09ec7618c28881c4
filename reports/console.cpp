#include "reports/console.hpp"

#include "reports/number_format.hpp"
#include "reports/report_tables.hpp"
#include "reports/text_escape.hpp"

#include <boost/json/value.hpp>

#include <fmt/format.h>

namespace volley::reports {
namespace json = boost::json;

namespace {

double num(const json::value& v) {
    if (v.is_double()) return v.get_double();
    if (v.is_int64()) return static_cast<double>(v.get_int64());
    if (v.is_uint64()) return static_cast<double>(v.get_uint64());
    return 0;
}
double num(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v ? num(*v) : 0;
}
std::string str(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? strip_control_characters(std::string(v->get_string())) : std::string();
}
const json::object& obj(const json::object& o, std::string_view key) {
    static const json::object empty;
    const auto* v = o.if_contains(key);
    return v && v->is_object() ? v->get_object() : empty;
}

std::string latency_row(std::string_view label, const json::object& l) {
    return fmt::format("  {:<14}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}\n", label, format_ms(num(l, "min")),
                       format_ms(num(l, "p50")), format_ms(num(l, "p90")), format_ms(num(l, "p95")),
                       format_ms(num(l, "p99")), format_ms(num(l, "p999")), format_ms(num(l, "max")),
                       format_ms(num(l, "mean")));
}

}  // namespace

std::string render_console(const json::object& summary, bool full_spectrum) {
    std::string out;
    const auto& scenario = obj(summary, "scenario");
    const auto& target = obj(summary, "target");
    const auto& totals = obj(summary, "totals");
    const auto& generator = obj(summary, "generator");
    out += fmt::format("volley {} | {} ({}, {} model) -> {}\n", str(summary, "volley_version"),
                       str(scenario, "name"), str(scenario, "type"), str(scenario, "model"), str(target, "url"));
    if (const auto* notices = target.if_contains("notices"); notices && notices->is_array())
        for (const auto& n : notices->get_array())
            if (n.is_string()) out += fmt::format("  NOTE: {}\n", strip_control_characters(n.get_string()));
    out += fmt::format("  started {}, measured {} s, {} threads, {} {}\n", str(summary, "started_at"),
                       format_seconds(num(summary, "duration_s")), format_count(num(generator, "threads")),
                       format_count(num(generator, "slots")),
                       str(scenario, "model") == "closed" ? "virtual users" : "connections");
    const auto& stop = obj(summary, "stop");
    const auto* expected = stop.if_contains("expected");
    const bool planned = expected && expected->is_bool() && expected->get_bool() && str(stop, "reason") == "source_exhausted";
    if (str(stop, "reason") != "completed" && !str(stop, "reason").empty())
        out += fmt::format("  {}: {} {}\n", planned ? "ENDED AS PLANNED" : "STOPPED EARLY", str(stop, "reason"),
                           str(stop, "detail"));

    // The answer first: the verdict, the type's headline figures, what limited the run.
    out += fmt::format("\n  verdict: {}\n", str(summary, "verdict") == "pass" ? "PASS" : "FAIL");
    for (const auto& item : headline_items(summary)) {
        out += fmt::format("  {:<15} {} ({})\n", item.label, item.value, strip_control_characters(item.text));
        for (const auto& threshold : item.thresholds)
            out += fmt::format("  {:<15} threshold {}\n", "", strip_control_characters(threshold));
    }
    if (const auto found = bottleneck(summary); !found.kind.empty()) {
        out += fmt::format("  {:<15} {}: {}\n", "bottleneck", found.kind, strip_control_characters(found.text));
        if (!found.suggestion.empty())
            out += fmt::format("  {:<15} {}\n", "", strip_control_characters(found.suggestion));
    }

    const double target_rps = num(totals, "target_rps");
    out += fmt::format("\n  requests      {} completed, {} ok, {} errors ({}), {} dropped\n",
                       format_count(num(totals, "requests")), format_count(num(totals, "ok")),
                       format_count(num(totals, "errors")), format_percent(num(totals, "error_rate")),
                       format_count(num(totals, "dropped")));
    if (target_rps > 0) {
        out += fmt::format("  throughput    {}/s achieved, target {}/s ({} of target)\n",
                           format_rps(num(totals, "throughput_rps")), format_rps(target_rps),
                           format_percent(num(totals, "throughput_rps") / target_rps));
    } else {
        out += fmt::format("  throughput    {}/s\n", format_rps(num(totals, "throughput_rps")));
    }
    std::string outcome_line;
    for (const auto& kv : obj(summary, "outcomes")) {
        if (num(kv.value()) > 0)
            outcome_line += fmt::format(" {} {}", std::string_view(kv.key()), format_count(num(kv.value())));
    }
    out += fmt::format("  outcomes     {}\n", outcome_line.empty() ? " none" : outcome_line);
    if (const auto statuses = status_breakdown(summary); !statuses.empty())
        out += fmt::format("  statuses      {}\n", strip_control_characters(statuses));
    const auto messages = error_messages(summary);
    for (std::size_t i = 0; i < messages.size(); ++i)
        out += fmt::format("  {:<14}{}\n", i == 0 ? "errors" : "", strip_control_characters(messages[i]));

    out += fmt::format("\n  latency (ms) {:>9}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}\n", "min", "p50", "p90", "p95",
                       "p99", "p99.9", "max", "mean");
    out += latency_row("response time", obj(summary, "latency_ms"));
    out += latency_row("service time", obj(summary, "service_time_ms"));
    const auto& lag = obj(summary, "schedule_lag_ms");
    out += fmt::format("  schedule lag  p50 {} ms, p99 {} ms, max {} ms\n", format_ms(num(lag, "p50")),
                       format_ms(num(lag, "p99")), format_ms(num(lag, "max")));
    if (const auto* wait = summary.if_contains("connection_wait_ms"); wait && wait->is_object()) {
        const auto& w = wait->get_object();
        out += fmt::format("  connection wait p50 {} ms, p90 {} ms, p99 {} ms, max {} ms\n", format_ms(num(w, "p50")),
                           format_ms(num(w, "p90")), format_ms(num(w, "p99")), format_ms(num(w, "max")));
    }
    out += "  (response time counts from the intended start; service time from the actual send; schedule lag is\n"
           "   how late the generator got to a request, connection wait how long it then waited for a connection)\n";

    if (const auto* cache = summary.if_contains("cache"); cache && cache->is_object()) {
        const auto& shares = obj(cache->get_object(), "served_by");
        out += fmt::format("\n  cache         hit rate {} | served by L1 memory {}, L2 redis {}, L3 view {}, L4 live {}\n",
                           format_percent(num(cache->get_object(), "hit_rate")), format_percent(num(shares, "L1")),
                           format_percent(num(shares, "L2")), format_percent(num(shares, "L3")),
                           format_percent(num(shares, "L4")));
    }

    if (const auto* requests = summary.if_contains("requests"); requests && requests->is_array() &&
                                                                requests->get_array().size() > 1) {
        out += fmt::format("\n  {:<24}{:>10}{:>9}{:>10}{:>9}{:>9}{:>9}\n", "request", "count", "errors", "rps", "p50",
                           "p99", "max");
        for (const auto& r : requests->get_array()) {
            if (!r.is_object()) continue;
            const auto& req = r.get_object();
            const auto& l = obj(req, "latency_ms");
            out += fmt::format("  {:<24}{:>10}{:>9}{:>10}{:>9}{:>9}{:>9}\n", str(req, "name"),
                               format_count(num(req, "requests")), format_count(num(req, "errors")),
                               format_rps(num(req, "throughput_rps")), format_ms(num(l, "p50")),
                               format_ms(num(l, "p99")), format_ms(num(l, "max")));
        }
    }

    if (full_spectrum) {
        if (const auto* spectrum = obj(summary, "latency_spectrum").if_contains("response");
            spectrum && spectrum->is_array()) {
            out += fmt::format("\n  response-time spectrum\n  {:>12} {:>14} {:>10} {:>14}\n", "Value (ms)",
                               "Percentile", "TotalCount", "1/(1-Percentile)");
            for (const auto& row : spectrum->get_array()) {
                const auto& r = row.as_array();
                const double p = num(r.at(1)) / 100.0;
                out += fmt::format("  {:>12.3f} {:>14.12f} {:>10} {:>14}\n", num(r.at(0)), p,
                                   format_count(num(r.at(2))),
                                   p < 1.0 ? fmt::format("{:.2f}", 1.0 / (1.0 - p)) : std::string());
            }
        }
    }

    if (const auto* thresholds = summary.if_contains("thresholds"); thresholds && thresholds->is_array() &&
                                                                    !thresholds->get_array().empty()) {
        out += "\n  thresholds\n";
        for (const auto& t : thresholds->get_array()) {
            if (!t.is_object()) continue;
            const auto& th = t.get_object();
            const bool pass = th.contains("pass") && th.at("pass").is_bool() && th.at("pass").get_bool();
            std::string scope = str(th, "request");
            if (!scope.empty()) scope = " [" + scope + "]";
            out += fmt::format("    {} {:<40} actual {}\n", pass ? "PASS" : "FAIL", str(th, "expr") + scope,
                               threshold_actual(th));
        }
    }
    if (const auto* notes = generator.if_contains("notes"); notes && notes->is_array())
        for (const auto& n : notes->get_array())
            if (n.is_string()) out += fmt::format("\n  GENERATOR: {}", strip_control_characters(n.get_string()));
    out += fmt::format("\n  verdict: {}\n", str(summary, "verdict") == "pass" ? "PASS" : "FAIL");
    return out;
}

}  // namespace volley::reports
