#include "resolver/pg/migrations.hpp"

#include <pqxx/nontransaction>
#include <pqxx/stream_to>
#include <pqxx/transaction>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <tuple>

namespace volley::resolver {
namespace {

// Admin connections: same URL, keepalives and schema, but no statement timeout.
pqxx::connection admin_connection(const PgOptions& options) {
    PgOptions o = options;
    o.query_timeout = std::chrono::milliseconds(0);  // 0 = no statement_timeout
    return pqxx::connection(pg_conninfo(o));
}

constexpr std::int64_t migration_lock_key = 0x766f6c6c6579;  // "volley"

}  // namespace

int pg_migrate(const PgOptions& options) {
    if (!options.schema.empty()) {
        PgOptions plain = options;
        plain.schema.clear();
        auto c = admin_connection(plain);
        pqxx::nontransaction tx(c);
        tx.exec("CREATE SCHEMA IF NOT EXISTS " + tx.quote_name(options.schema));
    }
    auto c = admin_connection(options);
    auto session = [&](const std::string& sql) {
        pqxx::nontransaction tx(c);
        tx.exec_params(sql, migration_lock_key);
    };
    session("SELECT pg_advisory_lock($1)");
    int applied = 0;
    try {
        {
            pqxx::nontransaction tx(c);
            tx.exec(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, "
                "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
        }
        for (const auto& m : pg_migrations()) {
            pqxx::work tx(c);
            if (!tx.exec_params("SELECT 1 FROM schema_migrations WHERE version = $1", m.version)
                     .empty())
                continue;
            tx.exec(m.sql);
            tx.exec_params("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                           m.version, std::string(m.name));
            tx.commit();
            ++applied;
        }
    } catch (...) {
        if (c.is_open()) session("SELECT pg_advisory_unlock($1)");
        throw;
    }
    session("SELECT pg_advisory_unlock($1)");
    return applied;
}

void pg_load_rows(const PgOptions& options, const std::vector<EntityRow>& rows) {
    auto c = admin_connection(options);
    pqxx::work tx(c);
    tx.exec("LOCK TABLE hierarchy_state IN EXCLUSIVE MODE");
    tx.exec("DELETE FROM entities");
    {
        pqxx::stream_to out(
            tx, "entities",
            std::vector<std::string>{"entity_id", "name", "parent_id", "path", "path_depth"});
        for (const auto& r : rows) {
            const int depth = 1 + static_cast<int>(std::count(r.path.begin(), r.path.end(), '.'));
            std::optional<std::string> parent;
            if (!r.parent_id.empty()) parent = r.parent_id;
            out << std::make_tuple(r.entity_id, r.name, parent, r.path, depth);
        }
        out.complete();
    }
    tx.commit();
    pqxx::nontransaction maintenance(c);
    maintenance.exec("VACUUM ANALYZE entities");
}

std::uint64_t pg_refresh_views(const PgOptions& options, ViewRefresh scope) {
    auto c = admin_connection(options);
    pqxx::work tx(c);
    auto r = tx.exec_params1("SELECT refresh_hierarchy_views($1)", scope == ViewRefresh::rebuild);
    tx.commit();
    pqxx::nontransaction maintenance(c);
    maintenance.exec("VACUUM ANALYZE hierarchy_changes");
    return r[0].as<std::uint64_t>();
}

void pg_drop_schema(const PgOptions& options) {
    if (options.schema.empty()) return;
    PgOptions plain = options;
    plain.schema.clear();
    auto c = admin_connection(plain);
    pqxx::nontransaction tx(c);
    tx.exec("DROP SCHEMA IF EXISTS " + tx.quote_name(options.schema) + " CASCADE");
}

}  // namespace volley::resolver
