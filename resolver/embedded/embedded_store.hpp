// Embedded L3 + L4: an in-memory path store (the "live" source of truth) and a snapshot of the
// computed views taken by refresh_views(), with the same semantics as the PostgreSQL backend:
// ancestors are the rows whose path is a proper prefix of the entity's path (root first),
// descendants the rows strictly below it; the snapshot answers only for entities unchanged
// since it was taken (no write at, above or — for counts — below the entity's path since).
// Thread-safe (readers share a lock; writes and the snapshot swap are exclusive).
#pragma once

#include "resolver/datagen.hpp"
#include "resolver/seams.hpp"

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace volley::resolver {

class EmbeddedStore final : public ViewStore, public LiveStore {
public:
    EmbeddedStore();
    ~EmbeddedStore() override;

    // Replaces all data and bumps the generation; the view is emptied (call refresh_views()).
    // Throws std::invalid_argument for malformed or duplicate ids, an unknown parent, or a path
    // that does not end with the id or does not extend the parent's path.
    void load(const std::vector<EntityRow>& rows);
    [[nodiscard]] std::size_t size() const;

    // ViewStore (L3)
    AncestorsPtr view_ancestors(std::string_view id, Deadline deadline) override;
    std::optional<std::int64_t> view_descendant_count(std::string_view id,
                                                      Deadline deadline) override;
    std::uint64_t refresh_views(Deadline deadline) override;
    [[nodiscard]] bool view_available() const override { return true; }

    // LiveStore (L4)
    AncestorsPtr live_ancestors(std::string_view id, Deadline deadline) override;
    std::optional<std::int64_t> live_descendant_count(std::string_view id,
                                                      Deadline deadline) override;
    std::optional<ParentLink> parent_link(std::string_view id, Deadline deadline) override;
    WriteResult upsert(const EntityWrite& write, Deadline deadline) override;
    std::uint64_t data_generation(Deadline deadline) override;
    [[nodiscard]] bool live_available() const override { return true; }

private:
    struct Row {
        std::string name;
        std::string parent_id;
        std::string path;
    };
    struct ViewRow {
        std::string path;
        AncestorsPtr ancestors;
        std::int64_t count = 0;
    };
    struct Snapshot {
        std::unordered_map<std::string, ViewRow> rows;
    };

    AncestorsPtr ancestors_of_path(const std::string& path) const;
    std::int64_t count_below(const std::string& path) const;
    bool changed_at_or_above(const std::string& path) const;
    bool changed_below(const std::string& path) const;

    mutable std::shared_mutex mu_;
    std::unordered_map<std::string, Row> rows_;
    std::map<std::string, std::string, std::less<>> by_path_;    // path -> entity id
    std::map<std::string, std::uint64_t, std::less<>> changes_;  // paths written since snapshot
    std::shared_ptr<const Snapshot> snapshot_;
    std::uint64_t generation_ = 1;
};

}  // namespace volley::resolver
