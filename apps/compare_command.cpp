#include "apps/compare_command.hpp"

#include "apps/cli_checks.hpp"
#include "apps/run_command.hpp"
#include "history/baseline.hpp"
#include "history/noise_compare.hpp"
#include "history/store.hpp"
#include "reports/compare.hpp"
#include "reports/run_outputs.hpp"

#include <fmt/format.h>

#include <iostream>
#include <memory>

namespace volley::apps {
namespace {

struct CompareOptions {
    std::vector<std::string> runs;  // [BASE] NEW
    std::optional<std::string> baseline;
    std::string dir = "results";
    std::optional<std::string> store;
    std::string max_regression = "10%";
    std::string mode = "auto";          // auto | statistical | simple
    std::string inconclusive = "pass";  // pass | fail
    bool force = false;
    bool markdown = false;
};

// A run named on the command line: a run directory, or else an id of the history store.
history::RunSample read_named_run(const std::string& name, history::HistoryStore* store) {
    std::error_code ec;
    if (std::filesystem::is_directory(name, ec) || store == nullptr)
        return history::read_run_sample(name);
    return store->sample(name);
}

// Runs of different scenarios answer different questions: refused unless --force.
void check_same_scenario(const history::RunRecord& base, const history::RunRecord& fresh) {
    const bool both_hashed = !base.scenario_hash.empty() && !fresh.scenario_hash.empty();
    const bool same = both_hashed ? base.scenario_hash == fresh.scenario_hash
                                  : base.scenario_name == fresh.scenario_name;
    if (same) return;
    throw std::invalid_argument(fmt::format(
        "runs of different scenarios: the baseline {} is \"{}\" (hash {}), the new run {} is "
        "\"{}\" (hash {}); pass --force to compare them anyway",
        base.id, base.scenario_name, base.scenario_hash.empty() ? "none" : base.scenario_hash,
        fresh.id, fresh.scenario_name, fresh.scenario_hash.empty() ? "none" : fresh.scenario_hash));
}

// Why the statistics cannot be used, or "" when they can.
std::string statistics_unavailable(const std::vector<const history::RunSample*>& runs) {
    for (const auto* run : runs) {
        if (history::has_enough_data(*run)) continue;
        const auto found = run->latency.find(history::kAllRequests);
        const std::size_t intervals = found == run->latency.end() ? 0 : found->second.size();
        return fmt::format(
            "run {} has {} interval histogram{} in latency.hlog; the statistics need at least {}",
            run->record.id, intervals, intervals == 1 ? "" : "s",
            history::kMinIntervalsForStatistics);
    }
    return {};
}

int simple_compare(const CompareOptions& o, const history::RunSample& base,
                   const history::RunSample& fresh) {
    if (base.record.dir.empty() || fresh.record.dir.empty())
        throw std::invalid_argument("the simple compare reads run directories (summary.json)");
    if (o.max_regression.find('=') != std::string::npos)
        throw std::invalid_argument(
            "--max-regression: per-metric tolerances need the statistical compare (runs with "
            "interval histograms); give one percentage such as 10%");
    const double limit = parse_percent_flag("--max-regression", o.max_regression);
    const auto result = reports::compare_runs(reports::read_summary(base.record.dir),
                                              reports::read_summary(fresh.record.dir), limit);
    std::cout << (o.markdown ? reports::render_compare_markdown(result)
                             : reports::render_compare_console(result));
    return result.regressed() ? kExitThresholdFailed : kExitPass;
}

int compare_command(const CompareOptions& o) {
    try {
        if (o.mode != "auto" && o.mode != "statistical" && o.mode != "simple")
            throw std::invalid_argument(
                fmt::format("--mode: \"{}\": expected auto, statistical or simple", o.mode));
        if (o.inconclusive != "pass" && o.inconclusive != "fail")
            throw std::invalid_argument(
                fmt::format("--inconclusive: \"{}\": expected pass or fail", o.inconclusive));
        const std::size_t expected_runs = o.baseline ? 1 : 2;
        if (o.runs.size() != expected_runs) {
            throw std::invalid_argument(
                o.baseline ? "with --baseline give only the new run: volley compare NEW "
                             "--baseline SPEC"
                           : "give the baseline run and the new run (volley compare BASE NEW), "
                             "or the new run and --baseline last-pass | last:N | RUN");
        }
        // A single percentage keeps the simple compare's checks and messages ("10" is refused
        // with a suggestion); per-metric lists are the statistics' own syntax.
        if (o.max_regression.find('=') == std::string::npos)
            (void)parse_percent_flag("--max-regression", o.max_regression);
        const auto tolerances = history::parse_tolerances(o.max_regression);
        std::unique_ptr<history::HistoryStore> store;
        if (o.baseline || o.store) store = history::open_store(o.store.value_or(o.dir));

        const auto fresh = read_named_run(o.runs.back(), store.get());
        history::Baseline baseline;
        if (o.baseline) {
            const auto spec = history::parse_baseline(*o.baseline);
            try {
                baseline = history::resolve_baseline(spec, *store, fresh.record);
            } catch (const history::NoEarlierRunError& e) {
                // The first night of a scenario: nothing to judge against, which is not a
                // failure of the new run (docs/history.md "volley compare").
                std::cout << "baseline: none: " << e.what()
                          << "\nnothing to compare (the first passing run of a scenario starts "
                             "its history)\n";
                return kExitPass;
            }
        } else {
            baseline.runs.push_back(read_named_run(o.runs.front(), store.get()));
            baseline.description = "run " + baseline.runs.front().record.id;
        }
        for (const auto& skipped : baseline.skipped)
            std::cerr << "warning: skipped (cannot be read): " << skipped << "\n";
        if (!o.force) {
            for (const auto& base : baseline.runs) check_same_scenario(base.record, fresh.record);
        }

        std::vector<const history::RunSample*> base_runs;
        for (const auto& run : baseline.runs) base_runs.push_back(&run);
        const std::vector<const history::RunSample*> fresh_runs{&fresh};
        auto all_runs = base_runs;
        all_runs.push_back(&fresh);
        const auto unavailable = statistics_unavailable(all_runs);
        if (o.mode == "statistical" && !unavailable.empty())
            throw std::invalid_argument("--mode statistical: " + unavailable);
        std::cout << (o.markdown ? "Baseline: " : "baseline: ") << baseline.description
                  << (o.markdown ? "\n\n" : "\n");
        if (o.mode == "simple" || !unavailable.empty()) {
            if (o.mode == "auto")
                std::cerr << "note: headline compare without noise estimates: " << unavailable
                          << "\n";
            if (baseline.runs.size() > 1)
                std::cerr << "note: the headline compare takes the newest baseline run only: "
                          << baseline.runs.back().record.id << "\n";
            return simple_compare(o, baseline.runs.back(), fresh);
        }

        const auto result = history::compare_samples(base_runs, fresh_runs, tolerances,
                                                     history::BootstrapSettings{});
        std::cout << (o.markdown ? history::render_noise_compare_markdown(result)
                                 : history::render_noise_compare_console(result));
        switch (result.overall) {
            case history::CompareVerdict::regression: return kExitThresholdFailed;
            case history::CompareVerdict::inconclusive:
                return o.inconclusive == "fail" ? kExitThresholdFailed : kExitPass;
            case history::CompareVerdict::ok:
            case history::CompareVerdict::not_compared: return kExitPass;
        }
        return kExitPass;
    } catch (const history::UnknownRunError& e) {  // the input names no run
        std::cerr << "error: " << e.what() << "\n";
        return kExitUsage;
    } catch (const history::StoreError& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitCannotRun;
    } catch (const std::exception& e) {  // bad flags, unreadable runs, no baseline
        std::cerr << "error: " << e.what() << "\n";
        return kExitUsage;
    }
}

}  // namespace

void add_compare_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<CompareOptions>();
    auto* compare = app.add_subcommand(
        "compare",
        "Judge a run against a baseline (noise-aware); exit 99 on regression (docs/history.md)");
    compare->add_option("runs", o->runs, "BASE NEW run directories (or NEW with --baseline)")
        ->required()
        ->expected(1, 2);
    compare->add_option("--baseline", o->baseline,
                        "The baseline from the history: a run (directory or id), last-pass, or "
                        "last:N (the last N passing runs of the same scenario, pooled)");
    auto* dir = compare->add_option("--dir", o->dir,
                                    "The embedded history: a results directory (default results)");
    compare
        ->add_option("--store", o->store,
                     "The history in PostgreSQL (postgresql://…) instead of --dir")
        ->excludes(dir);
    compare->add_option("--max-regression", o->max_regression,
                        "Tolerances: 10% (the default) or per metric, e.g. "
                        "p99=10%,throughput=5%,hit_rate=2%");
    compare->add_option("--mode", o->mode,
                        "auto (the default: statistical when both runs have interval "
                        "histograms), statistical or simple");
    compare->add_option("--inconclusive", o->inconclusive,
                        "Exit code of an inconclusive result: pass (0, the default) or fail (99)");
    compare->add_flag("--force", o->force, "Compare runs of different scenarios");
    compare->add_flag("--markdown", o->markdown, "Print Markdown instead of the console table");
    compare->callback([o, &exit_code] { exit_code = compare_command(*o); });
}

}  // namespace volley::apps
