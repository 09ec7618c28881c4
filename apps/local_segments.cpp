#include "apps/local_segments.hpp"

#include "apps/start_at.hpp"
#include "pipeline/merge_runs.hpp"
#include "pipeline/run_pipeline.hpp"
#include "reports/run_outputs.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <iostream>

namespace volley::apps {
namespace {

// How far ahead the segments start when no --start-at is given: time for N processes to build
// their workers on one machine.
constexpr std::string_view kLocalStartIn = "+2s";

// In the child process: segment `index` of the plan, then _exit with its exit code. The fork
// happens before the run starts any thread, so the child is a copy of a single-threaded process.
[[noreturn]] void run_segment(scenarios::Plan plan, std::size_t index, std::size_t count,
                              const std::filesystem::path& dir,
                              const std::vector<std::string>& formats) {
    plan.run.segment = {index, count};
    plan.output.dir = dir.string();
    plan.output.store.clear();  // the merged run is the one the history keeps
    int code = kExitCannotRun;
    try {
        code = pipeline::execute_plan(std::move(plan), pipeline::ReportOptions{formats, true});
    } catch (const std::exception& e) {
        std::cerr << fmt::format("error: segment {}/{}: {}\n", index, count, e.what());
    }
    std::cout.flush();
    std::cerr.flush();
    ::_exit(code);
}

}  // namespace

int run_local_segments(const RunOptions& options, const scenarios::Plan& plan) {
    const std::size_t count = options.segments.value_or(1);
    if (options.metrics_listen) {
        std::cerr << "error: --metrics-listen: not with --local (N processes cannot share one "
                     "port); run the segments yourself, each with its own --metrics-listen\n";
        return kExitUsage;
    }
    scenarios::Plan shared = plan;
    if (!shared.run.start_at) {
        try {
            shared.run.start_at = parse_start_at(kLocalStartIn, std::chrono::system_clock::now());
        } catch (const std::invalid_argument& e) {
            std::cerr << "error: " << e.what() << "\n";
            return kExitUsage;
        }
    }
    const std::filesystem::path root = pipeline::output_dir(plan);
    const auto formats = reports::formats_to_write(options.formats);
    std::cerr << fmt::format("running {} segments on this machine into {}/segment-*\n", count,
                             root.string());
    std::vector<pid_t> children;
    for (std::size_t i = 0; i < count; ++i) {
        const pid_t pid = ::fork();
        if (pid == 0) run_segment(shared, i, count, root / fmt::format("segment-{}", i), formats);
        if (pid < 0) {
            std::cerr << "error: --local: cannot start a process: " << std::strerror(errno) << "\n";
            for (const pid_t child : children) ::kill(child, SIGTERM);
            for (const pid_t child : children) ::waitpid(child, nullptr, 0);
            return kExitCannotRun;
        }
        children.push_back(pid);
    }
    // Ctrl-C reaches every process of the terminal's group: the segments stop gracefully and
    // write their files; this process waits for them and merges what they recorded.
    std::signal(SIGINT, SIG_IGN);
    std::signal(SIGTERM, SIG_IGN);
    int worst = kExitPass;
    for (std::size_t i = 0; i < children.size(); ++i) {
        int status = 0;
        ::waitpid(children[i], &status, 0);
        const int code = WIFEXITED(status) ? WEXITSTATUS(status) : kExitCannotRun;
        if (code != kExitPass && code != kExitInterrupted) {
            std::cerr << fmt::format("segment {}/{} exited with {}\n", i, count, code);
            if (worst == kExitPass) worst = code;
        }
    }
    if (worst != kExitPass) {
        std::cerr << "not merged: a segment did not complete (its messages are above)\n";
        return worst;
    }
    pipeline::MergeOptions merge;
    merge.inputs = {root};
    merge.out = root / "merged";
    merge.report = pipeline::ReportOptions{formats, options.quiet, options.latency_spectrum};
    merge.store = plan.output.store;
    return pipeline::merge_runs(merge);
}

}  // namespace volley::apps
