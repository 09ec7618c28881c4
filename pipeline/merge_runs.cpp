#include "pipeline/merge_runs.hpp"

#include "observe/rebase.hpp"
#include "observe/run_observation.hpp"
#include "pipeline/exit_codes.hpp"
#include "pipeline/run_judges.hpp"
#include "reports/segment_file.hpp"
#include "reports/summary_protocol.hpp"
#include "scenarios/language/loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <map>

namespace volley::pipeline {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

using reports::SegmentFile;

bool is_segment_dir(const fs::path& dir) {
    std::error_code ec;
    return fs::is_regular_file(dir / reports::kSegmentFileName, ec);
}

std::string describe(const SegmentFile& file) {
    return fmt::format("{} (segment {}/{})", file.path.parent_path().string(),
                       file.header.result.segment.index, file.header.result.segment.count);
}

// Everything that must be equal for segments to be shares of one run; the first difference.
void check_same_run(const SegmentFile& first, const SegmentFile& other) {
    const auto& a = first.header;
    const auto& b = other.header;
    if (a.scenario_hash != b.scenario_hash) {
        throw MergeError(fmt::format(
            "{} is a segment of another scenario or settings: \"{}\" (scenario hash {}), while {} "
            "is \"{}\" (hash {})",
            describe(other), b.scenario_name, b.scenario_hash, describe(first), a.scenario_name,
            a.scenario_hash));
    }
    const auto differ = [&](std::string_view what) {
        throw MergeError(fmt::format("{} and {} differ in {}: they are not segments of one run",
                                     describe(first), describe(other), what));
    };
    if (a.result.segment.count != b.result.segment.count) differ("the number of segments");
    if (a.result.request_names != b.result.request_names) differ("their requests");
    if (a.result.flow_names != b.result.flow_names) differ("their journeys");
    if (a.result.counter_names != b.result.counter_names) differ("their counters");
    if (a.interval != b.interval) differ("the interval length");
    if (a.result.closed_model != b.result.closed_model) differ("the load model");
    if (a.result.start.start_at != b.result.start.start_at) differ("--start-at");
}

// Each index 0..n-1 exactly once.
void check_indexes(const std::vector<SegmentFile>& files) {
    const std::size_t count = files.front().header.result.segment.count;
    std::map<std::size_t, const SegmentFile*> by_index;
    for (const auto& file : files) {
        const auto index = file.header.result.segment.index;
        if (const auto [it, added] = by_index.emplace(index, &file); !added) {
            throw MergeError(fmt::format("segment {}/{} appears twice: {} and {}", index, count,
                                         it->second->path.parent_path().string(),
                                         file.path.parent_path().string()));
        }
    }
    std::string missing;
    for (std::size_t i = 0; i < count; ++i) {
        if (!by_index.contains(i)) missing += fmt::format("{}{}", missing.empty() ? "" : ", ", i);
    }
    if (!missing.empty()) {
        throw MergeError(fmt::format("segments missing: {} (of {}); a merge needs every segment",
                                     missing, count));
    }
}

// The worst way a segment ended stands for the run: interrupted > aborted > source exhausted.
int stop_rank(engine::StopReason reason) {
    switch (reason) {
        case engine::StopReason::completed: return 0;
        case engine::StopReason::source_exhausted: return 1;
        case engine::StopReason::aborted: return 2;
        case engine::StopReason::interrupted: return 3;
        case engine::StopReason::interrupted_immediately: return 4;
    }
    return 0;
}

// The sum of the segments' scalars (totals and rows are the intervals').
engine::RunResult merged_scalars(const std::vector<SegmentFile>& files) {
    engine::RunResult merged = files.front().header.result;
    merged.segment = {};
    merged.threads = merged.slots = 0;
    merged.cpu_seconds = merged.target_rps = merged.expected_requests = 0;
    merged.stop_detail.clear();
    for (const auto& file : files) {
        const auto& r = file.header.result;
        merged.started_at = std::min(merged.started_at, r.started_at);
        merged.measured = std::max(merged.measured, r.measured);
        merged.drain = std::max(merged.drain, r.drain);
        merged.threads += r.threads;
        merged.slots += r.slots;
        merged.cpu_seconds += r.cpu_seconds;
        merged.target_rps += r.target_rps;
        merged.expected_requests += r.expected_requests;
        if (stop_rank(r.stop_reason) > stop_rank(merged.stop_reason) ||
            (merged.stop_detail.empty() && r.stop_reason == merged.stop_reason)) {
            merged.stop_reason = r.stop_reason;
            merged.stop_detail =
                r.stop_detail.empty()
                    ? std::string()
                    : fmt::format("segment {}: {}", r.segment.index, r.stop_detail);
        }
        merged.start.lag = std::max(merged.start.lag, r.start.lag);
        auto& sync = merged.start.clock_sync;
        sync.known = sync.known && r.start.clock_sync.known;
        sync.synchronised = sync.synchronised && r.start.clock_sync.synchronised;
        sync.max_error_ms = std::max(sync.max_error_ms, r.start.clock_sync.max_error_ms);
        sync.estimated_error_ms =
            std::max(sync.estimated_error_ms, r.start.clock_sync.estimated_error_ms);
    }
    return merged;
}

// Adds interval `index` of every segment that has it; nullopt when none has.
// `completed`: each segment's answered requests, added to.
std::optional<reports::SegmentInterval> merged_interval(const std::vector<SegmentFile>& files,
                                                        std::size_t index,
                                                        const engine::StatsShape& shape,
                                                        std::vector<std::uint64_t>& completed) {
    std::optional<reports::SegmentInterval> sum;
    for (std::size_t f = 0; f < files.size(); ++f) {
        const auto& file = files[f];
        if (index >= file.intervals.size()) continue;
        auto part =
            reports::decode_interval(file.intervals[index], shape,
                                     fmt::format("{}: intervals[{}]", file.path.string(), index));
        for (const auto& request : part.stats.per_request) completed[f] += request.completed();
        if (!sum) {
            sum = std::move(part);
            sum->index = index;
            continue;
        }
        sum->start = std::min(sum->start, part.start);
        sum->end = std::max(sum->end, part.end);
        sum->target_rps += part.target_rps;
        sum->cpu_seconds += part.cpu_seconds;
        sum->draining = sum->draining || part.draining;
        sum->stats.add(part.stats);
    }
    return sum;
}

scenarios::Plan plan_of(const SegmentFile& file, const MergeOptions& options) {
    const auto& header = file.header;
    // Relative files of the scenario (csv feeders) resolve against where it was run from.
    const std::string name =
        header.scenario_file.empty() ? file.path.string() : header.scenario_file;
    scenarios::Plan plan;
    try {
        plan = scenarios::load_plan_from_string(header.scenario_yaml, name, {});
    } catch (const scenarios::ScenarioError& e) {
        std::string detail;
        for (const auto& d : e.diagnostics()) detail += "\n  " + scenarios::format_diagnostic(d);
        throw MergeError(
            fmt::format("{}: its scenario does not load here:{}", file.path.string(), detail));
    }
    plan.output.dir = options.out.string();
    if (!options.store.empty()) plan.output.store = options.store;
    plan.run.request_names = header.result.request_names;
    return plan;
}

reports::RunMetadata merged_metadata(const scenarios::Plan& plan, const SegmentFile& first,
                                     std::size_t segments) {
    reports::RunMetadata m;
    m.scenario_name = plan.name;
    m.scenario_type = std::string(scenarios::scenario_type_name(plan.type));
    m.scenario_file = first.header.scenario_file;
    m.scenario_hash = first.header.scenario_hash;  // as the segments recorded it
    m.labels = plan.output.labels;
    m.target_kind = first.header.target_kind;
    m.target_url = first.header.target_url;
    m.target_notices = first.header.target_notices;
    m.target_notices.push_back(fmt::format(
        "merged from {} segments (volley merge): histograms added bucket for bucket", segments));
    m.reports_tiers = first.header.reports_tiers;
    m.catalog = plan.catalog;
    if (const auto* open = std::get_if<engine::OpenProfile>(&plan.run.profile))
        m.stages = reports::stage_marks(*open);
    return m;
}

// summary.json `merged`: where the segments came from and how they started.
json::object merged_section(const std::vector<SegmentFile>& files,
                            const std::vector<std::uint64_t>& completed) {
    json::array segments;
    double lag_max_ms = 0;
    for (std::size_t f = 0; f < files.size(); ++f) {
        const auto& file = files[f];
        const auto& r = file.header.result;
        const double lag_ms = std::chrono::duration<double, std::milli>(r.start.lag).count();
        lag_max_ms = std::max(lag_max_ms, lag_ms);
        segments.push_back(
            json::object{{"index", r.segment.index},
                         {"dir", file.path.parent_path().string()},
                         {"requests", completed[f]},
                         {"start_lag_ms", lag_ms},
                         {"clock_synchronised", r.start.clock_sync.known
                                                    ? json::value(r.start.clock_sync.synchronised)
                                                    : json::value(nullptr)},
                         {"stop_reason", reports::stop_reason_name(r.stop_reason)}});
    }
    return json::object{{"segments", files.size()},
                        {"start_lag_ms_max", lag_max_ms},
                        {"from", std::move(segments)}};
}

void add_completed(std::vector<std::uint64_t>& into, const engine::IntervalStats& stats) {
    for (std::size_t r = 0; r < into.size() && r < stats.per_request.size(); ++r)
        into[r] += stats.per_request[r].completed();
}

std::vector<SegmentFile> read_segments(const std::vector<fs::path>& dirs) {
    std::vector<SegmentFile> files;
    for (const auto& dir : dirs) {
        try {
            files.push_back(reports::read_segment_file(dir));
        } catch (const reports::SegmentFileError& e) {
            throw MergeError(e.what());
        }
    }
    for (std::size_t i = 1; i < files.size(); ++i) check_same_run(files.front(), files[i]);
    check_indexes(files);
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
        return a.header.result.segment.index < b.header.result.segment.index;
    });
    return files;
}

}  // namespace

std::vector<fs::path> segment_directories(const std::vector<fs::path>& inputs) {
    std::vector<fs::path> dirs;
    for (const auto& input : inputs) {
        if (is_segment_dir(input)) {
            dirs.push_back(input);
            continue;
        }
        std::error_code ec;
        std::vector<fs::path> inside;
        for (const auto& entry : fs::directory_iterator(input, ec)) {
            const auto name = entry.path().filename().string();
            if (entry.is_directory() && name.rfind("segment-", 0) == 0) inside.push_back(entry);
        }
        if (ec) {
            throw MergeError(
                fmt::format("{}: not a segment's directory ({})", input.string(), ec.message()));
        }
        if (inside.empty()) {
            throw MergeError(fmt::format(
                "{}: no {} and no segment-* directories: not a segment of a distributed run",
                input.string(), reports::kSegmentFileName));
        }
        std::sort(inside.begin(), inside.end());
        dirs.insert(dirs.end(), inside.begin(), inside.end());
    }
    return dirs;
}

int merge_runs(const MergeOptions& options) {
    std::vector<SegmentFile> files;
    scenarios::Plan plan;
    try {
        files = read_segments(segment_directories(options.inputs));
        plan = plan_of(files.front(), options);
    } catch (const MergeError& e) {
        std::cerr << "error: volley merge: " << e.what() << "\n";
        return kExitUsage;
    }
    std::error_code ec;
    fs::create_directories(options.out, ec);
    if (ec) {
        std::cerr << "error: cannot create output directory " << options.out.string() << ": "
                  << ec.message() << "\n";
        return kExitCannotRun;
    }

    engine::RunResult result = merged_scalars(files);
    const engine::StatsShape shape{result.request_names.size(), result.flow_names.size(),
                                   result.counter_names.size()};
    const auto formats =
        options.report.formats.empty() ? plan.output.formats : options.report.formats;
    std::optional<RunJudges> judges;
    try {
        judges.emplace(plan, options.out, formats,
                       std::chrono::duration<double>(result.started_at.time_since_epoch()).count());
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitUsage;
    }
    const auto listeners = judges->listeners();
    const auto interval = files.front().header.interval;
    std::size_t interval_count = 0;
    for (const auto& file : files) interval_count = std::max(interval_count, file.intervals.size());
    result.totals = engine::IntervalStats(shape);
    engine::IntervalRowBuilder rows(shape, interval);
    std::vector<std::vector<std::uint64_t>> completed_by_row;  // [row][request]
    std::vector<std::uint64_t> completed(files.size(), 0);
    try {
        for (std::size_t k = 0; k < interval_count; ++k) {
            auto sum = merged_interval(files, k, shape, completed);
            if (!sum) continue;
            const engine::IntervalReport report{k,
                                                sum->start,
                                                sum->end,
                                                sum->stats,
                                                sum->target_rps,
                                                sum->cpu_seconds,
                                                sum->draining};
            for (auto* listener : listeners) (void)listener->on_interval(report);
            const bool last = k + 1 == interval_count;
            if (!rows.add(result.intervals, sum->stats, sum->start, sum->end, sum->target_rps,
                          sum->cpu_seconds, last))
                completed_by_row.emplace_back(shape.requests, 0);
            add_completed(completed_by_row.back(), sum->stats);
            result.totals.add(sum->stats);
        }
    } catch (const reports::SegmentFileError& e) {
        std::cerr << "error: volley merge: " << e.what() << "\n";
        return kExitUsage;
    }

    // observe: segment 0's reading of the servers, its per-request figures on the merged counts.
    std::optional<reports::ObservedRun> observed = files.front().header.observed;
    if (observed) {
        for (auto& series : observed->series) series.points.resize(result.intervals.size());
        observe::Observer::RequestTags tags;
        for (const auto& request : plan.requests) tags.emplace_back(request.tags);
        observe::rebase_per_request(*observed, completed_by_row, result.request_names, tags,
                                    observe::limits_of(plan.observe));
    }

    RunEnding ending;
    ending.observed = observed ? &*observed : nullptr;
    ending.metadata = merged_metadata(plan, files.front(), files.size());
    std::vector<engine::ProtocolReport> protocols;
    for (const auto& file : files)
        if (file.header.protocol) protocols.push_back(*file.header.protocol);
    if (!protocols.empty()) ending.metadata.protocol = reports::merge_protocol_reports(protocols);
    ending.expectations.source_end_expected = source_end_expected(plan);
    ending.amend_summary = [&files, &completed](json::object& summary) {
        summary["merged"] = merged_section(files, completed);
    };
    auto outcome = judges->finish(result, ending, options.report);
    return outcome.exit_code;
}

}  // namespace volley::pipeline
