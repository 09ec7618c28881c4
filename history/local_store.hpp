// The embedded history store: a results directory whose run directories are the records
// (DIR/<run>/summary.json and latency.hlog, as `volley run` writes them). No server, no extra
// file: `volley history --dir results` works on a fresh machine. docs/history.md.
// Contracts: a directory that does not exist lists no runs (no error); a path that is not a
// directory is a StoreError. list() scans one level: directories without summary.json (and names
// starting with '.') are not runs; a corrupted summary.json is in `skipped` as "PATH: reason".
// add() of a run already in the directory, or of the same run (scenario hash and started_at)
// added before, returns its id; otherwise the run directory is copied in under its own name
// ("-2", "-3"... when another run has that name) via a hidden staging directory.
#pragma once

#include "history/store.hpp"

namespace volley::history {

class LocalHistoryStore final : public HistoryStore {
public:
    explicit LocalHistoryStore(std::filesystem::path dir);
    [[nodiscard]] std::string location() const override;
    std::string add(const std::filesystem::path& run_dir) override;
    [[nodiscard]] RunListing list(const RunQuery& query) override;
    [[nodiscard]] RunSample sample(const std::string& id) override;

private:
    // Every readable run directory of dir_ (oldest first) and the unreadable ones in `skipped`.
    [[nodiscard]] RunListing scan() const;

    std::filesystem::path dir_;
};

}  // namespace volley::history
