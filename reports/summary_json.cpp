#include "reports/summary_json.hpp"

#include "reports/observed_summary.hpp"
#include "reports/summary_protocol.hpp"

#include "reports/hgrm.hpp"
#include "reports/summary_journeys.hpp"
#include "reports/thresholds.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <thread>

namespace volley::reports {
namespace json = boost::json;
using engine::Outcome;

namespace {

double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }
double seconds(engine::Nanos n) { return std::chrono::duration<double>(n).count(); }

std::uint64_t outcome(const engine::RequestStats& stats, Outcome o) {
    return stats.outcomes[static_cast<std::size_t>(o)];
}

double ratio(double numerator, double denominator) {
    return denominator > 0 ? numerator / denominator : 0.0;
}

const char* kTierKeys[] = {"L1", "L2", "L3", "L4"};

// {hit_rate, served_by {L1..L4 shares}} over every completed request (engine/outcome.hpp
// cache_hits: a failed request is a miss, so the shares sum to 1 minus the failed share).
json::value cache_section(const engine::TierCounts& served_by, bool tiers) {
    if (!tiers) return nullptr;
    const auto total = static_cast<double>(engine::cache_denominator(served_by));
    json::object shares;
    for (std::size_t t = 1; t < engine::kTierSlots; ++t)
        shares[kTierKeys[t - 1]] = ratio(static_cast<double>(served_by[t]), total);
    const auto hits = static_cast<double>(engine::cache_hits(served_by));
    return json::object{{"hit_rate", ratio(hits, total)}, {"served_by", std::move(shares)}};
}

json::object outcomes_object(const engine::RequestStats& stats) {
    json::object out;
    for (std::size_t i = 0; i < engine::kOutcomeCount; ++i)
        out[engine::kOutcomeNames[i]] = stats.outcomes[i];
    return out;
}

json::array spectrum(const engine::HdrHistogram& histogram) {
    json::array rows;
    for (const auto& row : percentile_rows(histogram, 5))
        rows.push_back(json::array{ms(row.value), row.percentile_level, row.cumulative_count});
    return rows;
}

std::string iso8601(std::chrono::system_clock::time_point t) {
    const auto secs = std::chrono::floor<std::chrono::seconds>(t);
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(t - secs).count();
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z",
                       fmt::gmtime(std::chrono::system_clock::to_time_t(secs)), millis);
}

// summary.json `start` (docs/outputs.md): a run with a start time (--start-at).
json::object start_section(const engine::StartRecord& start) {
    const auto& sync = start.clock_sync;
    return json::object{
        {"at", iso8601(*start.start_at)},
        {"lag_ms", ms(start.lag.count())},
        {"max_start_lag_ms", ms(start.max_start_lag.count())},
        {"clock_sync", json::object{{"known", sync.known},
                                    {"synchronised", sync.synchronised},
                                    {"max_error_ms", sync.max_error_ms},
                                    {"estimated_error_ms", sync.estimated_error_ms}}}};
}

// summary.json `environment`: where the run ran, so a history can tell a slower machine from a
// slower server.
json::object environment() {
    std::array<char, 256> host{};
    if (::gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
    struct utsname system {};
    std::string os;
    if (::uname(&system) == 0)
        os = fmt::format("{} {} {}", system.sysname, system.release, system.machine);
    return json::object{{"host", std::string(host.data())},
                        {"cpus", std::thread::hardware_concurrency()},
                        {"os", os},
                        {"volley_version", VOLLEY_VERSION}};
}

// summary.json `errors`: answered requests by HTTP status, errors by outcome class, and the first
// distinct error messages the target gave.
json::object errors_section(const engine::IntervalStats& totals) {
    json::object by_status;
    for (std::size_t status = 100; status < engine::kStatusSlots; ++status) {
        if (totals.status_counts[status] > 0)
            by_status[std::to_string(status)] = totals.status_counts[status];
    }
    const auto all = totals.combined();
    json::object by_class;
    for (std::size_t i = 0; i < engine::kOutcomeCount; ++i) {
        const auto o = static_cast<Outcome>(i);
        if (o == Outcome::ok || !engine::is_answered(o) || all.outcomes[i] == 0) continue;
        by_class[engine::kOutcomeNames[i]] = all.outcomes[i];
    }
    json::array first;
    for (const auto& sample : totals.error_samples) {
        first.push_back(json::object{{"class", engine::outcome_name(sample.outcome)},
                                     {"detail", sample.detail},
                                     {"count", sample.count}});
    }
    return json::object{{"by_status", std::move(by_status)},
                        {"by_class", std::move(by_class)},
                        {"first", std::move(first)}};
}

}  // namespace

const char* stop_reason_name(engine::StopReason reason) {
    switch (reason) {
        case engine::StopReason::completed: return "completed";
        case engine::StopReason::interrupted: return "interrupted";
        case engine::StopReason::interrupted_immediately: return "interrupted_immediately";
        case engine::StopReason::aborted: return "aborted";
        case engine::StopReason::source_exhausted: return "source_exhausted";
    }
    return "completed";
}

std::vector<StageMark> stage_marks(const engine::OpenProfile& profile) {
    std::vector<StageMark> marks;
    double start = 0;
    for (const auto& stage : profile.stages) {
        const double end = start + seconds(stage.duration);
        marks.push_back({start, end, stage.target_rps});
        start = end;
    }
    return marks;
}

json::object latency_ms(const engine::HdrHistogram& h) {
    return json::object{{"min", ms(h.min())},
                        {"mean", h.mean() / 1e6},
                        {"stddev", h.stddev() / 1e6},
                        {"p50", ms(h.value_at_percentile(50))},
                        {"p90", ms(h.value_at_percentile(90))},
                        {"p95", ms(h.value_at_percentile(95))},
                        {"p99", ms(h.value_at_percentile(99))},
                        {"p999", ms(h.value_at_percentile(99.9))},
                        {"max", ms(h.max())}};
}

json::object make_summary(const engine::RunResult& result, const RunMetadata& metadata,
                          json::array thresholds, json::object analysis,
                          const ObservedRun* observed) {
    const auto all = result.totals.combined();
    const double duration_s = seconds(result.measured);
    const auto completed = all.completed();
    const auto errors = all.errors();

    json::object summary;
    summary["schema"] = kSummarySchema;
    summary["volley_version"] = VOLLEY_VERSION;
    summary["started_at"] = iso8601(result.started_at);
    summary["duration_s"] = duration_s;
    summary["drain_s"] = seconds(result.drain);
    if (result.start.start_at) summary["start"] = start_section(result.start);

    json::array stages;
    for (const auto& s : metadata.stages)
        stages.push_back(
            json::object{{"start_s", s.start_s}, {"end_s", s.end_s}, {"target_rps", s.target_rps}});
    summary["scenario"] = json::object{{"name", metadata.scenario_name},
                                       {"type", metadata.scenario_type},
                                       {"file", metadata.scenario_file},
                                       {"hash", metadata.scenario_hash},
                                       {"model", result.closed_model ? "closed" : "open"},
                                       {"stages", std::move(stages)}};
    json::object labels;
    for (const auto& [key, value] : metadata.labels) labels[key] = value;
    summary["labels"] = std::move(labels);
    summary["environment"] = environment();
    json::array notices;
    for (const auto& n : metadata.target_notices) notices.push_back(json::string(n));
    summary["target"] = json::object{{"kind", metadata.target_kind},
                                     {"url", metadata.target_url},
                                     {"notices", std::move(notices)}};
    if (metadata.protocol)
        summary["target"].as_object()["protocol"] = protocol_json(*metadata.protocol);

    summary["totals"] = json::object{
        {"requests", completed},
        {"ok", outcome(all, Outcome::ok)},
        {"errors", errors},
        {"dropped", outcome(all, Outcome::dropped)},
        {"unsent", outcome(all, Outcome::unsent)},
        {"error_rate", ratio(static_cast<double>(errors), static_cast<double>(completed))},
        {"throughput_rps", ratio(static_cast<double>(completed), duration_s)},
        {"target_rps", result.target_rps},
        {"expected_requests", result.expected_requests},
        {"sent", result.totals.sent},
        {"out_of_range", all.response_time.out_of_range_count()}};
    // With journeys the target is in arrivals, which are fewer than the requests (steps).
    if (!metadata.catalog.empty()) {
        summary["totals"].as_object()["arrivals_rps"] =
            ratio(static_cast<double>(result.totals.arrivals), duration_s);
    }
    summary["latency_ms"] = latency_ms(all.response_time);
    summary["service_time_ms"] = latency_ms(all.service_time);
    const auto& lag = result.totals.schedule_lag;
    summary["schedule_lag_ms"] = json::object{{"p50", ms(lag.value_at_percentile(50))},
                                              {"p99", ms(lag.value_at_percentile(99))},
                                              {"max", ms(lag.max())}};
    const auto& wait = result.totals.connection_wait;
    summary["connection_wait_ms"] = json::object{{"p50", ms(wait.value_at_percentile(50))},
                                                 {"p90", ms(wait.value_at_percentile(90))},
                                                 {"p99", ms(wait.value_at_percentile(99))},
                                                 {"max", ms(wait.max())}};
    if (metadata.protocol && metadata.protocol->http2)
        summary["stream_wait_ms"] = stream_wait_json(result.totals.stream_wait);
    summary["outcomes"] = outcomes_object(all);
    summary["errors"] = errors_section(result.totals);
    summary["cache"] = cache_section(all.served_by, metadata.reports_tiers);

    json::array requests;
    for (std::size_t i = 0; i < result.request_names.size(); ++i) {
        const auto& stats = result.totals.per_request[i];
        const auto done = stats.completed();
        requests.push_back(json::object{
            {"name", result.request_names[i]},
            {"requests", done},
            {"errors", stats.errors()},
            {"dropped", outcome(stats, Outcome::dropped)},
            {"unsent", outcome(stats, Outcome::unsent)},
            {"error_rate", ratio(static_cast<double>(stats.errors()), static_cast<double>(done))},
            {"throughput_rps", ratio(static_cast<double>(done), duration_s)},
            {"latency_ms", latency_ms(stats.response_time)},
            {"service_time_ms", latency_ms(stats.service_time)},
            {"outcomes", outcomes_object(stats)},
            {"cache", cache_section(stats.served_by, metadata.reports_tiers)}});
    }
    summary["requests"] = std::move(requests);
    add_journey_sections(summary, result, metadata.catalog);

    json::array intervals;
    for (const auto& row : result.intervals) {
        const auto cache = cache_section(row.served_by, metadata.reports_tiers);
        intervals.push_back(json::object{
            {"t_s", row.t_s},
            {"length_s", row.length_s},
            {"requests", row.requests},
            {"errors", row.errors},
            {"dropped", row.dropped},
            {"unsent", row.unsent},
            {"throughput_rps", ratio(static_cast<double>(row.requests), row.length_s)},
            {"target_rps", row.target_rps},
            {"p50_ms", ms(row.p50_ns)},
            {"p95_ms", ms(row.p95_ns)},
            {"p99_ms", ms(row.p99_ns)},
            {"max_ms", ms(row.max_ns)},
            {"lag_p99_ms", ms(row.lag_p99_ns)},
            {"cpu_util", ratio(row.cpu_seconds, row.length_s)},
            {"hit_rate", cache.is_null() ? json::value(nullptr) : cache.as_object().at("hit_rate")},
            {"served_by",
             cache.is_null() ? json::value(nullptr) : cache.as_object().at("served_by")}});
    }
    if (observed != nullptr) {
        add_observed_intervals(intervals, *observed);
        summary["observed"] = observed_section(*observed, result.intervals);
        evaluate_observed_thresholds(thresholds, *observed, result);
    }
    summary["intervals"] = std::move(intervals);

    evaluate_analysis_thresholds(thresholds, analysis);
    bool any_failed = false;
    for (const auto& t : thresholds) {
        if (const auto* obj = t.if_object();
            obj && obj->contains("pass") && !obj->at("pass").as_bool())
            any_failed = true;
    }
    summary["thresholds"] = std::move(thresholds);
    summary["analysis"] = std::move(analysis);

    json::array notes;
    if (lag.value_at_percentile(99) > 1'000'000)
        notes.push_back(json::string(
            fmt::format("schedule lag p99 is {:.2f} ms (> 1 ms): the generator sent late",
                        ms(lag.value_at_percentile(99)))));
    if (all.response_time.out_of_range_count() > 0)
        notes.push_back(json::string(fmt::format("{} latencies above 1 h were clamped",
                                                 all.response_time.out_of_range_count())));
    summary["generator"] = json::object{{"threads", result.threads},
                                        {"slots", result.slots},
                                        {"cpu_util", ratio(result.cpu_seconds, duration_s)},
                                        {"cpu_seconds", result.cpu_seconds},
                                        {"lag_p99_ms", ms(lag.value_at_percentile(99))},
                                        {"notes", std::move(notes)}};
    summary["latency_spectrum"] = json::object{{"response", spectrum(all.response_time)},
                                               {"service", spectrum(all.service_time)}};
    summary["stop"] = json::object{{"reason", stop_reason_name(result.stop_reason)},
                                   {"detail", result.stop_detail}};
    summary["verdict"] = any_failed ? "fail" : "pass";
    return summary;
}

namespace {

void pretty(std::string& out, const json::value& v, int indent) {
    const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
    const std::string inner(static_cast<std::size_t>(indent + 1) * 2, ' ');
    if (const auto* obj = v.if_object()) {
        if (obj->empty()) {
            out += "{}";
            return;
        }
        out += "{\n";
        bool first = true;
        for (const auto& kv : *obj) {
            if (!first) out += ",\n";
            first = false;
            out += inner + json::serialize(json::string(kv.key())) + ": ";
            pretty(out, kv.value(), indent + 1);
        }
        out += "\n" + pad + "}";
    } else if (const auto* arr = v.if_array()) {
        if (arr->empty()) {
            out += "[]";
            return;
        }
        // Arrays of scalars or small arrays (spectrum rows) stay on one line each.
        const bool flat = std::all_of(arr->begin(), arr->end(), [](const json::value& e) {
            return !e.is_object() && !e.is_array();
        });
        if (flat) {
            out += json::serialize(v);
            return;
        }
        out += "[\n";
        bool first = true;
        for (const auto& e : *arr) {
            if (!first) out += ",\n";
            first = false;
            out += inner;
            pretty(out, e, indent + 1);
        }
        out += "\n" + pad + "]";
    } else {
        out += json::serialize(v);
    }
}

}  // namespace

std::string to_pretty_json(const json::value& value) {
    std::string out;
    pretty(out, value, 0);
    out += "\n";
    return out;
}

}  // namespace volley::reports
