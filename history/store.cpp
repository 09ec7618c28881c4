#include "history/store.hpp"

#include "history/local_store.hpp"
#include "history/pg_store.hpp"

namespace volley::history {

std::unique_ptr<HistoryStore> open_store(const std::string& location) {
    if (location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0)
        return std::make_unique<PgHistoryStore>(location);
    return std::make_unique<LocalHistoryStore>(location);
}

}  // namespace volley::history
