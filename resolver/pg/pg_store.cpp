#include "resolver/pg/pg_store.hpp"

#include <pqxx/nontransaction>
#include <pqxx/transaction>

#include <fmt/format.h>

#include <algorithm>

namespace volley::resolver {
namespace {

// L3 answers only when no change since the last refresh lies at or above the entity's current
// path (and, for counts, none below it). The current path is the right key: a write logs the
// old and new path of every row whose path it changed (a move rewrites the whole subtree), so
// any write that changed the entity's answer left a change at, above or below that path; and
// every insert logs its path, so a fresh entity existed when the views were computed.
// An entity written since the refresh but absent from `entities` (deleted) gets no answer.
// view_entity_ancestors is keyed by parent path (resolver/sql/004_incremental_views.sql): a
// root has no row and no ancestors; any other entity needs its parent path's row.
constexpr const char* view_ancestors_sql = R"(
SELECT CASE WHEN e.path_depth = 1 THEN '{}'::text[] ELSE v.ancestor_ids END
  FROM entities e
  LEFT JOIN view_entity_ancestors v
    ON e.path_depth > 1 AND v.ppath = subpath(e.path, 0, e.path_depth - 1)
 WHERE e.entity_id = $1
   AND (e.path_depth = 1 OR v.ppath IS NOT NULL)
   AND NOT EXISTS (SELECT 1 FROM hierarchy_changes c
                    WHERE c.path @> e.path
                      AND c.generation > (SELECT view_generation FROM hierarchy_state)))";

// view_descendant_counts holds entities with descendants; a fresh entity absent there has 0.
constexpr const char* view_count_sql = R"(
SELECT COALESCE(d.descendant_count, 0)
  FROM entities e
  LEFT JOIN view_descendant_counts d USING (entity_id)
 WHERE e.entity_id = $1
   AND NOT EXISTS (SELECT 1 FROM hierarchy_changes c
                    WHERE c.path @> e.path
                      AND c.generation > (SELECT view_generation FROM hierarchy_state))
   AND NOT EXISTS (SELECT 1 FROM hierarchy_changes c
                    WHERE c.path <@ e.path
                      AND c.generation > (SELECT view_generation FROM hierarchy_state)))";

constexpr const char* live_ancestors_sql = R"(
SELECT ARRAY(SELECT a.entity_id FROM entities a
              WHERE a.path @> e.path AND a.path <> e.path
              ORDER BY a.path_depth)
  FROM entities e WHERE e.entity_id = $1)";

constexpr const char* live_count_sql = R"(
SELECT (SELECT count(*) FROM entities d WHERE d.path <@ e.path AND d.path <> e.path)
  FROM entities e WHERE e.entity_id = $1)";

// One level of the naive walk: the entity's parent and whether that parent is a root (its own
// parent_id is NULL), in one query — so an entity with d >= 1 ancestors costs exactly d queries.
constexpr const char* parent_link_sql = R"(
SELECT e.parent_id, p.parent_id IS NULL
  FROM entities e LEFT JOIN entities p ON p.entity_id = e.parent_id
 WHERE e.entity_id = $1)";

constexpr const char* generation_sql = "SELECT generation FROM hierarchy_state";

void prepare_statements(pqxx::connection& c) {
    c.prepare("volley_view_ancestors", view_ancestors_sql);
    c.prepare("volley_view_count", view_count_sql);
    c.prepare("volley_live_ancestors", live_ancestors_sql);
    c.prepare("volley_live_count", live_count_sql);
    c.prepare("volley_parent_link", parent_link_sql);
    c.prepare("volley_generation", generation_sql);
}

AncestorsPtr parse_id_array(const pqxx::field& f) {
    std::vector<std::string> ids;
    auto parser = f.as_array();
    for (;;) {
        auto [kind, value] = parser.get_next();
        if (kind == pqxx::array_parser::done) break;
        if (kind == pqxx::array_parser::string_value) ids.push_back(std::move(value));
    }
    return make_ancestors(std::move(ids));
}

std::int64_t remaining_ms(Deadline deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return std::max<std::int64_t>(1, left);
}

bool at_or_below(std::string_view path, std::string_view root) {
    return path == root ||
           (path.size() > root.size() && path.starts_with(root) && path[root.size()] == '.');
}

}  // namespace

PgStore::PgStore(PgOptions options)
    : pool_(std::make_unique<PgPool>(std::move(options), prepare_statements)) {}

PgStore::~PgStore() = default;

Deadline PgStore::read_deadline(Deadline deadline) const {
    return std::min(deadline, Clock::now() + pool_->options().query_timeout);
}

AncestorsPtr PgStore::view_ancestors(std::string_view id, Deadline deadline) {
    AncestorsPtr out;
    pool_->run(read_deadline(deadline), [&](pqxx::connection& c) {
        pqxx::nontransaction tx(c);
        auto r = tx.exec_prepared("volley_view_ancestors", std::string(id));
        if (!r.empty()) out = parse_id_array(r[0][0]);
    });
    return out;
}

std::optional<std::int64_t> PgStore::view_descendant_count(std::string_view id, Deadline deadline) {
    std::optional<std::int64_t> out;
    pool_->run(read_deadline(deadline), [&](pqxx::connection& c) {
        pqxx::nontransaction tx(c);
        auto r = tx.exec_prepared("volley_view_count", std::string(id));
        if (!r.empty()) out = r[0][0].as<std::int64_t>();
    });
    return out;
}

AncestorsPtr PgStore::live_ancestors(std::string_view id, Deadline deadline) {
    AncestorsPtr out;
    pool_->run(read_deadline(deadline), [&](pqxx::connection& c) {
        pqxx::nontransaction tx(c);
        auto r = tx.exec_prepared("volley_live_ancestors", std::string(id));
        if (!r.empty()) out = parse_id_array(r[0][0]);
    });
    return out;
}

std::optional<std::int64_t> PgStore::live_descendant_count(std::string_view id, Deadline deadline) {
    std::optional<std::int64_t> out;
    pool_->run(read_deadline(deadline), [&](pqxx::connection& c) {
        pqxx::nontransaction tx(c);
        auto r = tx.exec_prepared("volley_live_count", std::string(id));
        if (!r.empty()) out = r[0][0].as<std::int64_t>();
    });
    return out;
}

std::optional<ParentLink> PgStore::parent_link(std::string_view id, Deadline deadline) {
    std::optional<ParentLink> out;
    pool_->run(read_deadline(deadline), [&](pqxx::connection& c) {
        out.reset();  // a retried call starts over
        pqxx::nontransaction tx(c);
        auto r = tx.exec_prepared("volley_parent_link", std::string(id));
        if (r.empty()) return;
        ParentLink link;
        if (!r[0][0].is_null()) {
            link.parent_id = r[0][0].as<std::string>();
            link.parent_is_root = r[0][1].as<bool>();
        }
        out = std::move(link);
    });
    return out;
}

std::uint64_t PgStore::data_generation(Deadline deadline) {
    std::uint64_t g = 0;
    pool_->run(read_deadline(deadline), [&](pqxx::connection& c) {
        pqxx::nontransaction tx(c);
        g = tx.exec_prepared1("volley_generation")[0].as<std::uint64_t>();
    });
    return g;
}

std::uint64_t PgStore::refresh_views(Deadline deadline) {
    std::uint64_t g = 0;
    pool_->run(
        deadline,
        [&](pqxx::connection& c) {
            pqxx::work tx(c);
            tx.exec(fmt::format("SET LOCAL statement_timeout = {}", remaining_ms(deadline)));
            g = tx.exec1("SELECT refresh_hierarchy_views()")[0].as<std::uint64_t>();
            tx.commit();
        },
        /*idempotent=*/true);
    // The refresh deleted the changes it absorbed; reclaim them so the L3 checks stay cheap.
    try {
        pool_->run(deadline, [](pqxx::connection& c) {
            pqxx::nontransaction tx(c);
            tx.exec("VACUUM hierarchy_changes");
        });
    } catch (const std::exception&) {
        // Best effort; autovacuum gets there too.
    }
    return g;
}

WriteResult PgStore::upsert(const EntityWrite& w, Deadline deadline) {
    WriteResult result;
    pool_->run(
        deadline,
        [&](pqxx::connection& c) {
            result = WriteResult{};
            pqxx::work tx(c);
            tx.exec(fmt::format("SET LOCAL statement_timeout = {}", remaining_ms(deadline)));
            // Writers are serialized: cycle checks and subtree rewrites see a stable tree.
            tx.exec("SELECT 1 FROM hierarchy_state FOR UPDATE");
            std::string parent_path;
            if (!w.parent_id.empty()) {
                auto p = tx.exec_params("SELECT path::text FROM entities WHERE entity_id = $1",
                                        w.parent_id);
                if (p.empty()) {
                    result.status = WriteStatus::parent_not_found;
                    result.error = "unknown parent_id " + w.parent_id;
                    return;  // rolled back by ~work
                }
                parent_path = p[0][0].as<std::string>();
            }
            const std::string new_path =
                parent_path.empty() ? w.entity_id : parent_path + "." + w.entity_id;
            std::optional<std::string> parent;
            if (!w.parent_id.empty()) parent = w.parent_id;
            auto existing = tx.exec_params(
                "SELECT COALESCE(parent_id, ''), path::text FROM entities WHERE entity_id = $1",
                w.entity_id);
            if (existing.empty()) {
                tx.exec_params(
                    "INSERT INTO entities (entity_id, name, parent_id, path, path_depth) "
                    "VALUES ($1, $2, $3, $4::ltree, nlevel($4::ltree))",
                    w.entity_id, w.name.empty() ? w.entity_id : w.name, parent, new_path);
                result.status = WriteStatus::inserted;
                result.path = new_path;
            } else if (existing[0][0].as<std::string>() == w.parent_id) {
                tx.exec_params(
                    "UPDATE entities SET name = COALESCE(NULLIF($2, ''), name), updated_at = now() "
                    "WHERE entity_id = $1",
                    w.entity_id, w.name);
                result.status = WriteStatus::updated;
                result.path = existing[0][1].as<std::string>();
            } else {
                const std::string old_path = existing[0][1].as<std::string>();
                if (!parent_path.empty() && at_or_below(parent_path, old_path)) {
                    result.status = WriteStatus::cycle;
                    result.error = "cannot move " + w.entity_id + " below itself";
                    return;
                }
                tx.exec_params(
                    "UPDATE entities SET "
                    "  path = CASE WHEN path = $1::ltree THEN $2::ltree "
                    "              ELSE $2::ltree || subpath(path, nlevel($1::ltree)) END, "
                    "  path_depth = path_depth - nlevel($1::ltree) + nlevel($2::ltree), "
                    "  updated_at = now() "
                    "WHERE path <@ $1::ltree",
                    old_path, new_path);
                tx.exec_params(
                    "UPDATE entities SET parent_id = $2, name = COALESCE(NULLIF($3, ''), name) "
                    "WHERE entity_id = $1",
                    w.entity_id, parent, w.name);
                result.status = WriteStatus::moved;
                result.path = new_path;
            }
            result.generation = tx.exec1(generation_sql)[0].as<std::uint64_t>();
            tx.commit();
        },
        /*idempotent=*/true);
    return result;
}

}  // namespace volley::resolver
