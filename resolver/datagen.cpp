#include "resolver/datagen.hpp"

#include <fmt/format.h>

#include <limits>
#include <stdexcept>

namespace volley::resolver {

std::int64_t tree_capacity(int fanout, int depth) {
    if (fanout < 1 || depth < 1) return 0;
    constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
    std::int64_t total = 0;
    std::int64_t level = 1;
    for (int d = 0; d < depth; ++d) {
        if (total > max - level) return max;
        total += level;
        if (level > max / fanout)
            level = max;
        else
            level *= fanout;
    }
    return total;
}

std::vector<EntityRow> generate_tree(const TreeSpec& spec) {
    if (spec.entities < 1 || spec.fanout < 1 || spec.depth < 1)
        throw std::invalid_argument("generate_tree: entities, fanout and depth must be >= 1");
    const std::int64_t cap = tree_capacity(spec.fanout, spec.depth);
    if (spec.entities > cap)
        throw std::invalid_argument(fmt::format(
            "generate_tree: {} entities do not fit a tree of fanout {} and depth {} (max {})",
            spec.entities, spec.fanout, spec.depth, cap));
    std::vector<EntityRow> rows;
    rows.reserve(static_cast<std::size_t>(spec.entities));
    rows.push_back(EntityRow{"entity_000000", "Entity 0", "", "entity_000000"});
    // Breadth-first: the parent of entity i (i >= 1) is entity (i - 1) / fanout.
    for (std::int64_t i = 1; i < spec.entities; ++i) {
        const auto& parent = rows[static_cast<std::size_t>((i - 1) / spec.fanout)];
        std::string id = fmt::format("entity_{:06d}", i);
        std::string path = parent.path + "." + id;
        rows.push_back(EntityRow{std::move(id), fmt::format("Entity {}", i), parent.entity_id,
                                 std::move(path)});
    }
    return rows;
}

std::vector<EntityRow> geo_seed() {
    return {
        {"world", "World", "", "world"},
        {"europe", "Europe", "world", "world.europe"},
        {"asia", "Asia", "world", "world.asia"},
        {"north_america", "North America", "world", "world.north_america"},
        {"france", "France", "europe", "world.europe.western_europe.france"},
        {"germany", "Germany", "europe", "world.europe.central_europe.germany"},
        {"japan", "Japan", "asia", "world.asia.east_asia.japan"},
        {"india", "India", "asia", "world.asia.south_asia.india"},
        {"united_states", "United States", "north_america",
         "world.north_america.northern_america.united_states"},
        {"mexico", "Mexico", "north_america", "world.north_america.central_america.mexico"},
    };
}

}  // namespace volley::resolver
