// L3 + L4 on PostgreSQL (schema in resolver/sql/). L3 reads view_entity_ancestors /
// view_descendant_counts (refreshed incrementally) and answers only when hierarchy_changes
// holds no write since the last refresh at or above the entity's current path (ancestors) or
// at, above or below it (counts). L4
// runs the LTREE queries on `entities` (GiST: ancestors `a.path @> e.path AND a.path <> e.path`,
// descendants `d.path <@ e.path AND d.path <> e.path`). Reads run as prepared statements on
// the pool with deadline min(call deadline, now + query_timeout); writes and refreshes run in a
// transaction with their own statement timeout (the call's remaining time).
#pragma once

#include "resolver/pg/pg_pool.hpp"
#include "resolver/seams.hpp"

#include <memory>

namespace volley::resolver {

class PgStore final : public ViewStore, public LiveStore {
public:
    explicit PgStore(PgOptions options);
    ~PgStore() override;

    // ViewStore (L3)
    AncestorsPtr view_ancestors(std::string_view id, Deadline deadline) override;
    std::optional<std::int64_t> view_descendant_count(std::string_view id,
                                                      Deadline deadline) override;
    std::uint64_t refresh_views(Deadline deadline) override;
    [[nodiscard]] bool view_available() const override { return pool_->available(); }

    // LiveStore (L4)
    AncestorsPtr live_ancestors(std::string_view id, Deadline deadline) override;
    std::optional<std::int64_t> live_descendant_count(std::string_view id,
                                                      Deadline deadline) override;
    std::optional<ParentLink> parent_link(std::string_view id, Deadline deadline) override;
    WriteResult upsert(const EntityWrite& write, Deadline deadline) override;
    std::uint64_t data_generation(Deadline deadline) override;
    [[nodiscard]] bool live_available() const override { return pool_->available(); }
    [[nodiscard]] std::optional<PoolStats> pool_stats() const override { return pool_->stats(); }

    [[nodiscard]] PgPool& pool() { return *pool_; }

private:
    Deadline read_deadline(Deadline deadline) const;
    std::unique_ptr<PgPool> pool_;
};

}  // namespace volley::resolver
