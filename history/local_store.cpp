#include "history/local_store.hpp"

#include <algorithm>
#include <system_error>

#include <fmt/format.h>

namespace volley::history {
namespace {

namespace fs = std::filesystem;

// Directories whose name starts with '.' are not runs: `add` copies into ".adding-<name>" and
// renames when the copy is complete, so an interrupted add never shows as a half run.
bool hidden(const fs::path& dir) {
    const auto name = dir.filename().string();
    return name.empty() || name.front() == '.';
}

bool same_run(const RunRecord& a, const RunRecord& b) {
    return a.scenario_hash == b.scenario_hash && a.started_at == b.started_at;
}

bool before(const RunRecord& a, const RunRecord& b) {
    if (a.started_unix_s != b.started_unix_s) return a.started_unix_s < b.started_unix_s;
    return a.id < b.id;
}

}  // namespace

LocalHistoryStore::LocalHistoryStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::string LocalHistoryStore::location() const { return dir_.string(); }

RunListing LocalHistoryStore::scan() const {
    RunListing listing;
    std::error_code error;
    const auto status = fs::status(dir_, error);
    // A results directory that does not exist yet holds no runs (a fresh machine).
    if (status.type() == fs::file_type::not_found) return listing;
    if (error)
        throw StoreError(fmt::format("history store {}: {}", dir_.string(), error.message()));
    if (status.type() != fs::file_type::directory)
        throw StoreError(fmt::format("history store {}: not a directory", dir_.string()));
    try {
        for (const auto& entry : fs::directory_iterator(dir_)) {
            std::error_code entry_error;
            if (!entry.is_directory(entry_error) || hidden(entry.path())) continue;
            // A directory without summary.json is not a run (e.g. an aborted one, or notes).
            if (!fs::exists(entry.path() / "summary.json", entry_error)) continue;
            try {
                listing.runs.push_back(read_run_record(entry.path()));
            } catch (const RunReadError& e) {
                listing.skipped.emplace_back(e.what());
            }
        }
    } catch (const fs::filesystem_error& e) {
        throw StoreError(fmt::format("history store {}: {}", dir_.string(), e.what()));
    }
    std::sort(listing.runs.begin(), listing.runs.end(), before);
    std::sort(listing.skipped.begin(), listing.skipped.end());
    return listing;
}

RunListing LocalHistoryStore::list(const RunQuery& query) {
    auto listing = scan();
    std::erase_if(listing.runs, [&](const RunRecord& run) {
        return (!query.scenario_name.empty() && run.scenario_name != query.scenario_name) ||
               (!query.scenario_hash.empty() && run.scenario_hash != query.scenario_hash) ||
               (query.passing_only && run.verdict != "pass");
    });
    if (query.last != 0 && listing.runs.size() > query.last)
        listing.runs.erase(listing.runs.begin(),
                           listing.runs.end() - static_cast<std::ptrdiff_t>(query.last));
    return listing;
}

RunSample LocalHistoryStore::sample(const std::string& id) {
    if (id.empty() || id == "." || id.find('/') != std::string::npos ||
        id.find('\\') != std::string::npos || id.find("..") != std::string::npos)
        throw UnknownRunError(fmt::format(
            "history store {}: '{}' is not a run id (a directory name)", dir_.string(), id));
    const auto run_dir = dir_ / id;
    std::error_code error;
    if (hidden(run_dir) || !fs::is_directory(run_dir, error) ||
        !fs::exists(run_dir / "summary.json", error))
        throw UnknownRunError(fmt::format("history store {}: no run '{}'", dir_.string(), id));
    return read_run_sample(run_dir);
}

std::string LocalHistoryStore::add(const std::filesystem::path& run_dir) {
    const auto record = read_run_record(run_dir);  // RunReadError for an unreadable run
    std::error_code error;
    const auto source = fs::weakly_canonical(run_dir, error);
    if (error) throw RunReadError(fmt::format("{}: {}", run_dir.string(), error.message()));
    if (fs::exists(dir_, error) && !error) {
        const auto store = fs::weakly_canonical(dir_, error);
        if (!error && source.parent_path() == store) return source.filename().string();
    }
    for (const auto& existing : scan().runs) {
        if (same_run(existing, record)) return existing.id;
    }
    auto name = source.filename().string();
    if (name.empty() || name.front() == '.') name = "run" + name;
    std::string id = name;
    for (int n = 2; fs::exists(dir_ / id, error); ++n) id = fmt::format("{}-{}", name, n);
    const auto staging = dir_ / (".adding-" + id);
    try {
        fs::create_directories(dir_);
        fs::remove_all(staging);
        fs::copy(source, staging, fs::copy_options::recursive);
        fs::rename(staging, dir_ / id);
    } catch (const fs::filesystem_error& e) {
        fs::remove_all(staging, error);
        throw StoreError(fmt::format("history store {}: adding {}: {}", dir_.string(),
                                     run_dir.string(), e.code().message()));
    }
    return id;
}

}  // namespace volley::history
