#include "reports/run_summary.hpp"

#include "reports/number_format.hpp"
#include "reports/observed_summary.hpp"
#include "reports/run_outputs.hpp"
#include "reports/summary_fields.hpp"
#include "reports/summary_json.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cmath>

namespace volley::reports {
namespace json = boost::json;

using detail::Fields;

namespace {

LatencyMs latency_of(const Fields& f) {
    return {f.number("min"), f.number("mean"), f.number("stddev"), f.number("p50"), f.number("p90"),
            f.number("p95"), f.number("p99"),  f.number("p999"),   f.number("max")};
}

std::vector<TagPair> tags_of(const Fields& f, std::string_view key) {
    std::vector<TagPair> tags;
    const auto object = f.object(key);
    for (const auto& [name, value] : object.raw()) {
        if (!value.is_string()) object.wrong(name, "a string");
        tags.emplace_back(std::string(name), std::string(value.get_string()));
    }
    return tags;
}

// journeys, tags, checks: present only for a run of journeys.
void read_journey_sections(const Fields& summary, RunSummary& out) {
    if (summary.has("journeys")) {
        out.journeys = summary.objects("journeys", [](const Fields& f) {
            JourneyFigures row;
            row.name = f.text("name");
            row.tags = tags_of(f, "tags");
            row.steps = f.texts("steps");
            row.started = f.count("started");
            row.completed = f.count("completed");
            row.failed = f.count("failed");
            row.dropped = f.count("dropped");
            row.interrupted = f.count("interrupted");
            row.duration_ms = latency_of(f.object("duration_ms"));
            return row;
        });
    }
    if (summary.has("tags")) {
        out.tags = summary.objects("tags", [](const Fields& f) {
            return TagFigures{f.text("key"),          f.text("value"),
                              f.count("requests"),    f.count("errors"),
                              f.number("error_rate"), latency_of(f.object("latency_ms"))};
        });
    }
    if (summary.has("checks")) {
        out.checks = summary.objects("checks", [](const Fields& f) {
            return CheckFigures{f.text("name"), f.text("step"), f.count("passed"),
                                f.count("failed"), f.number_or_null("rate")};
        });
    }
}

CacheShares cache_of(const Fields& f) {
    const auto shares = f.object("served_by");
    return {f.number("hit_rate"),
            {shares.number("L1"), shares.number("L2"), shares.number("L3"), shares.number("L4")}};
}

std::optional<CacheShares> optional_cache(const Fields& f, std::string_view key) {
    const auto cache = f.object_or_null(key);
    return cache ? std::optional(cache_of(*cache)) : std::nullopt;
}

std::vector<SpectrumRow> spectrum_of(const Fields& spectrum, std::string_view which) {
    std::vector<SpectrumRow> rows;
    const auto& items = spectrum.array(which);
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto path = fmt::format("{}[{}]", spectrum.path_of(which), i);
        const auto* row = items[i].if_array();
        if (row == nullptr || row->size() != 3 ||
            !std::all_of(row->begin(), row->end(),
                         [](const json::value& v) { return v.is_number(); }))
            spectrum.fail(path, "expected [value_ms, percentile, count]");
        const double percentile = (*row)[1].to_number<double>();
        if (percentile < 0 || percentile > 100) spectrum.fail(path, "percentile outside 0..100");
        rows.push_back(
            {(*row)[0].to_number<double>(), percentile / 100.0, (*row)[2].to_number<double>()});
    }
    return rows;
}

void flatten_value(const json::value& value, const std::string& path,
                   std::vector<std::pair<std::string, std::string>>& rows);

// Every leaf as "path.to.key" → value; arrays of scalars joined with ", ", arrays of objects
// as path[i].key, an empty array as "none".
void flatten(const json::object& object, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>& rows) {
    for (const auto& [key, value] : object)
        flatten_value(value, prefix.empty() ? std::string(key) : prefix + "." + std::string(key),
                      rows);
}

void flatten_value(const json::value& value, const std::string& path,
                   std::vector<std::pair<std::string, std::string>>& rows) {
    if (const auto* nested = value.if_object(); nested != nullptr && !nested->empty()) {
        flatten(*nested, path, rows);
    } else if (const auto* array = value.if_array(); array != nullptr && !array->empty()) {
        const bool scalars = std::all_of(array->begin(), array->end(), [](const auto& v) {
            return !v.is_object() && !v.is_array();
        });
        if (scalars) {
            std::string joined;
            for (const auto& v : *array)
                joined += (joined.empty() ? "" : ", ") + format_json_scalar(v);
            rows.emplace_back(path, joined);
            return;
        }
        for (std::size_t i = 0; i < array->size(); ++i)
            flatten_value((*array)[i], fmt::format("{}[{}]", path, i), rows);
    } else if (value.is_array()) {
        rows.emplace_back(path, "none");
    } else {
        rows.emplace_back(path, format_json_scalar(value));
    }
}

AnalysisFindings analysis_of(const Fields& summary) {
    AnalysisFindings out;
    if (!summary.has("analysis")) return out;
    const auto analysis = summary.object("analysis");
    out.present = !analysis.raw().empty();
    if (!out.present) return out;
    out.type = analysis.has("type") ? analysis.text("type") : std::string();
    if (analysis.has("headline")) {
        out.headline = analysis.objects("headline", [](const Fields& f) {
            return HeadlineFinding{f.text("key"), f.text("label"), f.number_or_null("value"),
                                   f.text("unit"), f.text("text")};
        });
    }
    if (analysis.has("bottleneck")) {
        const auto b = analysis.object("bottleneck");
        bool late = false;
        if (b.has("evidence"))
            late = b.object("evidence").optional_flag("late_generator").value_or(false);
        out.bottleneck =
            BottleneckFinding{b.text("kind"), b.text("text"), b.text("suggestion"), late};
    }
    if (out.type == "stress" && analysis.has("steps")) {
        out.stress_steps = analysis.objects("steps", [](const Fields& f) {
            return StressStep{f.count("step"),
                              f.number("start_s"),
                              f.number("end_s"),
                              f.number("target_rps"),
                              f.number("achieved_rps"),
                              f.number_or_null("p99_ms"),
                              f.number_or_null("service_p99_ms"),
                              f.number_or_null("error_rate"),
                              f.flag("pass"),
                              f.flag("complete"),
                              f.texts("failed")};
        });
    }
    // The headline, the bottleneck and the stress steps have their own sections.
    json::object rest;
    for (const auto& [key, value] : analysis.raw()) {
        if (key == "headline" || key == "bottleneck") continue;
        if (key == "steps" && out.stress_steps) continue;
        rest[key] = value;
    }
    flatten(rest, "", out.other_findings);
    return out;
}

}  // namespace

RunSummary parse_run_summary(const json::object& object, std::string_view source) {
    const Fields summary(object, "", source);
    RunSummary out;
    out.schema = summary.text("schema");
    if (out.schema != kSummarySchema)
        summary.fail("schema", fmt::format("\"{}\" is not {}", out.schema, kSummarySchema));
    out.volley_version = summary.text("volley_version");
    out.started_at = summary.text("started_at");
    out.duration_s = summary.number("duration_s");
    if (summary.has("start")) {
        const auto start = summary.object("start");
        const auto sync = start.object("clock_sync");
        out.start = StartFigures{start.text("at"),
                                 start.number("lag_ms"),
                                 start.number("max_start_lag_ms"),
                                 sync.flag("known"),
                                 sync.flag("synchronised"),
                                 sync.number("max_error_ms"),
                                 sync.number("estimated_error_ms")};
    }

    const auto scenario = summary.object("scenario");
    out.scenario = {
        scenario.text("name"), scenario.text("type"), scenario.text("file"), scenario.text("model"),
        scenario.objects("stages", [](const Fields& f) {
            return StageMarkS{f.number("start_s"), f.number("end_s"), f.number("target_rps")};
        })};
    const auto target = summary.object("target");
    out.target = {target.text("kind"), target.text("url"), target.texts("notices"), std::nullopt};
    if (target.has("protocol")) out.target.protocol = read_protocol(target.object("protocol"));

    const auto totals = summary.object("totals");
    out.totals = {totals.count("requests"),    totals.count("ok"),
                  totals.count("errors"),      totals.count("dropped"),
                  totals.number("error_rate"), totals.number("throughput_rps"),
                  totals.number("target_rps"), std::nullopt};
    if (totals.has("arrivals_rps")) out.totals.arrivals_rps = totals.number("arrivals_rps");
    if (totals.has("unsent")) out.totals.unsent = totals.count("unsent");
    out.latency_ms = latency_of(summary.object("latency_ms"));
    out.service_time_ms = latency_of(summary.object("service_time_ms"));
    const auto lag = summary.object("schedule_lag_ms");
    out.schedule_lag_ms = {lag.number("p50"), lag.number("p99"), lag.number("max")};
    if (summary.has("connection_wait_ms")) {
        const auto wait = summary.object("connection_wait_ms");
        out.connection_wait_ms = ConnectionWaitMs{wait.number("p50"), wait.number("p90"),
                                                  wait.number("p99"), wait.number("max")};
    }
    if (summary.has("stream_wait_ms")) {
        const auto wait = summary.object("stream_wait_ms");
        out.stream_wait_ms = ConnectionWaitMs{wait.number("p50"), wait.number("p90"),
                                              wait.number("p99"), wait.number("max")};
    }
    const auto outcomes = summary.object("outcomes");
    for (const auto& [name, count] : outcomes.raw())
        out.outcomes.push_back(
            {std::string(name), outcomes.count_of(count, outcomes.path_of(name))});
    if (summary.has("errors")) {
        const auto errors = summary.object("errors");
        const auto by_status = errors.object("by_status");
        for (const auto& [status, count] : by_status.raw())
            out.statuses.push_back(
                {std::string(status), by_status.count_of(count, by_status.path_of(status))});
        out.first_errors = errors.objects("first", [](const Fields& f) {
            return ErrorSample{f.text("class"), f.text("detail"), f.count("count")};
        });
    }
    out.cache = optional_cache(summary, "cache");

    out.requests = summary.objects("requests", [](const Fields& f) {
        RequestFigures row;
        row.name = f.text("name");
        row.requests = f.count("requests");
        row.errors = f.count("errors");
        row.error_rate = f.number("error_rate");
        row.throughput_rps = f.number("throughput_rps");
        row.latency_ms = latency_of(f.object("latency_ms"));
        row.cache = optional_cache(f, "cache");
        if (f.has("journey")) {
            row.journey = f.text("journey");
            row.tags = tags_of(f, "tags");
            row.extract_errors = f.count("extract_errors");
        }
        return row;
    });
    read_journey_sections(summary, out);
    out.observed = parse_observed(object, source);
    out.intervals = summary.objects("intervals", [](const Fields& f) {
        IntervalFigures row{
            f.number("t_s"),        f.number("length_s"), f.count("requests"),
            f.count("errors"),      f.count("dropped"),   f.number("throughput_rps"),
            f.number("target_rps"), f.number("p50_ms"),   f.number("p95_ms"),
            f.number("p99_ms"),     f.number("max_ms"),   f.number("lag_p99_ms"),
            f.number("cpu_util"),   std::nullopt};
        if (f.has("unsent")) row.unsent = f.count("unsent");
        if (const auto hit_rate = f.number_or_null("hit_rate")) {
            const auto shares = f.object("served_by");
            row.cache = CacheShares{*hit_rate,
                                    {shares.number("L1"), shares.number("L2"), shares.number("L3"),
                                     shares.number("L4")}};
        }
        return row;
    });
    out.thresholds = summary.objects("thresholds", [](const Fields& f) {
        ThresholdResult row{f.text("expr"),
                            f.text_or_null("request"),
                            f.number_or_null("actual"),
                            f.text("unit"),
                            f.flag("pass"),
                            f.text("detail"),
                            f.optional_flag("builtin").value_or(false),
                            f.has("analysis") ? f.text_or_null("analysis") : std::nullopt,
                            std::nullopt};
        if (f.has("scope")) row.scope = f.text("scope");
        return row;
    });
    out.analysis = analysis_of(summary);

    const auto generator = summary.object("generator");
    out.generator = {generator.count("threads"), generator.count("slots"),
                     generator.number("cpu_util"), generator.number("lag_p99_ms"),
                     generator.texts("notes")};
    const auto spectrum = summary.object("latency_spectrum");
    out.response_spectrum = spectrum_of(spectrum, "response");
    out.service_spectrum = spectrum_of(spectrum, "service");

    const auto stop = summary.object("stop");
    out.stop = {stop.text("reason"), stop.text("detail"), stop.optional_flag("expected")};
    const auto verdict = summary.text("verdict");
    if (verdict != "pass" && verdict != "fail")
        summary.fail("verdict", fmt::format("\"{}\" is not pass or fail", verdict));
    out.verdict = verdict == "pass" ? Verdict::pass : Verdict::fail;
    return out;
}

std::string start_line(const StartFigures& start) {
    std::string clock = "clock state unknown";
    if (start.clock_known) {
        clock = fmt::format("clock {} (max error {} ms, estimated {} ms)",
                            start.clock_synchronised ? "synchronised" : "NOT synchronised",
                            format_number(start.clock_max_error_ms),
                            format_number(start.clock_estimated_error_ms));
    }
    return fmt::format("start at {}, lag {} ms (limit {} ms), {}", start.at,
                       format_number(start.lag_ms), format_number(start.max_start_lag_ms), clock);
}

RunSummary read_run_summary(const std::filesystem::path& path) {
    const auto file = std::filesystem::is_directory(path) ? path / "summary.json" : path;
    return parse_run_summary(read_summary(file), file.string());
}

}  // namespace volley::reports
