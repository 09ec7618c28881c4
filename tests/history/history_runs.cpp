#include "history_runs.hpp"

#include <atomic>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

#include "pipeline/run_pipeline.hpp"
#include "scenarios/language/loader.hpp"

namespace volley::history::testing {

int make_run_dir(const std::filesystem::path& dir, const FakeRunOptions& options) {
    std::string labels;
    for (const auto& [key, value] : options.labels)
        labels += fmt::format("{}\"{}\": \"{}\"", labels.empty() ? "" : ", ", key, value);
    const auto yaml = fmt::format(
        "name: \"{}\"\n"
        "target: {{http: {{base_url: \"http://127.0.0.1:9\", connections: 64}}}}\n"
        "load: {{rate: {}/s, duration: {}, threads: 1}}\n"
        "requests: [{{name: get, path: /}}]\n"
        "thresholds: {}\n"
        "output: {{dir: \"{}\", labels: {{{}}}}}\n",
        options.name, options.rate_rps, options.duration, options.thresholds, dir.string(), labels);
    auto plan = scenarios::load_plan_from_string(yaml, "history-test.yaml", {});
    auto serial = std::make_shared<std::atomic<std::uint64_t>>(0);
    auto behaviour = options.behaviour;
    if (!behaviour) {
        behaviour = [](std::uint64_t) {
            volley::testing::FakeResponse response;
            response.delay = std::chrono::milliseconds(2);
            response.status = 200;
            return response;
        };
    }
    pipeline::BuiltTarget target;
    target.target = std::make_unique<volley::testing::FakeTarget>(
        [serial, behaviour](engine::Nanos) { return behaviour((*serial)++); }, options.tiers);
    target.kind = "http";
    target.url = "http://127.0.0.1:9 (fake)";
    pipeline::ReportOptions report;
    report.quiet = true;
    const auto outcome = pipeline::execute_plan(std::move(plan), target, report);
    if (outcome.summary.empty())
        throw std::runtime_error(fmt::format("the run into {} could not be carried out (exit {})",
                                             dir.string(), outcome.exit_code));
    return outcome.exit_code;
}

}  // namespace volley::history::testing
