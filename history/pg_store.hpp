// The PostgreSQL history store (docs/history-sql.md, docs/architecture.md "History"): runs,
// per-interval rows, per-request/tag/journey rows and every interval's encoded HDR histogram, so
// any window of any run can be re-aggregated losslessly (history::merge_window on sample()). The
// tables live in the schema volley_history; its migrations are history/sql/*.sql, applied on
// first use under an advisory lock (concurrent nightly jobs may open the store at once).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "history/store.hpp"

namespace volley::history {

class PgHistoryStore final : public HistoryStore {
public:
    // url: "postgresql://…" or "postgres://…" (libpq URI; connect_timeout=5 is added unless the
    // URL sets one, so a store that is down fails fast). Connects, creates the schema
    // volley_history and applies pending migrations; throws StoreError "history store
    // <url without password>: <reason>" when that fails.
    explicit PgHistoryStore(std::string url);
    ~PgHistoryStore() override;
    PgHistoryStore(const PgHistoryStore&) = delete;
    PgHistoryStore& operator=(const PgHistoryStore&) = delete;

    // The URL without its password.
    [[nodiscard]] std::string location() const override;
    // Reads RUN_DIR/summary.json and latency.hlog and inserts the run, its intervals, series and
    // histograms in one transaction; returns run_id as text. A run already stored (same scenario
    // hash, started_at and scenario name) returns the existing run_id and inserts nothing.
    std::string add(const std::filesystem::path& run_dir) override;
    // The newest query.last runs that match, oldest first; never skips (rows are typed).
    [[nodiscard]] RunListing list(const RunQuery& query) override;
    // The run rebuilt from its rows, histograms decoded. StoreError for an unknown id;
    // RunReadError "history store <location>: run <id>: series "<series>" interval <idx>: ..."
    // for a stored histogram that does not decode.
    [[nodiscard]] RunSample sample(const std::string& id) override;

private:
    struct Session;
    std::string url_;       // as given (with the password: it is what we connect with)
    std::string location_;  // without the password, for every message
    std::unique_ptr<Session> session_;

    void migrate();
};

// The URL with the password removed from its user info and from a `password=` query parameter:
// "postgresql://u:secret@h:5432/db?password=x&sslmode=require" →
// "postgresql://u@h:5432/db?sslmode=require".
[[nodiscard]] std::string pg_url_without_password(std::string_view url);

}  // namespace volley::history
