// The history store seam (docs/architecture.md "Seams"): where runs are recorded after they end
// and read back by `volley history` and `volley compare --baseline`. Two implementations: the
// embedded store, a results directory whose run directories are the records
// (history/local_store.*), and PostgreSQL (history/pg_store.*). The fake is
// tests/fakes/fake_history_store.hpp. Writing never happens on the hot path: the pipeline adds a
// run after its files are written.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "history/run_record.hpp"

namespace volley::history {

// The store is unreachable or refused an operation: what() says which store and why.
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The store answers, but holds no run with the id asked for (or the text is no run id): the
// caller's input is wrong, not the store (`volley compare` exits 2 for it, not 1).
class UnknownRunError : public StoreError {
public:
    using StoreError::StoreError;
};

struct RunQuery {
    std::string scenario_name;  // empty: every scenario
    std::string scenario_hash;  // empty: any
    std::size_t last = 30;      // the newest N that match (0: all)
    bool passing_only = false;  // verdict "pass" only
};

struct RunListing {
    std::vector<RunRecord> runs;       // oldest first (started_unix_s, then id)
    std::vector<std::string> skipped;  // "PATH: reason" for each run that could not be read
};

class HistoryStore {
public:
    virtual ~HistoryStore() = default;
    // For messages: the directory, or the PostgreSQL URL without its password.
    [[nodiscard]] virtual std::string location() const = 0;
    // Records the run whose files are in run_dir (summary.json, latency.hlog); returns its id.
    // Adding a run already recorded (same scenario hash and started_at) returns the existing id.
    // Throws RunReadError for unreadable files, StoreError when the store fails.
    virtual std::string add(const std::filesystem::path& run_dir) = 0;
    // Runs matching the query. Throws StoreError when the store fails.
    [[nodiscard]] virtual RunListing list(const RunQuery& query) = 0;
    // The run `id` with its intervals and histograms. Throws UnknownRunError for an unknown id,
    // RunReadError for a run whose files or rows cannot be read.
    [[nodiscard]] virtual RunSample sample(const std::string& id) = 0;
};

// "postgresql://…" or "postgres://…": the PostgreSQL store (schema applied on first use);
// anything else: the embedded store over that directory. Throws StoreError when the store cannot
// be opened.
[[nodiscard]] std::unique_ptr<HistoryStore> open_store(const std::string& location);

}  // namespace volley::history
