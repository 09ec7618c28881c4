#include "apps/k8s_command.hpp"

#include "apps/k8s_manifests.hpp"
#include "apps/run_command.hpp"
#include "apps/start_at.hpp"
#include "reports/run_outputs.hpp"
#include "scenarios/language/loader.hpp"
#include "thresholds/units.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

namespace volley::apps {
namespace {

struct K8sOptions {
    std::string scenario;
    std::size_t segments = 0;
    std::string image;
    std::string namespace_name;
    std::string start_at = "+120s";
    std::string max_start_lag = "1s";
    std::string cpu = "1";
    std::string memory = "1Gi";
    std::string storage_class;
    std::string volume_claim;
    std::string storage = "1Gi";
    std::string out = "-";
};

// From the start, how long the merge Job waits for the last segment: the run's warm-up, its
// length and its drain, plus ten minutes for pods that finish writing late.
std::chrono::seconds merge_wait(const scenarios::Plan& plan) {
    engine::Nanos length{std::chrono::hours(1)};  // a replay's length is its capture's
    if (const auto* open = std::get_if<engine::OpenProfile>(&plan.run.profile);
        open && !open->stages.empty())
        length = engine::total_duration(*open);
    else if (const auto* closed = std::get_if<engine::ClosedProfile>(&plan.run.profile))
        length = closed->duration;
    return std::chrono::ceil<std::chrono::seconds>(plan.run.warmup + length + plan.run.drain) +
           std::chrono::minutes(10);
}

int k8s_command(const K8sOptions& options) {
    std::ifstream in(options.scenario, std::ios::binary);
    if (!in) {
        std::cerr << fmt::format("error: {}: cannot read the scenario file\n", options.scenario);
        return kExitUsage;
    }
    std::ostringstream text;
    text << in.rdbuf();
    K8sSettings settings;
    try {
        // Checked here, where a mistake is cheap, rather than in N pods.
        const auto plan = scenarios::load_plan(options.scenario, {});
        settings.name = k8s_run_name(plan.name);
        settings.merge_wait = merge_wait(plan);
        settings.start_at = parse_start_at(options.start_at, std::chrono::system_clock::now());
        (void)parse_max_start_lag(options.max_start_lag);
    } catch (const scenarios::ScenarioError& error) {
        for (const auto& diagnostic : error.diagnostics())
            std::cerr << scenarios::format_diagnostic(diagnostic) << '\n';
        return kExitUsage;
    } catch (const std::invalid_argument& error) {
        std::cerr << "error: " << error.what() << '\n';
        return kExitUsage;
    }
    settings.namespace_name = options.namespace_name;
    settings.image = options.image;
    settings.segments = options.segments;
    settings.scenario_file = std::filesystem::path(options.scenario).filename().string();
    settings.scenario_yaml = text.str();
    settings.max_start_lag = options.max_start_lag;
    settings.cpu = options.cpu;
    settings.memory = options.memory;
    settings.storage_class = options.storage_class;
    settings.volume_claim = options.volume_claim;
    settings.storage = options.storage;
    std::vector<K8sManifest> manifests;
    try {
        manifests = k8s_manifests(settings);
    } catch (const std::invalid_argument& error) {
        std::cerr << "error: " << error.what() << '\n';
        return kExitUsage;
    }
    if (settings.start_at < std::chrono::system_clock::now() + std::chrono::seconds(30)) {
        std::cerr << fmt::format(
            "note: the start {:%Y-%m-%dT%H:%M:%S}Z is less than 30 s away or past: pods that are "
            "not running by then exit 3 (start missed)\n",
            fmt::gmtime(std::chrono::system_clock::to_time_t(settings.start_at)));
    }
    if (options.out == "-") {
        std::cout << k8s_manifest_stream(manifests);
        return kExitPass;
    }
    const std::filesystem::path dir(options.out);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        std::cerr << fmt::format("error: cannot create {}: {}\n", dir.string(), ec.message());
        return kExitCannotRun;
    }
    for (const auto& manifest : manifests) {
        try {
            reports::write_file_atomically(dir / manifest.file_name, manifest.yaml);
        } catch (const reports::OutputWriteError& e) {
            std::cerr << "error: " << e.what() << "\n";
            return kExitCannotRun;
        }
    }
    std::cerr << fmt::format(
        "wrote {} manifests to {}/ (start at {:%Y-%m-%dT%H:%M:%S}Z, results in {} on the claim)\n"
        "  kubectl apply -f {}/\n",
        manifests.size(), dir.string(),
        fmt::gmtime(std::chrono::system_clock::to_time_t(settings.start_at)),
        k8s_run_directory(settings), dir.string());
    return kExitPass;
}

}  // namespace

void add_k8s_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<K8sOptions>();
    auto* cmd = app.add_subcommand(
        "k8s", "Write the Kubernetes manifests of a distributed run (docs/distributed.md)");
    cmd->add_option("scenario", options->scenario, "Scenario YAML file")->required();
    cmd->add_option("--segments", options->segments, "Number of generator pods (segments)")
        ->required()
        ->check(CLI::PositiveNumber);
    cmd->add_option("--image", options->image, "Container image holding volley (deploy/Dockerfile)")
        ->required();
    cmd->add_option("--namespace", options->namespace_name,
                    "Namespace written into the manifests (default: none, kubectl's current)");
    cmd->add_option("--start-at", options->start_at,
                    "When every segment starts: RFC 3339 whole second, or +DURATION from now "
                    "(default +120s), written as an absolute time");
    cmd->add_option("--max-start-lag", options->max_start_lag,
                    "A segment later than this after the start refuses to run (default 1s)");
    cmd->add_option("--cpu", options->cpu, "Whole CPUs per generator pod (default 1)");
    cmd->add_option("--memory", options->memory, "Memory per generator pod (default 1Gi)");
    cmd->add_option("--storage-class", options->storage_class,
                    "Storage class of the results claim (ReadWriteMany; default: the cluster's)");
    cmd->add_option("--volume-claim", options->volume_claim,
                    "Use this existing ReadWriteMany claim for the results instead of a new one");
    cmd->add_option("--storage", options->storage, "Size of the results claim (default 1Gi)");
    cmd->add_option("-o,--out", options->out,
                    "Directory to write the manifests to, or - for stdout (default -)");
    cmd->callback([options, &exit_code] { exit_code = k8s_command(*options); });
}

}  // namespace volley::apps
