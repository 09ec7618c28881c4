#include "apps/run_command.hpp"

#include "apps/target_factory.hpp"
#include "engine/runner.hpp"
#include "reports/analysis.hpp"
#include "reports/console.hpp"
#include "reports/progress.hpp"
#include "reports/run_outputs.hpp"
#include "reports/summary_json.hpp"
#include "reports/thresholds.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/request_source.hpp"
#include "targets/http_target.hpp"

#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

namespace volley::apps {
namespace json = boost::json;

namespace {

// `volley run -u URL …` without a file: the flags become a scenario, so that one loader
// validates both and the run is described the same way in the report.
std::string scenario_from_flags(const RunOptions& o) {
    const auto parsed = boost::urls::parse_uri(*o.url);
    if (!parsed) throw std::invalid_argument(fmt::format("-u/--url: invalid URL '{}': {}", *o.url, parsed.error().message()));
    std::string base = fmt::format("{}://{}", std::string(parsed->scheme()), std::string(parsed->encoded_authority()));
    std::string path = parsed->encoded_path().empty() ? "/" : std::string(parsed->encoded_path());
    if (parsed->has_query()) path = fmt::format("{}?{}", path, std::string(parsed->encoded_query()));
    json::object request{{"name", "default"}, {"method", o.method.value_or("GET")}, {"path", path}};
    if (!o.headers.empty()) {
        json::object headers;
        for (const auto& h : o.headers) {
            const auto colon = h.find(':');
            if (colon == std::string::npos) throw std::invalid_argument(fmt::format("-H/--header '{}': expected 'Name: value'", h));
            std::string value = h.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            headers[h.substr(0, colon)] = value;
        }
        request["headers"] = std::move(headers);
    }
    if (o.body) request["body"] = *o.body;
    json::object load;
    if (o.vus) {
        load["vus"] = *o.vus;
    } else {
        load["rate"] = o.rate.value_or("100/s");
    }
    load["duration"] = o.duration.value_or("10s");
    json::object http{{"base_url", base}};
    const std::string host(parsed->host());
    json::object scenario{{"name", host.empty() ? std::string("volley") : host},
                          {"target", json::object{{"http", std::move(http)}}},
                          {"load", std::move(load)},
                          {"requests", json::array{std::move(request)}}};
    return json::serialize(scenario);  // JSON is YAML
}

// Flags given with a scenario file override its keys, as --set does.
std::vector<std::string> overrides_from_flags(const RunOptions& o, bool with_file) {
    std::vector<std::string> sets;
    if (with_file) {
        if (o.url) sets.push_back("target.http.base_url=" + *o.url);
        if (o.rate) sets.push_back("load.rate=" + *o.rate);
        if (o.duration) sets.push_back("load.duration=" + *o.duration);
        if (o.vus) sets.push_back(fmt::format("load.vus={}", *o.vus));
    }
    if (o.connections) sets.push_back(fmt::format("target.http.connections={}", *o.connections));
    if (o.threads) sets.push_back(fmt::format("load.threads={}", *o.threads));
    if (o.warmup) sets.push_back("load.warmup=" + *o.warmup);
    if (o.out_dir) sets.push_back("output.dir=" + *o.out_dir);
    sets.insert(sets.end(), o.sets.begin(), o.sets.end());
    return sets;
}

std::filesystem::path output_dir(const scenarios::Plan& plan) {
    if (!plan.output.dir.empty()) return plan.output.dir;
    std::string safe;
    for (char c : plan.name) safe.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_');
    return std::filesystem::path("results") /
           fmt::format("{}-{:%Y%m%dT%H%M%SZ}", safe, fmt::gmtime(std::time(nullptr)));
}

// Redraws one progress line on a terminal each interval.
class ProgressLine final : public engine::IntervalListener {
public:
    ProgressLine(double total_s, std::vector<reports::StageMark> stages) : total_s_(total_s), stages_(std::move(stages)) {}
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
        if (!all.response_time.empty()) state.p99_ms = static_cast<double>(all.response_time.value_at_percentile(99)) / 1e6;
        state.errors = errors_;
        state.dropped = dropped_;
        for (std::size_t i = 0; i < stages_.size(); ++i) {
            if (state.elapsed_s <= stages_[i].end_s || i + 1 == stages_.size()) {
                state.stage_label = fmt::format("stage {}/{} -> {:.0f}/s", i + 1, stages_.size(), stages_[i].target_rps);
                break;
            }
        }
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

reports::RunMetadata metadata_for(const scenarios::Plan& plan, const BuiltTarget& target) {
    reports::RunMetadata m;
    m.scenario_name = plan.name;
    m.scenario_type = std::string(scenarios::scenario_type_name(plan.type));
    m.scenario_file = plan.file;
    m.target_kind = target.kind;
    m.target_url = target.url;
    m.target_notices = target.target->notices();
    m.reports_tiers = target.target->reports_tiers();
    if (const auto* open = std::get_if<engine::OpenProfile>(&plan.run.profile)) m.stages = reports::stage_marks(*open);
    return m;
}

int report_scenario_error(const scenarios::ScenarioError& e) {
    for (const auto& d : e.diagnostics()) std::cerr << "error: " << scenarios::format_diagnostic(d) << "\n";
    return kExitUsage;
}

}  // namespace

int run_command(const RunOptions& options) {
    scenarios::Plan plan;
    try {
        const bool with_file = options.scenario_file.has_value();
        if (!with_file && !options.url) {
            std::cerr << "error: volley run needs a scenario file or -u URL (see volley run --help)\n";
            return kExitUsage;
        }
        const auto sets = overrides_from_flags(options, with_file);
        plan = with_file ? scenarios::load_plan(*options.scenario_file, sets)
                         : scenarios::load_plan_from_string(scenario_from_flags(options), "command line", sets);
    } catch (const scenarios::ScenarioError& e) {
        return report_scenario_error(e);
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitUsage;
    }

    BuiltTarget target;
    try {
        target = make_target(plan);
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: target: " << e.what() << "\n";
        return kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "error: target: " << e.what() << "\n";
        return kExitCannotRun;
    }

    const auto dir = output_dir(plan);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        std::cerr << "error: cannot create output directory " << dir.string() << ": " << ec.message() << "\n";
        return kExitCannotRun;
    }
    const auto& formats = options.formats.empty() ? plan.output.formats : options.formats;
    const bool want_hlog = formats.empty() || std::find(formats.begin(), formats.end(), "hlog") != formats.end();

    std::vector<std::string> names;
    for (const auto& r : plan.requests) names.push_back(r.name);
    plan.run.request_names = names;

    double target_rps = 0;
    if (const auto* open = std::get_if<engine::OpenProfile>(&plan.run.profile); open && !open->stages.empty())
        target_rps = engine::expected_requests(*open) /
                     std::chrono::duration<double>(engine::total_duration(*open)).count();
    reports::ThresholdEvaluator thresholds(plan.thresholds, names, target_rps);
    reports::RunAnalyser analyser(reports::AnalysisSettings::from_plan(plan), &thresholds);
    // Thresholds first: an abort_on_fail decision is taken before anything else looks.
    std::vector<engine::IntervalListener*> listeners{&thresholds, &analyser};
    std::optional<reports::HlogRecorder> hlog;
    if (want_hlog) listeners.push_back(&hlog.emplace(dir / "latency.hlog", names));
    std::optional<ProgressLine> progress;
    if (!options.quiet && ::isatty(STDERR_FILENO)) {
        double total_s = 0;
        std::vector<reports::StageMark> stages;
        if (const auto* open = std::get_if<engine::OpenProfile>(&plan.run.profile)) {
            total_s = std::chrono::duration<double>(engine::total_duration(*open)).count();
            if (open->stages.size() > 1) stages = reports::stage_marks(*open);
        } else {
            total_s = std::chrono::duration<double>(std::get<engine::ClosedProfile>(plan.run.profile).duration).count();
        }
        listeners.push_back(&progress.emplace(total_s, std::move(stages)));
    }

    engine::RunInputs inputs{*target.target,
                             [&plan](std::size_t worker, std::size_t workers) {
                                 return scenarios::make_request_source(plan, worker, workers);
                             },
                             {},
                             listeners};
    engine::RunResult result;
    try {
        result = engine::run(plan.run, inputs);
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "error: the run could not be carried out: " << e.what() << "\n";
        return kExitCannotRun;
    }
    progress.reset();

    const auto summary =
        reports::make_summary(result, metadata_for(plan, target), thresholds.results(result), analyser.analyse(result));
    try {
        const auto files = reports::write_reports(dir, summary, formats);
        if (!options.quiet) {
            std::cout << reports::render_console(summary, options.latency_spectrum);
            std::cout << "\n  results in " << dir.string() << "/\n";
        }
    } catch (const std::exception& e) {
        std::cerr << "error: writing reports: " << e.what() << "\n";
        return kExitCannotRun;
    }

    if (result.stop_reason == engine::StopReason::interrupted ||
        result.stop_reason == engine::StopReason::interrupted_immediately)
        return kExitInterrupted;
    const auto* verdict = summary.if_contains("verdict");
    if (verdict && verdict->is_string() && verdict->get_string() == "fail") return kExitThresholdFailed;
    return kExitPass;
}

}  // namespace volley::apps
