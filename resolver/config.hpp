// Everything needed to build a group of resolver instances and their backends (docs/architecture.md
// "Resolver"); the YAML `target.resolver` mapping and `volley resolver serve` fill this. Times are
// std::chrono durations; defaults follow the seed documents (L1 1000 entries, L2 TTL 3600 s).
#pragma once

#include "resolver/datagen.hpp"
#include "resolver/resolver.hpp"

#include <chrono>
#include <cstddef>
#include <string>

namespace volley::resolver {

struct ResolverConfig {
    enum class Backend : std::uint8_t { embedded, postgres };
    // automatic: Redis when redis_url is set, else the embedded shared map.
    enum class L2Mode : std::uint8_t { automatic, embedded, redis, off };
    enum class Dataset : std::uint8_t { generated, geo_seed, none };

    Backend backend = Backend::embedded;
    int instances = 1;         // resolver instances sharing L2, L3, L4 and the generation
    ResolverOptions resolver;  // per instance: L1 size, TTLs, timeouts, L2 key prefix
    L2Mode l2 = L2Mode::automatic;
    bool l3 = true;  // false: no view tier, misses go from L2 straight to L4

    // Data. Embedded: always loaded at start. PostgreSQL: loaded only when pg_load is set
    // (otherwise `volley resolver init` has loaded it).
    Dataset dataset = Dataset::generated;
    TreeSpec tree;                 // for Dataset::generated
    bool refresh_on_start = true;  // refresh the views after loading

    // Embedded backend.
    std::size_t embedded_l2_capacity = 1'000'000;

    // PostgreSQL backend.
    std::string postgres_url;     // postgresql://user@host:port/db (required for postgres)
    std::string postgres_schema;  // empty: the server's default search_path
    std::size_t pg_pool_size = 8;
    std::chrono::milliseconds pg_query_timeout{500};
    bool pg_migrate = true;  // apply pending migrations at start
    bool pg_load = false;    // replace all entities with `dataset` at start
    // Poll interval for the data generation in PostgreSQL, so writes made by other processes
    // invalidate this process's caches within one interval; 0 disables polling.
    std::chrono::milliseconds generation_poll{100};

    // Redis (L2).
    std::string redis_url;  // redis://host:port[/db]
    std::size_t redis_pool_size = 16;
    std::chrono::milliseconds redis_timeout{50};
    std::chrono::milliseconds redis_connect_timeout{200};

    // Circuit-breaker backoff for Redis and PostgreSQL (connection-class errors).
    std::chrono::milliseconds backoff_base{50};
    std::chrono::milliseconds backoff_max{2000};
};

std::string_view backend_name(ResolverConfig::Backend b);

}  // namespace volley::resolver
