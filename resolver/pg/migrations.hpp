// PostgreSQL schema management and bulk data for the resolver: the SQL migrations in
// resolver/sql/ (compiled in), applied once each and in order; bulk loading of generated rows;
// and the view refresh. These open their own connection (not the request pool) with no
// statement timeout, and throw pqxx / std exceptions on failure.
#pragma once

#include "resolver/datagen.hpp"
#include "resolver/pg/pg_pool.hpp"

#include <string>
#include <vector>

namespace volley::resolver {

struct Migration {
    int version;
    const char* name;
    const char* sql;
};

// All migrations, in version order (generated from resolver/sql/*.sql).
const std::vector<Migration>& pg_migrations();

// Creates options.schema if set, then applies pending migrations inside it, each in its own
// transaction, recorded in schema_migrations; serialized by an advisory lock so concurrent
// callers are safe. Returns the number of migrations applied.
int pg_migrate(const PgOptions& options);

// Replaces every entity with `rows` in one transaction (DELETE, then COPY; VACUUM ANALYZE
// after). Rows must list parents before children. The triggers log the change, so the views
// stop answering until the next refresh.
void pg_load_rows(const PgOptions& options, const std::vector<EntityRow>& rows);

// How much of the views a refresh recomputes (resolver/sql/004_incremental_views.sql):
// the rows the logged changes can have touched (every row when more than 5,000 changes are
// pending, e.g. after a bulk load), or every row.
enum class ViewRefresh : std::uint8_t { changes, rebuild };

// SELECT refresh_hierarchy_views(rebuild) (then VACUUM of the change log); returns the data
// generation after the refresh.
std::uint64_t pg_refresh_views(const PgOptions& options, ViewRefresh scope = ViewRefresh::changes);

// Drops options.schema and everything in it (tests). No-op for an empty schema name.
void pg_drop_schema(const PgOptions& options);

}  // namespace volley::resolver
