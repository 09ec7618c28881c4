#include "pipeline/run_judges.hpp"

#include "engine/segments.hpp"
#include "history/store.hpp"
#include "pipeline/exit_codes.hpp"
#include "reports/console.hpp"
#include "reports/run_summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>

namespace volley::pipeline {
namespace json = boost::json;

namespace {

// Adds the finished run's directory to the history store. A store that fails leaves the files as
// they are and the exit code the run's own: the run can be added later (docs/history.md).
void add_to_history(const std::string& location, const std::filesystem::path& dir) {
    try {
        const auto store = history::open_store(location);
        const auto id = store->add(dir);
        std::cerr << "  stored in the history " << store->location() << " as run " << id << "\n";
    } catch (const std::exception& e) {
        std::cerr << "error: the history store did not take the run: " << e.what()
                  << "\n  the run's files are intact in " << dir.string()
                  << "/; add them later with: volley history add " << dir.string()
                  << " --store URL\n";
    }
}

std::vector<std::string> request_names(const scenarios::Plan& plan) {
    std::vector<std::string> names;
    for (const auto& r : plan.requests) names.push_back(r.name);
    return names;
}

// A segment's target is its part of the whole run's: the global rate / n (engine/segments.hpp).
double recorded_target_rps(const scenarios::Plan& plan) {
    const auto* open = std::get_if<engine::OpenProfile>(&plan.run.profile);
    return open ? engine::recorded_target_rps(*open, plan.run.warmup) *
                      engine::segment_fraction(plan.run.segment)
                : 0.0;
}

bool wants(const std::vector<std::string>& formats, std::string_view format) {
    return formats.empty() || std::find(formats.begin(), formats.end(), format) != formats.end();
}

}  // namespace

bool source_end_expected(const scenarios::Plan& plan) {
    for (const auto& variable : plan.variables) {
        if (const auto* csv = std::get_if<scenarios::CsvFeeder>(&variable.source);
            csv && csv->end_run_when_exhausted)
            return true;
    }
    return false;
}

RunJudges::RunJudges(const scenarios::Plan& plan, const std::filesystem::path& dir,
                     std::vector<std::string> formats, std::optional<double> hlog_start_time_s)
    : plan_(plan),
      dir_(dir),
      formats_(std::move(formats)),
      thresholds_(plan.thresholds, request_names(plan), recorded_target_rps(plan), plan.catalog),
      analyser_(plan.analysis, &thresholds_) {
    if (wants(formats_, "hlog"))
        hlog_.emplace(dir / "latency.hlog", request_names(plan), plan.catalog, hlog_start_time_s);
}

std::vector<engine::IntervalListener*> RunJudges::listeners() {
    std::vector<engine::IntervalListener*> out{&thresholds_, &analyser_};
    if (hlog_) out.push_back(&*hlog_);
    return out;
}

PlanRunOutcome RunJudges::finish(const engine::RunResult& result, const RunEnding& ending,
                                 const ReportOptions& options) {
    json::object analysis = analyser_.analyse(result);
    for (const auto& [key, value] : ending.extra_analysis) analysis[key] = value;
    auto checks = thresholds_.results(result);
    for (auto& check : reports::run_checks(result, ending.expectations))
        checks.push_back(std::move(check));
    auto summary = reports::make_summary(result, ending.metadata, std::move(checks),
                                         std::move(analysis), ending.observed);
    // How the run ended, judged against the plan: `expected` false fails the verdict (above).
    auto& stop = summary["stop"].as_object();
    const auto& replay_failure = ending.expectations.replay_failure;
    if (!replay_failure.empty() && result.stop_reason == engine::StopReason::completed) {
        stop["reason"] = "source_exhausted";
        stop["detail"] = "replay input ended early: " + replay_failure;
    }
    stop["expected"] = !reports::ended_early(result, ending.expectations);
    if (ending.amend_summary) ending.amend_summary(summary);
    // Every file is tried on its own (reports/run_outputs.hpp): on a full disk the files that
    // could be written stay whole, each one that could not is named with the reason, exit 1.
    std::vector<reports::OutputWriteError> failed;
    if (hlog_) {
        hlog_->close();
        if (hlog_->failure()) failed.push_back(*hlog_->failure());
    }
    try {
        try {
            reports::write_summary_json(dir_, summary);
        } catch (const reports::OutputWriteError& e) {
            failed.push_back(e);
        }
        // The renderers read the typed summary parsed from the object summary.json holds, so
        // the files and summary.json cannot disagree.
        const auto rendered = reports::parse_run_summary(summary, (dir_ / "summary.json").string());
        auto files = reports::write_reports(dir_, rendered, formats_,
                                            !hlog_ || !hlog_->failure().has_value());
        for (auto& failure : files.failed) failed.push_back(std::move(failure));
        if (!options.quiet) {
            std::cout << reports::render_console(rendered, options.latency_spectrum);
            if (failed.empty()) std::cout << "\n  results in " << dir_.string() << "/\n";
        }
    } catch (const std::exception& e) {
        std::cerr << "error: writing reports: " << e.what() << "\n";
        return PlanRunOutcome{pipeline::kExitCannotRun, {}};
    }
    if (!failed.empty()) {
        for (const auto& failure : failed) std::cerr << "error: " << failure.what() << "\n";
        std::cerr << "  the run's other files are whole in " << dir_.string() << "/\n";
        return PlanRunOutcome{pipeline::kExitCannotRun, {}};
    }

    const auto& segment = result.segment;
    if (!plan_.output.store.empty()) {
        if (segment.count > 1) {
            std::cerr << "  not stored in the history: a segment is a share of the run; store "
                         "the merged run (volley merge … --store)\n";
        } else {
            add_to_history(plan_.output.store, dir_);
        }
    }

    PlanRunOutcome outcome{pipeline::kExitPass, std::move(summary)};
    const auto* verdict = outcome.summary.if_contains("verdict");
    if (result.stop_reason == engine::StopReason::interrupted ||
        result.stop_reason == engine::StopReason::interrupted_immediately) {
        outcome.exit_code = pipeline::kExitInterrupted;
    } else if (verdict && verdict->is_string() && verdict->get_string() == "fail") {
        if (segment.count > 1) {
            // One segment's figures are a share of the load: the merge judges the whole run.
            std::cerr << fmt::format(
                "  segment {}/{}: its own thresholds failed; the verdict is volley merge's\n",
                segment.index, segment.count);
        } else {
            outcome.exit_code = pipeline::kExitThresholdFailed;
        }
    }
    return outcome;
}

}  // namespace volley::pipeline
