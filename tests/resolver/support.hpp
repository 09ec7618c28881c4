// Helpers for the resolver tests: required server URLs (a test FAILS with a clear message when
// VOLLEY_PG_URL / VOLLEY_REDIS_URL are unset — never a silent pass), per-test PostgreSQL
// schemas and Redis key prefixes, the independent computation of expected answers from parent
// pointers, and throwaway redis-server / PostgreSQL processes for fault tests.
#pragma once

#include "resolver/config.hpp"
#include "resolver/datagen.hpp"
#include "resolver/pg/pg_pool.hpp"
#include "resolver/resolver.hpp"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace volley::resolver::test {

// The value of an environment variable, or FAIL() naming the variable and how to set it.
std::string require_env(const char* name);

// A name unique to this process and call: prefix_<pid>_<n>.
std::string unique_name(const std::string& prefix);

// Expected answers computed only from parent_id links (independent of paths and LTREE).
struct Expected {
    std::unordered_map<std::string, std::vector<std::string>> ancestors;  // root first
    std::unordered_map<std::string, std::int64_t> counts;
};
Expected expected_from_parents(const std::vector<EntityRow>& rows);

// Checks ancestors and descendant count of every id on `r` against `e`, and that `tier`
// served each answer.
void check_sample(Resolver& r, const Expected& e, const std::vector<std::string>& ids, Tier tier);

// n distinct ids drawn deterministically (seeded) from rows, always including the first row.
std::vector<std::string> sample_ids(const std::vector<EntityRow>& rows, std::size_t n,
                                    unsigned seed = 42);

// A PostgreSQL schema private to one test, migrated on construction, dropped on destruction.
class PgSchema {
public:
    explicit PgSchema(const std::string& url);
    ~PgSchema();
    PgSchema(const PgSchema&) = delete;
    PgSchema& operator=(const PgSchema&) = delete;
    PgOptions options;
};

// A group's config on `schema` (migrated already), no generation poll, and timeouts generous
// for slow, shared CI machines (queries 5 s, lookups 10 s). L2: Redis at `redis_url`, or off
// when empty.
ResolverConfig pg_test_config(const PgSchema& schema, const std::string& redis_url = "");

// Runs a shell command; returns its exit status.
int run_shell(const std::string& command);

// redis-server on 127.0.0.1 and a free port, no persistence, as a child process.
class RedisProcess {
public:
    RedisProcess();   // starts; FAILs the test if it cannot
    ~RedisProcess();  // stops
    void stop();      // SIGTERM, waited for
    void kill();      // SIGKILL, waited for: a crash, connections die mid-command
    void start();     // (re)starts on the same port and waits until it answers PING
    [[nodiscard]] std::string url() const;
    [[nodiscard]] int port() const { return port_; }

private:
    void end_with(int signal);
    int port_ = 0;
    int pid_ = -1;
    std::string dir_;
};

// A PostgreSQL 15 cluster in a temp dir (initdb as user postgres when root), on 127.0.0.1 and a
// free port, with database `volley`.
class PostgresProcess {
public:
    PostgresProcess();   // initdb + start + createdb; FAILs the test if it cannot
    ~PostgresProcess();  // stops immediately and removes the dir
    void stop();         // fast shutdown (sessions are terminated)
    void crash();        // immediate shutdown: every process quits at once, no checkpoint
    void start();
    [[nodiscard]] std::string url() const;

private:
    std::string pg(const std::string& tool) const;
    std::string dir_;
    int port_ = 0;
};

int free_port();

}  // namespace volley::resolver::test
