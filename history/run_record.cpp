#include "history/run_record.hpp"

#include <cmath>
#include <ctime>
#include <fstream>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "reports/hlog.hpp"
#include "reports/run_outputs.hpp"
#include "reports/summary_access.hpp"

namespace volley::history {
namespace {

namespace json = boost::json;

// "2026-12-05T23:43:13.123Z" → seconds since the epoch; nullopt for any other shape.
std::optional<double> parse_iso8601_utc(const std::string& text) {
    std::tm tm{};
    int millis = 0;
    char zone = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &tm.tm_year, &tm.tm_mon,
                    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis, &zone) != 8 ||
        zone != 'Z')
        return std::nullopt;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    const std::time_t seconds = ::timegm(&tm);
    if (seconds == static_cast<std::time_t>(-1)) return std::nullopt;
    return static_cast<double>(seconds) + millis / 1000.0;
}

std::uint64_t count_at(const json::object& object, std::string_view key) {
    const auto value = reports::number_at(object, key);
    return value && *value > 0 ? static_cast<std::uint64_t>(std::llround(*value)) : 0;
}

}  // namespace

RunRecord run_record_from_summary(const json::object& summary, const std::string& where) {
    const auto require = [&](std::string_view key) {
        auto text = reports::string_at(summary, key);
        if (text.empty()) throw RunReadError(fmt::format("{}: {}: missing", where, key));
        return text;
    };
    RunRecord record;
    record.scenario_name = require("scenario.name");
    record.started_at = require("started_at");
    record.verdict = require("verdict");
    const auto started = parse_iso8601_utc(record.started_at);
    if (!started)
        throw RunReadError(
            fmt::format("{}: started_at: not an ISO 8601 UTC time: {}", where, record.started_at));
    record.started_unix_s = *started;
    record.scenario_hash = reports::string_at(summary, "scenario.hash");
    record.scenario_type = reports::string_at(summary, "scenario.type");
    record.duration_s = reports::number_at(summary, "duration_s").value_or(0.0);
    if (const auto* labels = reports::object_at(summary, "labels")) {
        for (const auto& [key, value] : *labels) {
            if (value.is_string())
                record.labels.emplace(std::string(key), std::string(value.get_string()));
        }
    }
    if (const auto* environment = reports::object_at(summary, "environment"))
        record.environment = *environment;
    auto& figures = record.figures;
    figures.requests = count_at(summary, "totals.requests");
    figures.p50_ms = reports::number_at(summary, "latency_ms.p50");
    figures.p95_ms = reports::number_at(summary, "latency_ms.p95");
    figures.p99_ms = reports::number_at(summary, "latency_ms.p99");
    figures.max_ms = reports::number_at(summary, "latency_ms.max");
    figures.throughput_rps = reports::number_at(summary, "totals.throughput_rps");
    figures.error_rate = reports::number_at(summary, "totals.error_rate");
    figures.hit_rate = reports::number_at(summary, "cache.hit_rate");
    return record;
}

std::vector<IntervalCounts> interval_counts_from_summary(const json::object& summary) {
    std::vector<IntervalCounts> rows;
    const auto* intervals = reports::array_at(summary, "intervals");
    if (intervals == nullptr) return rows;
    for (const auto& value : *intervals) {
        if (!value.is_object()) continue;
        const auto& row = value.as_object();
        IntervalCounts counts;
        counts.t_s = reports::number_at(row, "t_s").value_or(0.0);
        counts.length_s = reports::number_at(row, "length_s").value_or(0.0);
        counts.requests = count_at(row, "requests");
        counts.errors = count_at(row, "errors");
        counts.dropped = count_at(row, "dropped");
        if (const auto hit_rate = reports::number_at(row, "hit_rate"))
            counts.hits = static_cast<std::uint64_t>(
                std::llround(*hit_rate * static_cast<double>(counts.requests)));
        rows.push_back(counts);
    }
    return rows;
}

std::map<std::string, std::vector<IntervalHistogram>> latency_series(
    const reports::HlogContents& log) {
    std::map<std::string, std::vector<IntervalHistogram>> series;
    for (const auto& line : log.intervals) {
        series[line.tag.value_or(std::string(kAllRequests))].push_back(
            IntervalHistogram{line.start_s, line.length_s, line.histogram});
    }
    return series;
}

RunRecord read_run_record(const std::filesystem::path& run_dir) {
    const auto path = run_dir / "summary.json";
    json::object summary;
    try {
        summary = reports::read_summary(path);
    } catch (const std::exception& e) {
        throw RunReadError(e.what());
    }
    auto record = run_record_from_summary(summary, path.string());
    record.id = run_dir.filename().string();
    if (record.id.empty()) record.id = run_dir.parent_path().filename().string();
    record.dir = run_dir;
    return record;
}

RunSample read_run_sample(const std::filesystem::path& run_dir) {
    const auto summary_path = run_dir / "summary.json";
    json::object summary;
    try {
        summary = reports::read_summary(summary_path);
    } catch (const std::exception& e) {
        throw RunReadError(e.what());
    }
    RunSample sample;
    sample.record = run_record_from_summary(summary, summary_path.string());
    sample.record.id = run_dir.filename().string();
    sample.record.dir = run_dir;
    sample.intervals = interval_counts_from_summary(summary);
    const auto hlog_path = run_dir / "latency.hlog";
    if (std::filesystem::exists(hlog_path)) {
        try {
            sample.latency = latency_series(reports::read_hlog(hlog_path));
        } catch (const std::exception& e) {
            throw RunReadError(fmt::format("{}: {}", hlog_path.string(), e.what()));
        }
    }
    return sample;
}

std::optional<engine::HdrHistogram> merge_window(const RunSample& sample, const std::string& series,
                                                 double from_s, double to_s) {
    const auto found = sample.latency.find(series);
    if (found == sample.latency.end()) return std::nullopt;
    std::optional<engine::HdrHistogram> merged;
    for (const auto& interval : found->second) {
        if (interval.start_s < from_s || interval.start_s >= to_s) continue;
        if (!merged)
            merged.emplace(interval.histogram);
        else
            merged->add(interval.histogram);
    }
    return merged;
}

}  // namespace volley::history
