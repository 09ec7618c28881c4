// The PostgreSQL history store's schema migrations (history/sql/*.sql, compiled in by
// cmake/embed_sql.cmake). Each is applied once, in version order, recorded in
// volley_history.schema_migrations (history/pg_store.cpp).
#pragma once

#include <vector>

namespace volley::history {

struct Migration {
    int version;       // the file's numeric prefix
    const char* name;  // the file's name
    const char* sql;   // its text; names are schema-qualified (volley_history.*)
};

// All migrations, in version order.
const std::vector<Migration>& history_migrations();

}  // namespace volley::history
