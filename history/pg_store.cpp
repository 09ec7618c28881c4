// Placeholder until the PostgreSQL store lands (history design part B).
#include "history/pg_store.hpp"

namespace volley::history {

PgHistoryStore::PgHistoryStore(std::string url) : url_(std::move(url)) {
    throw StoreError("PostgreSQL history store: not implemented yet");
}
PgHistoryStore::~PgHistoryStore() = default;
std::string PgHistoryStore::location() const { return url_; }
std::string PgHistoryStore::add(const std::filesystem::path&) { return {}; }
RunListing PgHistoryStore::list(const RunQuery&) { return {}; }
RunSample PgHistoryStore::sample(const std::string&) { return {}; }

}  // namespace volley::history
