#include "apps/slo_command.hpp"

#include "apps/run_command.hpp"
#include "pipeline/run_pipeline.hpp"
#include "pipeline/target_factory.hpp"
#include "reports/run_outputs.hpp"
#include "reports/slo_validation.hpp"
#include "reports/summary_access.hpp"
#include "reports/summary_json.hpp"
#include "resolver/group.hpp"
#include "slo/slo_measurements.hpp"
#include "slo/slo_phases.hpp"
#include "slo/slo_scenario.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

namespace volley::apps {
namespace json = boost::json;

namespace {

struct SloOptions {
    slo::SloScenarioArgs scenario;
    std::optional<std::string> baseline, execution_id;
    bool quiet = false;
};

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read the file");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string new_execution_id() {
    std::random_device rd;
    return fmt::format("slo-{:%Y%m%dT%H%M%SZ}-{:08x}", fmt::gmtime(std::time(nullptr)), rd());
}

std::map<std::string, double> read_baseline(const std::string& path) {
    return reports::slo_baseline_from_json(boost::json::parse(read_text(path)).as_object());
}

// Writes `report` to `path`; kExitCannotRun (printed) when it cannot.
int write_report(const json::object& report, const std::filesystem::path& path) {
    try {
        reports::write_file_atomically(path, reports::to_pretty_json(report));
        return kExitPass;
    } catch (const std::exception& e) {
        std::cerr << "error: writing " << path.string() << ": " << e.what() << "\n";
        return kExitCannotRun;
    }
}

void print_report(const std::string& heading, const json::object& report,
                  const std::filesystem::path& path) {
    std::cout << "\n"
              << heading << ": " << std::string(report.at("overall_status").as_string()) << "\n";
    for (const auto& s : report.at("slos_validated").as_array()) {
        const auto& so = s.as_object();
        const auto actual = reports::number_at(so, "actual_value");
        std::cout << fmt::format("  {:<8} {:<26} {:<17} {:>10} {}\n",
                                 std::string(so.at("status").as_string()),
                                 std::string(so.at("metric_name").as_string()),
                                 std::string(so.at("statistic").as_string()),
                                 actual ? fmt::format("{:.4g}", *actual) : std::string("-"),
                                 std::string(so.at("unit").as_string()));
    }
    std::cout << "  written to " << path.string() << "\n";
}

// ---- the command -----------------------------------------------------------------------------

int slo_command(const SloOptions& o) {
    const std::string& file = o.scenario.file;
    std::string text;
    try {
        text = read_text(file);
    } catch (const std::exception& e) {
        std::cerr << "error: " << file << ": " << e.what() << "\n";
        return kExitUsage;
    }
    const std::string execution_id = o.execution_id.value_or(new_execution_id());
    slo::SloSetup setup;
    try {
        setup = slo::read_slo_setup(text, o.scenario, fmt::format("volley:{}:", execution_id));
    } catch (const scenarios::ScenarioError& e) {
        return pipeline::report_scenario_error(e);
    } catch (const YAML::Exception& e) {
        std::cerr << "error: " << file << ": slo: " << e.what() << "\n";
        return kExitUsage;
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: " << file << ": " << e.what() << "\n";
        return kExitUsage;
    }

    std::shared_ptr<resolver::ResolverGroup> group;
    if (const int code = pipeline::build_target_or_report(
            [&] { group = std::make_shared<resolver::ResolverGroup>(setup.resolver); });
        code != kExitPass)
        return code;
    if (!o.quiet) std::cout << "resolver: " << group->describe() << "\n";

    const auto phases = slo::run_slo_phases(setup, group, o.quiet);
    if (phases.exit_code != kExitPass) return phases.exit_code;

    const auto& settings = setup.settings;
    reports::SloReportInput input;
    input.timestamp = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
    input.pipeline_execution_id = execution_id;
    // The http file's input: the same run, its own measurements and baseline.
    reports::SloReportInput http_input = input;
    input.measurements = slo::measure(setup.mixed, settings.mixed, phases.mixed);
    if (o.baseline) {
        try {
            input.baseline = read_baseline(*o.baseline);
            input.baseline_source = *o.baseline;
            // The http phase compares with the http file next to the baseline, when there is one.
            const auto http_baseline =
                std::filesystem::path(*o.baseline).parent_path() / "http" / "slo_validation.json";
            if (phases.http && std::filesystem::exists(http_baseline)) {
                http_input.baseline = read_baseline(http_baseline.string());
                http_input.baseline_source = http_baseline.string();
            }
        } catch (const std::exception& e) {
            std::cerr << "error: --baseline " << *o.baseline << ": " << e.what() << "\n";
            return kExitUsage;
        }
    }
    const json::object environment{
        {"resolver", group->describe()},
        {"hardware_threads", std::max(1U, std::thread::hardware_concurrency())},
        {"engine_threads", phases.mixed.engine_threads},
        {"scenario_file", file}};
    const auto& dir = setup.dir;

    json::object phases_json;
    phases_json["cold"] = slo::phase_json(settings.cold, phases.cold);
    phases_json["warm"] = slo::phase_json(settings.warm, phases.warm);
    phases_json["mixed"] = slo::phase_json(settings.mixed, phases.mixed);
    std::optional<json::object> http_report;
    if (phases.http) {
        auto phase = slo::phase_json(settings.http.phase, *phases.http);
        phase["service_threads"] = settings.http.service_threads;
        phase["connections"] = settings.http.phase.vus;
        http_input.measurements = slo::measure(*setup.http, settings.http.phase, *phases.http);
        http_input.extra["measured_over"] = "http";
        http_input.extra["phase"] = phase;
        json::object http_environment = environment;
        http_environment["engine_threads"] = phases.http->engine_threads;
        http_environment["service_threads"] = settings.http.service_threads;
        http_environment["connections"] = settings.http.phase.vus;
        http_input.extra["environment"] = std::move(http_environment);
        http_report = reports::make_slo_validation(http_input);
        if (const int code = write_report(*http_report, dir / "http" / "slo_validation.json");
            code != kExitPass)
            return code;
        phase["slo_validation"] =
            json::object{{"file", "http/slo_validation.json"},
                         {"overall_status", http_report->at("overall_status")},
                         {"blockers", http_report->at("blockers")}};
        phases_json["http"] = std::move(phase);
    }
    input.extra["measured_over"] = "in_process";
    input.extra["phases"] = std::move(phases_json);
    input.extra["environment"] = environment;

    const auto report = reports::make_slo_validation(input);
    if (const int code = write_report(report, dir / "slo_validation.json"); code != kExitPass)
        return code;
    if (!o.quiet) {
        print_report("SLO validation (mixed phase, in process)", report,
                     dir / "slo_validation.json");
        if (http_report)
            print_report("SLO validation (http phase, over HTTP)", *http_report,
                         dir / "http" / "slo_validation.json");
    }
    // Either file FAILED fails the run (docs/scenarios.md "SLO scenario").
    const bool failed = report.at("overall_status").as_string() == "FAILED" ||
                        (http_report && http_report->at("overall_status").as_string() == "FAILED");
    return failed ? kExitThresholdFailed : kExitPass;
}

}  // namespace

void add_slo_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<SloOptions>();
    auto* cmd = app.add_subcommand(
        "slo",
        "Validate the resolver's SLOs: cold, warm, mixed (and http) phases -> slo_validation.json");
    auto& scenario = options->scenario;
    cmd->add_option("scenario", scenario.file,
                    "SLO scenario YAML (e.g. scenarios/slo-resolver.yaml)")
        ->required();
    cmd->add_option("--set", scenario.sets,
                    "Override a key: key.path=value; slo.<phase>.<key> for phases (repeatable)");
    cmd->add_option("-o,--out", scenario.out_dir,
                    "Output directory (default results/<name>-<UTC time>)");
    cmd->add_option("--postgres", scenario.postgres,
                    "PostgreSQL connection string (overrides target.resolver.postgres)");
    cmd->add_option("--redis", scenario.redis, "Redis URL (overrides target.resolver.redis)");
    cmd->add_option("--baseline", options->baseline,
                    "A previous slo_validation.json to detect regressions against");
    cmd->add_option("--execution-id", options->execution_id,
                    "pipeline_execution_id (default: generated)");
    cmd->add_flag("-q,--quiet", options->quiet, "No console summaries");
    cmd->callback([options, &exit_code] { exit_code = slo_command(*options); });
}

}  // namespace volley::apps
