// A group of resolver instances sharing one set of backends (docs/architecture.md "Resolver",
// `instances: N`): each instance has its own L1; L2, L3, L4 and the generation clock are shared.
// Builds the backends from a ResolverConfig, loads data, and (PostgreSQL) polls the data
// generation.
#pragma once

#include "resolver/config.hpp"
#include "resolver/resolver.hpp"

#include <memory>
#include <string>
#include <vector>

namespace volley::resolver {

class EmbeddedStore;

struct HealthReport {
    bool ok = false;  // L4 reachable: requests can be answered
    bool l2_configured = false, l2_up = false;
    bool l3_configured = false, l3_up = false;
    bool l4_up = false;
    std::string detail;  // first error seen, empty when all is well
};

class ResolverGroup {
public:
    // Throws std::invalid_argument for an inconsistent config (postgres without URL, redis L2
    // without URL, instances < 1, bad dataset spec) and std::runtime_error when setup fails
    // (migrations, data load, initial refresh).
    explicit ResolverGroup(const ResolverConfig& config);
    // Instances over caller-supplied backends (tests, fakes).
    ResolverGroup(const ResolverOptions& options, Backends backends, int instances);
    ~ResolverGroup();
    ResolverGroup(const ResolverGroup&) = delete;
    ResolverGroup& operator=(const ResolverGroup&) = delete;

    [[nodiscard]] std::size_t size() const { return instances_.size(); }
    Resolver& instance(std::size_t i) { return *instances_.at(i); }
    Resolver& operator[](std::size_t i) { return *instances_.at(i); }

    // Writes and refreshes go through instance 0; the shared clock makes them visible to all.
    WriteResult upsert_entity(const EntityWrite& write) {
        return instances_.at(0)->upsert_entity(write);
    }
    RefreshResult refresh_views() { return instances_.at(0)->refresh_views(); }

    // Counters summed over instances; shared-backend gauges taken once.
    [[nodiscard]] MetricsSnapshot metrics() const;
    // Probes L2 (a GET) and L4 (the data generation) with the request timeout.
    HealthReport health();

    [[nodiscard]] const Backends& backends() const { return backends_; }
    // The embedded store (null for the postgres backend).
    [[nodiscard]] std::shared_ptr<EmbeddedStore> embedded_store() const { return embedded_; }
    [[nodiscard]] std::string describe() const;  // one line: backend, tiers, instances

private:
    void start_poller(std::chrono::milliseconds interval);
    struct Poller;

    ResolverOptions options_;
    Backends backends_;
    std::shared_ptr<EmbeddedStore> embedded_;
    std::vector<std::unique_ptr<Resolver>> instances_;
    std::unique_ptr<Poller> poller_;
    std::string description_;
};

}  // namespace volley::resolver
