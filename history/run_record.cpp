#include "history/run_record.hpp"

#include <algorithm>
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

// The record of the run in `run_dir` whose summary.json is `summary`; id = the directory's name
// (a trailing '/' given on the command line does not empty it).
RunRecord record_of(const std::filesystem::path& run_dir, const json::object& summary) {
    auto record = run_record_from_summary(summary, (run_dir / "summary.json").string());
    record.id = run_dir.filename().string();
    if (record.id.empty()) record.id = run_dir.parent_path().filename().string();
    record.dir = run_dir;
    return record;
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

namespace {

// The layout every CompactHistogram indexes (immutable, made once).
const engine::HdrHistogram& reference_layout() {
    static const engine::HdrHistogram reference = engine::HdrHistogram::latency_ns();
    return reference;
}

}  // namespace

CompactHistogram::CompactHistogram(const engine::HdrHistogram& histogram) {
    if (histogram.empty()) return;
    const auto& reference = reference_layout();
    const bool same = reference.same_layout(histogram);
    const std::size_t last =
        std::min(histogram.counts_index(histogram.max()), histogram.counts_length() - 1);
    for (std::size_t i = 0; i <= last; ++i) {
        const std::int64_t count = histogram.count_at_index(i);
        if (count == 0) continue;
        const std::size_t slot =
            same ? i
                 : std::min(reference.counts_index(histogram.value_from_index(i)),
                            reference.counts_length() - 1);
        if (!slots_.empty() && slots_.back().index == slot) {
            slots_.back().count += count;
        } else {
            slots_.push_back(Slot{static_cast<std::uint32_t>(slot), count});
        }
        total_count_ += count;
    }
}

void CompactHistogram::record_values(std::int64_t value, std::int64_t count) {
    if (count <= 0) return;
    const auto& reference = reference_layout();
    const std::int64_t clamped =
        std::clamp<std::int64_t>(value, 0, reference.highest_trackable_value());
    const auto index = static_cast<std::uint32_t>(
        std::min(reference.counts_index(clamped), reference.counts_length() - 1));
    const auto at =
        std::lower_bound(slots_.begin(), slots_.end(), index,
                         [](const Slot& slot, std::uint32_t i) { return slot.index < i; });
    if (at != slots_.end() && at->index == index) {
        at->count += count;
    } else {
        slots_.insert(at, Slot{index, count});
    }
    total_count_ += count;
}

void CompactHistogram::add_to(engine::HdrHistogram& target) const {
    if (!reference_layout().same_layout(target))
        throw std::invalid_argument("CompactHistogram::add_to: the target is not latency_ns()");
    for (const auto& slot : slots_)
        target.set_count_at_index(slot.index, target.count_at_index(slot.index) + slot.count);
}

engine::HdrHistogram CompactHistogram::expand() const {
    auto histogram = engine::HdrHistogram::latency_ns();
    add_to(histogram);
    return histogram;
}

std::map<std::string, std::vector<IntervalHistogram>> read_latency_series(
    const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw RunReadError(fmt::format("{}: cannot read the file", path.string()));
    std::map<std::string, std::vector<IntervalHistogram>> series;
    try {
        // Each line is made compact as it is read and not kept by the reader.
        (void)reports::read_hlog(in, [&series](const reports::HlogInterval& line) {
            series[line.tag.value_or(std::string(kAllRequests))].push_back(
                IntervalHistogram{line.start_s, line.length_s, CompactHistogram(line.histogram)});
            return false;
        });
    } catch (const std::exception& e) {
        throw RunReadError(fmt::format("{}: {}", path.string(), e.what()));
    }
    return series;
}

json::object read_summary_of(const std::filesystem::path& run_dir) {
    try {
        return reports::read_summary(run_dir / "summary.json");
    } catch (const std::exception& e) {
        throw RunReadError(e.what());
    }
}

RunRecord read_run_record(const std::filesystem::path& run_dir) {
    return record_of(run_dir, read_summary_of(run_dir));
}

RunSample read_run_sample(const std::filesystem::path& run_dir) {
    return read_run_sample(run_dir, read_summary_of(run_dir));
}

RunSample read_run_sample(const std::filesystem::path& run_dir, const json::object& summary) {
    RunSample sample;
    sample.record = record_of(run_dir, summary);
    sample.intervals = interval_counts_from_summary(summary);
    const auto hlog_path = run_dir / "latency.hlog";
    if (std::filesystem::exists(hlog_path)) sample.latency = read_latency_series(hlog_path);
    return sample;
}

std::optional<engine::HdrHistogram> merge_window(const RunSample& sample, const std::string& series,
                                                 double from_s, double to_s) {
    const auto found = sample.latency.find(series);
    if (found == sample.latency.end()) return std::nullopt;
    std::optional<engine::HdrHistogram> merged;
    for (const auto& interval : found->second) {
        if (interval.start_s < from_s || interval.start_s >= to_s) continue;
        if (!merged) merged.emplace(engine::HdrHistogram::latency_ns());
        interval.histogram.add_to(*merged);
    }
    return merged;
}

}  // namespace volley::history
