#include "apps/history_command.hpp"

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "history/local_store.hpp"
#include "history/store.hpp"
#include "history/trend.hpp"
#include "pipeline/exit_codes.hpp"
#include "reports/run_outputs.hpp"

namespace volley::apps {
namespace {

namespace fs = std::filesystem;
using pipeline::kExitCannotRun;
using pipeline::kExitPass;
using pipeline::kExitUsage;

struct StoreChoice {
    std::string dir = "results";
    std::optional<std::string> url;  // --store
};

struct HistoryOptions {
    StoreChoice store;
    std::string scenario, hash;
    std::size_t last = 30;
    bool passing = false, markdown = false;
    std::optional<std::string> html;
    std::size_t resamples = history::BootstrapSettings{}.resamples;
};

struct AddOptions {
    StoreChoice store;
    std::vector<std::string> dirs;
};

// The store the flags name, or nullptr after printing why (exit code in `code`).
std::unique_ptr<history::HistoryStore> open_chosen_store(const StoreChoice& choice, int& code) {
    if (choice.url) {
        try {
            return history::open_store(*choice.url);
        } catch (const std::exception& e) {
            std::cerr << "error: --store: " << e.what() << "\n";
            code = kExitCannotRun;
            return nullptr;
        }
    }
    std::error_code error;
    const auto status = fs::status(choice.dir, error);
    if (status.type() != fs::file_type::not_found && status.type() != fs::file_type::directory) {
        std::cerr << fmt::format("error: --dir {}: {}\n", choice.dir,
                                 error ? error.message() : "not a directory");
        code = kExitUsage;
        return nullptr;
    }
    return std::make_unique<history::LocalHistoryStore>(choice.dir);
}

std::string no_runs_message(const HistoryOptions& o, const history::HistoryStore& store) {
    std::string what = "runs";
    if (!o.scenario.empty()) what += fmt::format(" of scenario \"{}\"", o.scenario);
    if (!o.hash.empty()) what += fmt::format(" with hash {}", o.hash);
    if (o.passing) what = "passing " + what;
    auto where = store.location();
    if (!o.store.url) {
        while (where.size() > 1 && where.back() == '/') where.pop_back();
        where += "/";
    }
    return fmt::format(
        "no {} in {} yet (`volley run` writes them there; `volley history add DIR` "
        "records others)\n",
        what, where);
}

int history_command(const HistoryOptions& o) {
    if (o.resamples == 0) {
        std::cerr << "error: --resamples: must be at least 1\n";
        return kExitUsage;
    }
    int code = kExitPass;
    auto store = open_chosen_store(o.store, code);
    if (!store) return code;
    history::RunQuery query;
    query.scenario_name = o.scenario;
    query.scenario_hash = o.hash;
    query.last = o.last;
    query.passing_only = o.passing;
    history::BootstrapSettings settings;
    settings.resamples = o.resamples;
    history::Trend trend;
    try {
        trend = history::build_trend(*store, query, settings);
    } catch (const history::StoreError& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitCannotRun;
    }
    for (const auto& line : trend.skipped) std::cerr << "skipped: " << line << "\n";
    if (trend.rows.empty()) {
        std::cout << no_runs_message(o, *store);
    } else if (o.markdown) {
        std::cout << history::render_trend_markdown(trend);
    } else {
        std::cout << history::render_trend_console(trend);
    }
    if (o.html) {
        const auto title =
            o.scenario.empty() ? std::string("volley trend") : "volley trend: " + o.scenario;
        try {
            reports::write_file_atomically(*o.html, history::render_trend_html(trend, title));
        } catch (const std::exception& e) {
            std::cerr << fmt::format("error: --html {}: {}\n", *o.html, e.what());
            return kExitUsage;
        }
        if (!o.markdown) std::cout << "trend report written to " << *o.html << "\n";
    }
    return kExitPass;
}

int history_add_command(const AddOptions& o) {
    int code = kExitPass;
    auto store = open_chosen_store(o.store, code);
    if (!store) return code;
    for (const auto& dir : o.dirs) {
        try {
            const auto id = store->add(dir);
            std::cout << fmt::format("{}: recorded in {} as {}\n", dir, store->location(), id);
        } catch (const history::RunReadError& e) {
            std::cerr << "error: " << e.what() << "\n";
            code = kExitUsage;
        } catch (const history::StoreError& e) {
            std::cerr << "error: " << e.what() << "\n";
            return kExitCannotRun;
        }
    }
    return code;
}

void add_store_options(CLI::App& cmd, StoreChoice& choice) {
    auto* dir = cmd.add_option("--dir", choice.dir,
                               "The embedded history: a results directory whose run directories "
                               "are the records (default results)");
    auto* url = cmd.add_option("--store", choice.url,
                               "A PostgreSQL history store (postgresql://user@host/db) instead "
                               "of --dir");
    dir->excludes(url);
}

}  // namespace

void add_history_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<HistoryOptions>();
    auto* cmd = app.add_subcommand(
        "history",
        "The runs of a history store as a trend table (p50/p95/p99, throughput, errors, hits "
        "with their bands) and an HTML trend report; `history add DIR...` records runs");
    add_store_options(*cmd, options->store);
    cmd->add_option("--scenario", options->scenario, "Only runs of this scenario name");
    cmd->add_option("--hash", options->hash,
                    "Only runs of this scenario hash (summary.json scenario.hash)");
    cmd->add_option("--last", options->last, "The newest N matching runs (default 30; 0: all)");
    cmd->add_flag("--passing", options->passing, "Only runs whose verdict is pass");
    cmd->add_option("--html", options->html,
                    "Also write the self-contained HTML trend report to this file");
    cmd->add_flag("--markdown", options->markdown,
                  "Print the trend table as Markdown (bands as low–high) instead of text");
    cmd->add_option("--resamples", options->resamples,
                    "Bootstrap resamples per band (default 1000; fewer is faster, rougher)");

    auto add_options = std::make_shared<AddOptions>();
    auto* add = cmd->add_subcommand(
        "add", "Record run directories (summary.json, latency.hlog) in the history store");
    add->add_option("dirs", add_options->dirs, "Run directories, as `volley run` writes them")
        ->required();
    add_store_options(*add, add_options->store);
    add->callback([add_options, &exit_code] { exit_code = history_add_command(*add_options); });

    cmd->callback([options, add, &exit_code] {
        if (add->parsed()) return;  // `history add` ran its own callback
        exit_code = history_command(*options);
    });
}

}  // namespace volley::apps
