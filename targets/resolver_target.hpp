// The in-process resolver as a target (docs/architecture.md "Targets"): requests name resolver
// calls by path,
//   GET /entities/{id}/ancestors          -> Resolver::ancestors(id)
//   GET /entities/{id}/descendants/count  -> Resolver::descendant_count(id)
// and every completion carries the tier that answered. Lookups that may block (PostgreSQL,
// Redis) run on the target's own thread pool; the workers' I/O threads never block.
#pragma once

#include "engine/target.hpp"

#include <memory>
#include <string>

namespace volley::resolver {
class ResolverGroup;
}

namespace volley::targets {

class ResolverTarget final : public engine::Target {
public:
    // `blocking_threads` > 0: run lookups on a pool of that many threads (real backends);
    // 0: run them on the worker's thread (in-memory backends, which never block).
    ResolverTarget(std::shared_ptr<resolver::ResolverGroup> group, std::size_t blocking_threads);
    ~ResolverTarget() override;

    std::unique_ptr<engine::TargetSession> open_session(
        const engine::SessionContext& context) override;
    [[nodiscard]] bool reports_tiers() const override { return true; }
    [[nodiscard]] std::vector<std::string> notices() const override;

    struct Pool;

private:
    std::shared_ptr<resolver::ResolverGroup> group_;
    std::unique_ptr<Pool> pool_;
};

}  // namespace volley::targets
