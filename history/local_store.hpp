// The embedded history store: a results directory whose run directories are the records
// (DIR/<run>/summary.json and latency.hlog, as `volley run` writes them). No server, no extra
// file: `volley history --dir results` works on a fresh machine. docs/history.md.
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
    std::filesystem::path dir_;
};

}  // namespace volley::history
