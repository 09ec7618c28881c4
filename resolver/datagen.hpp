// Test and benchmark data (resolver-notes.md defect 7): a real tree of N entities with fan-out F
// and at most D levels, ids entity_%06d in breadth-first order, paths made of the ancestor ids;
// and the small geographic seed (World, three continents, six countries) whose intermediate
// path levels have no rows. Rows load into both backends (EmbeddedStore::load, pg_load_rows).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace volley::resolver {

struct EntityRow {
    std::string entity_id;
    std::string name;
    std::string parent_id;  // empty for a root
    std::string path;       // dotted LTREE path ending with entity_id
};

struct TreeSpec {
    std::int64_t entities = 10'000;
    int fanout = 10;
    int depth = 6;  // levels, the root being level 1
};

// Entities a tree of this fan-out and depth can hold (saturates at INT64_MAX).
std::int64_t tree_capacity(int fanout, int depth);

// Breadth-first: entity_000000 is the root, entity i's children follow in id order. Parents
// always precede their children. Throws std::invalid_argument when entities < 1, fanout < 1,
// depth < 1 or entities > tree_capacity(fanout, depth).
std::vector<EntityRow> generate_tree(const TreeSpec& spec);

// The geographic seed fixture, parents first. Intermediate path levels (e.g. western_europe in
// world.europe.western_europe.france) are labels without rows: france's parent is europe.
std::vector<EntityRow> geo_seed();

}  // namespace volley::resolver
