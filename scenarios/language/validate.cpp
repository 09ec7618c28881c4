// `volley validate SCENARIO.yaml...` (README.md, docs/scenarios.md "Strictness and errors").
#include "scenarios/language/loader.hpp"
#include "scenarios/language/units.hpp"

#include <fmt/format.h>

#include <ostream>

namespace volley::scenarios {
namespace {

// "open model, 100/s for 1m30s" / "closed model, 10 VUs for 30s".
std::string describe_profile(const engine::RunSpec& run) {
    if (const auto* closed = std::get_if<engine::ClosedProfile>(&run.profile)) {
        return fmt::format("closed model, {} VUs for {}", closed->vus,
                           format_duration(closed->duration));
    }
    const auto& open = std::get<engine::OpenProfile>(run.profile);
    Nanos total{0};
    double peak = open.start_rps;
    for (const auto& stage : open.stages) {
        total += stage.duration;
        peak = std::max(peak, stage.target_rps);
    }
    return fmt::format("open model, {} stage{}, up to {} for {}", open.stages.size(),
                       open.stages.size() == 1 ? "" : "s", format_rate(peak),
                       format_duration(total));
}

}  // namespace

int validate_files(const std::vector<std::string>& files, std::ostream& out) {
    bool all_valid = true;
    for (const auto& file : files) {
        try {
            const Plan plan = load_plan(file, {});
            std::string mix = fmt::format("{} request{}", plan.mix_requests,
                                          plan.mix_requests == 1 ? "" : "s");
            if (!plan.journeys.empty()) {
                const std::size_t steps = plan.requests.size() - plan.mix_requests;
                mix = fmt::format("{}{} journey{} of {} step{}",
                                  plan.mix_requests == 0 ? "" : mix + ", ", plan.journeys.size(),
                                  plan.journeys.size() == 1 ? "" : "s", steps, steps == 1 ? "" : "s");
            }
            out << fmt::format("{}: ok ({}: {}, {}, {}, {} threshold{})\n", file,
                               scenario_type_name(plan.type), plan.name, describe_profile(plan.run),
                               mix, plan.thresholds.size(), plan.thresholds.size() == 1 ? "" : "s");
        } catch (const ScenarioError& error) {
            all_valid = false;
            for (const auto& diagnostic : error.diagnostics())
                out << format_diagnostic(diagnostic) << '\n';
        }
    }
    return all_valid ? 0 : 2;
}

}  // namespace volley::scenarios
