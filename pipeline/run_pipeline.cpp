#include "pipeline/run_pipeline.hpp"

#include "engine/runner.hpp"
#include "engine/segments.hpp"
#include "history/store.hpp"
#include "observe/metrics_exporter.hpp"
#include "observe/metrics_server.hpp"
#include "observe/run_observation.hpp"
#include "pipeline/exit_codes.hpp"
#include "pipeline/run_judges.hpp"
#include "pipeline/target_factory.hpp"
#include "replay/replay_run.hpp"
#include "reports/analysis.hpp"
#include "reports/console.hpp"
#include "reports/progress.hpp"
#include "reports/run_checks.hpp"
#include "reports/run_outputs.hpp"
#include "reports/segment_file.hpp"
#include "reports/summary_json.hpp"
#include "reports/thresholds.hpp"
#include "scenarios/language/loader.hpp"
#include "scenarios/language/request_source.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <unistd.h>

#include <iostream>

namespace volley::pipeline {
namespace json = boost::json;

namespace {

// Redraws one progress line on a terminal each interval.
class ProgressLine final : public engine::IntervalListener {
public:
    ProgressLine(double total_s, std::vector<reports::StageMark> stages)
        : total_s_(total_s), stages_(std::move(stages)) {}
    ~ProgressLine() override {
        if (drawn_) std::cerr << "\r\x1b[K" << std::flush;
    }
    std::optional<std::string> on_interval(const engine::IntervalReport& report) override {
        const auto all = report.stats.combined();
        errors_ += all.errors();
        dropped_ += all.outcomes[static_cast<std::size_t>(engine::Outcome::dropped)];
        const double length_s = std::chrono::duration<double>(report.end - report.start).count();
        reports::ProgressState state;
        state.elapsed_s = std::chrono::duration<double>(report.end).count();
        state.total_s = total_s_;
        state.achieved_rps = length_s > 0 ? static_cast<double>(all.completed()) / length_s : 0;
        state.target_rps = report.target_rps;
        if (!all.response_time.empty())
            state.p99_ms = static_cast<double>(all.response_time.value_at_percentile(99)) / 1e6;
        state.errors = errors_;
        state.dropped = dropped_;
        for (std::size_t i = 0; i < stages_.size(); ++i) {
            if (state.elapsed_s <= stages_[i].end_s || i + 1 == stages_.size()) {
                state.stage_label = fmt::format("stage {}/{} -> {:.0f}/s", i + 1, stages_.size(),
                                                stages_[i].target_rps);
                break;
            }
        }
        if (report.draining)
            state.stage_label = "draining in-flight requests (Ctrl-C again stops at once)";
        // "\x1b[K" clears what a longer previous line left behind.
        std::cerr << "\r" << reports::format_progress_line(state) << "\x1b[K" << std::flush;
        drawn_ = true;
        return std::nullopt;
    }

private:
    double total_s_;
    std::vector<reports::StageMark> stages_;
    std::uint64_t errors_ = 0, dropped_ = 0;
    bool drawn_ = false;
};

// Stops a run whose target cannot be reached at all: when the first kUnreachableAfter of the
// recorded run brought no answer but connection-level failures (refused, DNS, TLS handshake),
// going on for the rest of a long soak would only repeat them. One success disarms it for good.
class UnreachableGuard final : public engine::IntervalListener {
public:
    static constexpr std::chrono::seconds kUnreachableAfter{5};

    std::optional<std::string> on_interval(const engine::IntervalReport& report) override {
        if (disarmed_) return std::nullopt;
        const auto all = report.stats.combined();
        const auto count = [&](engine::Outcome o) {
            return all.outcomes[static_cast<std::size_t>(o)];
        };
        unreachable_ += count(engine::Outcome::connect_error) + count(engine::Outcome::tls_error);
        if (all.completed() >
            count(engine::Outcome::connect_error) + count(engine::Outcome::tls_error)) {
            disarmed_ = true;  // something answered (even an error status): the target is there
            return std::nullopt;
        }
        for (const auto& sample : report.stats.error_samples) {
            if (first_reason_.empty() && !sample.detail.empty()) first_reason_ = sample.detail;
        }
        if (report.end < kUnreachableAfter || unreachable_ == 0) return std::nullopt;
        disarmed_ = true;
        return fmt::format(
            "target unreachable: {} connection attempts failed and nothing answered in the first "
            "{} s{}",
            unreachable_, kUnreachableAfter.count(),
            first_reason_.empty() ? "" : " (" + first_reason_ + ")");
    }

private:
    std::uint64_t unreachable_ = 0;
    std::string first_reason_;
    bool disarmed_ = false;
};

reports::RunMetadata metadata_for(const scenarios::Plan& plan, const BuiltTarget& target) {
    reports::RunMetadata m;
    m.scenario_name = plan.name;
    m.scenario_type = std::string(scenarios::scenario_type_name(plan.type));
    m.scenario_file = plan.file;
    m.scenario_hash = plan.scenario_hash;
    m.labels = plan.output.labels;
    m.target_kind = target.kind;
    m.target_url = target.url;
    m.target_notices = target.target->notices();
    m.protocol = target.target->protocol_report();
    if (target.demo) {
        m.target_notices.push_back("the demo service (docs/demo.md), started by volley on " +
                                   target.url + " for this run");
    }
    m.reports_tiers = target.target->reports_tiers();
    m.catalog = plan.catalog;
    if (const auto* open = std::get_if<engine::OpenProfile>(&plan.run.profile))
        m.stages = reports::stage_marks(*open);
    return m;
}

// summary.json analysis.replay: what the replay read, skipped and sent.
json::object replay_analysis(const replay::ReplaySpec& spec, const replay::ReplaySummary& summary) {
    const auto& capture = summary.capture;
    json::array malformed;
    for (const auto& m : capture.reader.first_malformed) {
        malformed.push_back(json::object{{"location", m.location}, {"reason", m.reason}});
    }
    json::array outliers;
    for (const auto& m : capture.first_outliers) {
        outliers.push_back(json::object{{"location", m.location}, {"reason", m.reason}});
    }
    return json::object{{"file", spec.file},
                        {"format", std::string(replay::replay_format_name(spec.format))},
                        {"speed", spec.speed},
                        {"loop", spec.loop},
                        {"passes", summary.passes},
                        {"records", capture.reader.requests},
                        {"non_requests", capture.reader.non_requests},
                        {"malformed", capture.reader.malformed},
                        {"malformed_first", std::move(malformed)},
                        {"outliers", capture.outliers},
                        {"outliers_first", std::move(outliers)},
                        {"late", capture.late},
                        {"before_from", capture.before_from},
                        {"stopped_at_to", capture.stopped_at_to},
                        {"filtered", capture.filtered},
                        {"sampled_out", capture.sampled_out},
                        {"kept_per_pass", capture.kept},
                        {"per_connection", spec.per_connection},
                        {"with_connection", capture.with_connection},
                        {"scheduled", summary.scheduled},
                        {"capture_span_s", static_cast<double>(capture.span_ns) / 1e9},
                        {"failure", summary.failure}};
}

// Lines the reports show under the target: skipped and late records.
std::vector<std::string> replay_notices(const replay::ReplaySpec& spec,
                                        const replay::ReplaySummary& summary) {
    std::vector<std::string> out;
    const auto& capture = summary.capture;
    if (capture.reader.malformed > 0) {
        std::string where;
        for (const auto& m : capture.reader.first_malformed)
            where += (where.empty() ? "" : ", ") + m.location;
        if (capture.reader.malformed > capture.reader.first_malformed.size()) where += ", …";
        out.push_back(fmt::format("replay: {} malformed record(s) skipped in {} ({}); first: {}",
                                  capture.reader.malformed, spec.file, where,
                                  capture.reader.first_malformed.front().reason));
    }
    if (capture.outliers > 0) {
        std::string where;
        for (const auto& m : capture.first_outliers)
            where += (where.empty() ? "" : ", ") + m.location;
        if (capture.outliers > capture.first_outliers.size()) where += ", …";
        out.push_back(fmt::format(
            "replay: {} record(s) quarantined in {}, too far from their neighbours' time ({}); "
            "first: {}",
            capture.outliers, spec.file, where, capture.first_outliers.front().reason));
    }
    if (capture.late > 0) {
        out.push_back(fmt::format(
            "replay: {} record(s) arrived later than the reorder window ({}) and were sent at once",
            capture.late,
            fmt::format("{:.3g}s", std::chrono::duration<double>(spec.reorder_window).count())));
    }
    if (spec.per_connection && capture.kept > 0 && capture.with_connection == 0) {
        out.emplace_back(
            "replay: per_connection had nothing to order: no replayed record names its client "
            "connection");
    }
    if (!summary.failure.empty()) out.push_back("replay stopped early: " + summary.failure);
    return out;
}

// `--metrics-listen` (docs/metrics.md): the endpoint and the listener that feeds it, alive
// until execute_plan returns, so that a last scrape after the load still finds the final totals.
struct MetricsEndpoint {
    MetricsEndpoint(const observe::ListenAddress& address, std::vector<std::string> names)
        : server(address), exporter(std::move(names), [this](std::string text) {
              server.publish(std::move(text));
          }) {}
    observe::MetricsServer server;
    observe::MetricsExporter exporter;
};

// Starts the endpoint `listen` asks for (nothing when it is empty) and prints its URL on stderr;
// the usage exit code, with the reason printed, when it cannot listen.
std::optional<int> start_metrics_endpoint(const std::string& listen,
                                          const std::vector<std::string>& request_names,
                                          std::optional<MetricsEndpoint>& endpoint) {
    if (listen.empty()) return std::nullopt;
    try {
        endpoint.emplace(observe::parse_listen_address(listen), request_names);
    } catch (const std::exception& e) {  // std::invalid_argument, observe::MetricsListenError
        std::cerr << "error: --metrics-listen: " << e.what() << "\n";
        return pipeline::kExitUsage;
    }
    std::cerr << "metrics: " << endpoint->server.url() << "\n";
    return std::nullopt;
}

// segment.json's header: the plan as loaded, the target as the reports describe it, the result.
reports::SegmentHeader segment_header(const scenarios::Plan& plan,
                                      const reports::RunMetadata& metadata,
                                      const engine::RunResult& result,
                                      const std::optional<reports::ObservedRun>& observed) {
    reports::SegmentHeader header;
    header.scenario_name = plan.name;
    header.scenario_file = plan.file;
    header.scenario_hash = plan.scenario_hash;
    header.scenario_yaml = plan.scenario_yaml;
    header.target_kind = metadata.target_kind;
    header.target_url = metadata.target_url;
    header.target_notices = metadata.target_notices;
    header.reports_tiers = metadata.reports_tiers;
    header.protocol = metadata.protocol;
    header.interval = plan.run.interval;
    header.result = result;
    header.result.totals = engine::IntervalStats();
    header.result.intervals.clear();
    header.observed = observed;
    return header;
}

}  // namespace

int report_scenario_error(const scenarios::ScenarioError& e) {
    for (const auto& d : e.diagnostics())
        std::cerr << "error: " << scenarios::format_diagnostic(d) << "\n";
    return pipeline::kExitUsage;
}

std::filesystem::path output_dir(const scenarios::Plan& plan) {
    if (!plan.output.dir.empty()) return plan.output.dir;
    std::string safe;
    for (char c : plan.name)
        safe.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c
                                                                                           : '_');
    return std::filesystem::path("results") /
           fmt::format("{}-{:%Y%m%dT%H%M%SZ}", safe, fmt::gmtime(std::time(nullptr)));
}

int execute_plan(scenarios::Plan plan, const ReportOptions& options) {
    std::optional<replay::ReplayRun> replay;
    if (plan.replay) {
        try {
            replay.emplace(*plan.replay, plan.run.seed);
            if (plan.replay->strict) replay->check_every_record();
        } catch (const std::exception& e) {  // ReplayInputError, std::invalid_argument
            std::cerr << "error: replay: " << e.what() << "\n";
            return pipeline::kExitUsage;
        }
    }

    BuiltTarget target;
    if (const int code = build_target_or_report([&] { target = make_target(plan); });
        code != pipeline::kExitPass)
        return code;
    PlanRunExtras extras;
    if (replay) extras.replay = &*replay;
    return execute_plan(std::move(plan), target, options, extras).exit_code;
}

PlanRunOutcome execute_plan(scenarios::Plan plan, const BuiltTarget& target,
                            const ReportOptions& options, const PlanRunExtras& extras) {
    const auto failed = [](int exit_code) { return PlanRunOutcome{exit_code, {}}; };
    apply_streams_per_connection(target, plan.run);  // HTTP/2: slots are streams
    replay::ReplayRun* const replay = extras.replay;
    const auto dir = output_dir(plan);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        std::cerr << "error: cannot create output directory " << dir.string() << ": "
                  << ec.message() << "\n";
        return failed(pipeline::kExitCannotRun);
    }
    const auto& formats = options.formats.empty() ? plan.output.formats : options.formats;

    std::vector<std::string> names;
    for (const auto& r : plan.requests) names.push_back(r.name);
    plan.run.request_names = names;

    const auto* open = std::get_if<engine::OpenProfile>(&plan.run.profile);
    std::optional<RunJudges> judges;
    try {
        judges.emplace(plan, dir, formats);
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: " << e.what() << "\n";
        return failed(pipeline::kExitUsage);
    }
    std::vector<engine::IntervalListener*> listeners = judges->listeners();
    UnreachableGuard unreachable;
    listeners.push_back(&unreachable);
    std::optional<reports::SegmentRecorder> segment_recorder;
    if (plan.run.segment.count > 1) listeners.push_back(&segment_recorder.emplace());
    std::optional<ProgressLine> progress;
    if (extras.progress_line && !options.quiet && ::isatty(STDERR_FILENO)) {
        double total_s = 0;
        std::vector<reports::StageMark> stages;
        if (open) {
            total_s = std::chrono::duration<double>(engine::total_duration(*open)).count();
            if (open->stages.size() > 1) stages = reports::stage_marks(*open);
        } else {
            total_s = std::chrono::duration<double>(
                          std::get<engine::ClosedProfile>(plan.run.profile).duration)
                          .count();
        }
        listeners.push_back(&progress.emplace(total_s, std::move(stages)));
    }
    std::optional<MetricsEndpoint> metrics;
    if (const auto code = start_metrics_endpoint(options.metrics_listen, names, metrics))
        return failed(*code);
    if (metrics) listeners.push_back(&metrics->exporter);
    listeners.insert(listeners.end(), extras.listeners.begin(), extras.listeners.end());
    // observe: read on a thread of its own; the engine's collector only queues each interval.
    std::optional<observe::RunObservation> observation;
    // Segments of a distributed run: segment 0 alone reads the servers, for the whole run (the
    // merge computes its per-request figures again on every segment's counts).
    const bool observes = !plan.observe.empty() && plan.run.segment.index == 0;
    if (!plan.observe.empty() && !observes) {
        std::cerr << fmt::format(
            "  observe: segment 0 reads the servers for the whole run, not "
            "segment {}\n",
            plan.run.segment.index);
    }
    if (observes) {
        try {
            observe::Observer::RequestTags tags;
            for (const auto& request : plan.requests) tags.emplace_back(request.tags);
            listeners.push_back(&observation.emplace(plan.observe, names, tags).listener());
        } catch (const std::invalid_argument& e) {  // a source refused its settings
            std::cerr << "error: observe: " << e.what() << "\n";
            return failed(pipeline::kExitUsage);
        }
    }

    engine::RunInputs inputs{*target.target,
                             [&plan](std::size_t worker, std::size_t workers) {
                                 return scenarios::make_request_source(plan, worker, workers);
                             },
                             {},
                             listeners};
    if (replay) {
        replay->prepare(plan.run.segment, engine::worker_count(plan.run));
        inputs.make_source = [replay](std::size_t worker, std::size_t workers) {
            return replay->make_source(worker, workers);
        };
        inputs.make_schedule = [replay](std::size_t worker, std::size_t workers) {
            return replay->make_schedule(worker, workers);
        };
    }
    // A synchronised start (docs/distributed.md): said on stderr even with --quiet, since in a
    // pod's log this line tells a generator that waits from one that hangs.
    inputs.on_start_wait = [](std::chrono::system_clock::time_point at, engine::Nanos wait) {
        std::cerr << fmt::format("  waiting for the start at {:%Y-%m-%dT%H:%M:%S}Z (in {} s)\n",
                                 fmt::gmtime(std::chrono::system_clock::to_time_t(at)),
                                 std::chrono::ceil<std::chrono::seconds>(wait).count());
    };
    if (extras.before_load) extras.before_load();
    if (observation) {
        // The baseline is taken when the measurement starts: after the head start, or at the
        // --start-at time, then the warm-up.
        engine::Nanos until_t0 = engine::kRunHeadStart;
        if (plan.run.start_at) {
            until_t0 = std::max(engine::Nanos{0},
                                std::chrono::duration_cast<engine::Nanos>(
                                    *plan.run.start_at - std::chrono::system_clock::now()));
        }
        observation->start(until_t0 + plan.run.warmup);
    }
    engine::RunResult result;
    try {
        result = engine::run(plan.run, inputs);
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: " << e.what() << "\n";
        return failed(pipeline::kExitUsage);
    } catch (const engine::StartMissed& e) {
        std::cerr << "error: " << e.what() << "\n";
        return failed(pipeline::kExitStartMissed);
    } catch (const engine::StartInterrupted& e) {
        std::cerr << "  " << e.what() << "\n";
        return failed(pipeline::kExitInterrupted);
    } catch (const std::exception& e) {
        std::cerr << "error: the run could not be carried out: " << e.what() << "\n";
        return failed(pipeline::kExitCannotRun);
    }
    if (extras.after_load) extras.after_load();
    progress.reset();
    std::optional<reports::ObservedRun> observed;
    if (observation) observed = observation->finish(result.intervals.size());

    RunEnding ending;
    ending.metadata = metadata_for(plan, target);
    ending.expectations.source_end_expected = source_end_expected(plan);
    if (replay) {
        const auto summary = replay->summary();
        for (auto& notice : replay_notices(*plan.replay, summary))
            ending.metadata.target_notices.push_back(std::move(notice));
        ending.extra_analysis["replay"] = replay_analysis(*plan.replay, summary);
        ending.expectations.replay_failure = summary.failure;
    }
    ending.observed = observed ? &*observed : nullptr;
    if (plan.run.segment.count > 1) {
        ending.amend_summary = [segment = plan.run.segment](json::object& summary) {
            summary["segment"] = json::object{{"index", segment.index}, {"count", segment.count}};
        };
    }
    const auto metadata = ending.metadata;
    auto outcome = judges->finish(result, ending, options);
    if (segment_recorder && !outcome.summary.empty()) {
        // Last: segment.json's presence tells a waiting merge that the segment is complete.
        try {
            reports::write_segment_file(dir, segment_header(plan, metadata, result, observed),
                                        segment_recorder->take());
        } catch (const std::exception& e) {
            std::cerr << "error: writing segment.json: " << e.what() << "\n";
            return failed(pipeline::kExitCannotRun);
        }
    }
    return outcome;
}

}  // namespace volley::pipeline
