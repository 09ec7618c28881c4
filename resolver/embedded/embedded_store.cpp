#include "resolver/embedded/embedded_store.hpp"

#include "resolver/id.hpp"

#include <mutex>
#include <stdexcept>

namespace volley::resolver {
namespace {

// Calls fn(prefix) for every proper prefix of a dotted path, shortest first.
template <typename Fn>
void for_each_proper_prefix(const std::string& path, Fn&& fn) {
    for (std::size_t pos = path.find('.'); pos != std::string::npos; pos = path.find('.', pos + 1))
        fn(std::string_view(path).substr(0, pos));
}

bool is_at_or_below(std::string_view path, std::string_view root) {
    return path == root ||
           (path.size() > root.size() && path.starts_with(root) && path[root.size()] == '.');
}

}  // namespace

EmbeddedStore::EmbeddedStore() : snapshot_(std::make_shared<Snapshot>()) {}
EmbeddedStore::~EmbeddedStore() = default;

void EmbeddedStore::load(const std::vector<EntityRow>& rows) {
    std::unordered_map<std::string, Row> new_rows;
    std::map<std::string, std::string, std::less<>> new_paths;
    new_rows.reserve(rows.size());
    for (const auto& r : rows) {
        if (!valid_id(r.entity_id))
            throw std::invalid_argument("load: malformed id " + r.entity_id);
        const bool ends_with_id = r.path == r.entity_id || (r.path.size() > r.entity_id.size() &&
                                                            r.path.ends_with("." + r.entity_id));
        if (!ends_with_id) throw std::invalid_argument("load: path must end with id: " + r.path);
        if (!r.parent_id.empty()) {
            auto p = new_rows.find(r.parent_id);
            if (p == new_rows.end())
                throw std::invalid_argument("load: parent must precede child: " + r.entity_id);
            if (!is_at_or_below(r.path, p->second.path) || r.path == p->second.path)
                throw std::invalid_argument("load: path does not extend parent's: " + r.path);
        }
        if (!new_rows.emplace(r.entity_id, Row{r.name, r.parent_id, r.path}).second)
            throw std::invalid_argument("load: duplicate id " + r.entity_id);
        new_paths.emplace(r.path, r.entity_id);
    }
    std::unique_lock lock(mu_);
    // Every entity changed: the old snapshot may not answer for any of them.
    snapshot_ = std::make_shared<Snapshot>();
    changes_.clear();
    rows_ = std::move(new_rows);
    by_path_ = std::move(new_paths);
    ++generation_;
}

std::size_t EmbeddedStore::size() const {
    std::shared_lock lock(mu_);
    return rows_.size();
}

AncestorsPtr EmbeddedStore::ancestors_of_path(const std::string& path) const {
    std::vector<std::string> ids;
    for_each_proper_prefix(path, [&](std::string_view prefix) {
        if (auto it = by_path_.find(prefix); it != by_path_.end()) ids.push_back(it->second);
    });
    return make_ancestors(std::move(ids));
}

std::int64_t EmbeddedStore::count_below(const std::string& path) const {
    auto first = by_path_.lower_bound(path + ".");
    auto last = by_path_.lower_bound(path + "/");  // '/' follows '.' in ASCII
    return static_cast<std::int64_t>(std::distance(first, last));
}

bool EmbeddedStore::changed_at_or_above(const std::string& path) const {
    if (changes_.empty()) return false;
    if (changes_.contains(path)) return true;
    bool changed = false;
    for_each_proper_prefix(path, [&](std::string_view prefix) {
        changed = changed || changes_.find(prefix) != changes_.end();
    });
    return changed;
}

bool EmbeddedStore::changed_below(const std::string& path) const {
    auto it = changes_.lower_bound(path + ".");
    return it != changes_.end() && is_at_or_below(it->first, path) && it->first != path;
}

AncestorsPtr EmbeddedStore::view_ancestors(std::string_view id, Deadline) {
    std::shared_lock lock(mu_);
    auto it = snapshot_->rows.find(std::string(id));
    if (it == snapshot_->rows.end() || changed_at_or_above(it->second.path)) return nullptr;
    return it->second.ancestors;
}

std::optional<std::int64_t> EmbeddedStore::view_descendant_count(std::string_view id, Deadline) {
    std::shared_lock lock(mu_);
    auto it = snapshot_->rows.find(std::string(id));
    if (it == snapshot_->rows.end() || changed_at_or_above(it->second.path) ||
        changed_below(it->second.path))
        return std::nullopt;
    return it->second.count;
}

std::uint64_t EmbeddedStore::refresh_views(Deadline) {
    auto snap = std::make_shared<Snapshot>();
    std::uint64_t as_of = 0;
    {
        std::shared_lock lock(mu_);  // writers are excluded while the snapshot is computed
        as_of = generation_;
        snap->rows.reserve(rows_.size());
        for (const auto& [id, row] : rows_)
            snap->rows.emplace(id, ViewRow{row.path, ancestors_of_path(row.path), 0});
        for (const auto& [id, row] : rows_)
            for_each_proper_prefix(row.path, [&](std::string_view prefix) {
                if (auto p = by_path_.find(prefix); p != by_path_.end())
                    ++snap->rows[p->second].count;
            });
    }
    std::unique_lock lock(mu_);
    snapshot_ = std::move(snap);
    std::erase_if(changes_, [&](const auto& kv) { return kv.second <= as_of; });
    return ++generation_;
}

AncestorsPtr EmbeddedStore::live_ancestors(std::string_view id, Deadline) {
    std::shared_lock lock(mu_);
    auto it = rows_.find(std::string(id));
    if (it == rows_.end()) return nullptr;
    return ancestors_of_path(it->second.path);
}

std::optional<std::int64_t> EmbeddedStore::live_descendant_count(std::string_view id, Deadline) {
    std::shared_lock lock(mu_);
    auto it = rows_.find(std::string(id));
    if (it == rows_.end()) return std::nullopt;
    return count_below(it->second.path);
}

std::optional<ParentLink> EmbeddedStore::parent_link(std::string_view id, Deadline) {
    std::shared_lock lock(mu_);
    auto it = rows_.find(std::string(id));
    if (it == rows_.end()) return std::nullopt;
    ParentLink link{it->second.parent_id, false};
    if (!link.parent_id.empty()) {
        auto parent = rows_.find(link.parent_id);
        // A parent always has a row (load and upsert check it); treat a missing one as a root.
        link.parent_is_root = parent == rows_.end() || parent->second.parent_id.empty();
    }
    return link;
}

WriteResult EmbeddedStore::upsert(const EntityWrite& w, Deadline) {
    WriteResult r;
    if (!valid_id(w.entity_id) || (!w.parent_id.empty() && !valid_id(w.parent_id))) {
        r.status = WriteStatus::invalid_id;
        r.error = "malformed entity_id or parent_id";
        return r;
    }
    std::unique_lock lock(mu_);
    std::string parent_path;
    if (!w.parent_id.empty()) {
        auto p = rows_.find(w.parent_id);
        if (p == rows_.end()) {
            r.status = WriteStatus::parent_not_found;
            r.error = "unknown parent_id " + w.parent_id;
            return r;
        }
        parent_path = p->second.path;
    }
    const std::string new_path =
        parent_path.empty() ? w.entity_id : parent_path + "." + w.entity_id;
    auto it = rows_.find(w.entity_id);
    if (it == rows_.end()) {
        const std::uint64_t g = ++generation_;
        rows_.emplace(w.entity_id,
                      Row{w.name.empty() ? w.entity_id : w.name, w.parent_id, new_path});
        by_path_.emplace(new_path, w.entity_id);
        changes_[new_path] = g;
        r.status = WriteStatus::inserted;
        r.path = new_path;
        r.generation = g;
        return r;
    }
    Row& row = it->second;
    if (!w.name.empty()) row.name = w.name;
    if (row.parent_id == w.parent_id) {
        r.status = WriteStatus::updated;
        r.path = row.path;
        r.generation = ++generation_;
        return r;
    }
    const std::string old_path = row.path;
    if (!parent_path.empty() && is_at_or_below(parent_path, old_path)) {
        r.status = WriteStatus::cycle;
        r.error = "cannot move " + w.entity_id + " below itself";
        return r;
    }
    // Rewrite the paths of the subtree (the entity and every row below it).
    std::vector<std::pair<std::string, std::string>> moved;  // old path, id
    for (auto p = by_path_.lower_bound(old_path);
         p != by_path_.end() && is_at_or_below(p->first, old_path);) {
        moved.emplace_back(p->first, p->second);
        p = by_path_.erase(p);
    }
    for (auto& [path, id] : moved) {
        std::string np = new_path + path.substr(old_path.size());
        rows_[id].path = np;
        by_path_.emplace(std::move(np), id);
    }
    row.parent_id = w.parent_id;
    const std::uint64_t g = ++generation_;
    changes_[old_path] = g;
    changes_[new_path] = g;
    r.status = WriteStatus::moved;
    r.path = new_path;
    r.generation = g;
    return r;
}

std::uint64_t EmbeddedStore::data_generation(Deadline) {
    std::shared_lock lock(mu_);
    return generation_;
}

}  // namespace volley::resolver
