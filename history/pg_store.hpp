// The PostgreSQL history store (docs/history.md "PostgreSQL"): runs, per-interval rows,
// per-request/tag/journey rows and every interval's encoded HDR histogram, so any window of any
// run can be re-aggregated losslessly. The schema's migrations are history/sql/*.sql, applied on
// first use.
#pragma once

#include "history/store.hpp"

namespace volley::history {

class PgHistoryStore final : public HistoryStore {
public:
    // url: "postgresql://…" or "postgres://…". Connects and applies pending migrations; throws
    // StoreError (naming the URL without its password) when that fails.
    explicit PgHistoryStore(std::string url);
    ~PgHistoryStore() override;
    [[nodiscard]] std::string location() const override;
    std::string add(const std::filesystem::path& run_dir) override;
    [[nodiscard]] RunListing list(const RunQuery& query) override;
    [[nodiscard]] RunSample sample(const std::string& id) override;

private:
    std::string url_;
};

}  // namespace volley::history
