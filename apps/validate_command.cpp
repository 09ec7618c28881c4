#include "apps/validate_command.hpp"

#include "apps/run_command.hpp"
#include "scenarios/language/loader.hpp"
#include "slo/slo_scenario.hpp"

#include <fmt/format.h>

#include <fstream>
#include <ostream>
#include <sstream>

namespace volley::apps {
namespace {

std::string describe_phase(const slo::SloPhaseSettings& phase) {
    if (phase.rate) return fmt::format("{} {} for {}", phase.name, *phase.rate, phase.duration);
    return fmt::format("{} {} VUs for {}", phase.name, phase.vus, phase.duration);
}

// True when the SLO scenario `text` is valid; prints the outcome either way.
bool validate_slo(const std::string& file, const std::string& text, std::ostream& out) {
    try {
        slo::SloScenarioArgs args;
        args.file = file;
        const slo::SloSetup setup = slo::plan_slo_phases(text, args);
        const auto& s = setup.settings;
        const std::string http =
            s.http.enabled
                ? fmt::format(", {} over HTTP ({} service thread{})", describe_phase(s.http.phase),
                              s.http.service_threads, s.http.service_threads == 1 ? "" : "s")
                : std::string();
        out << fmt::format("{}: ok (slo: {}, phases {}, {}, {}{})\n", file, setup.cold.name,
                           describe_phase(s.cold), describe_phase(s.warm), describe_phase(s.mixed),
                           http);
        return true;
    } catch (const scenarios::ScenarioError& error) {
        for (const auto& diagnostic : error.diagnostics())
            out << scenarios::format_diagnostic(diagnostic) << '\n';
    } catch (const std::exception& error) {
        out << fmt::format("{}: {}\n", file, error.what());
    }
    return false;
}

}  // namespace

int validate_command(const std::vector<std::string>& files, std::ostream& out) {
    bool all_valid = true;
    for (const auto& file : files) {
        std::ifstream in(file, std::ios::binary);
        std::ostringstream text;
        if (in) text << in.rdbuf();
        if (in && slo::is_slo_scenario(text.str())) {
            all_valid = validate_slo(file, text.str(), out) && all_valid;
        } else {
            // Unreadable files are reported by the scenario loader too.
            all_valid = scenarios::validate_files({file}, out) == 0 && all_valid;
        }
    }
    return all_valid ? kExitPass : kExitUsage;
}

}  // namespace volley::apps
