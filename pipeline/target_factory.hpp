// Plan target spec -> engine::Target. The only place that knows every target kind.
#pragma once

#include "engine/target.hpp"
#include "resolver/config.hpp"
#include "scenarios/language/plan.hpp"

#include <functional>
#include <memory>
#include <string>

namespace volley::demo {
class DemoServer;
}

namespace volley::pipeline {

struct BuiltTarget {
    std::unique_ptr<engine::Target> target;
    std::string kind;  // "http" or "resolver"
    std::string url;   // what the report names as the target
    // `target.http.demo`: the demo service the target sends to, listening on loopback until
    // the last copy of this goes.
    std::shared_ptr<demo::DemoServer> demo;
    // Requests one connection carries at once: 1, max_streams for HTTP/2, the pipeline depth for
    // pipelined HTTP/1.1.
    std::size_t slots_per_connection = 1;
};

// HTTP/2 and pipelined HTTP/1.1 (open model): the engine's slots are requests in flight,
// `connections` x slots_per_connection of them (streams; pipelined requests); the
// threads stay at most one per connection, so each worker's share of slots fills whole
// connections. The closed model keeps one slot per virtual user.
void apply_streams_per_connection(const BuiltTarget& target, engine::RunSpec& run);

// Throws std::invalid_argument for a spec the target refuses (bad URL, unreadable TLS files);
// std::runtime_error when the demo service of `target.http.demo` cannot listen.
BuiltTarget make_target(const scenarios::Plan& plan);

// Calls `build`, which constructs a target (make_target, a shared ResolverGroup, ...). When it
// throws, prints "error: target: <what>" and returns the exit code (docs/architecture.md "Exit
// codes and verdict"): kExitUsage for std::invalid_argument (a spec the target refuses),
// kExitCannotRun for anything else (e.g. a server that does not answer). kExitPass when it built.
int build_target_or_report(const std::function<void()>& build);

// The resolver a `target.resolver` spec describes.
resolver::ResolverConfig resolver_config(const scenarios::ResolverTargetSpec& spec);

// Threads for resolver lookups that may block (real backends): as wide as the run's
// concurrency, capped by the database + Redis pools; 0 (run on the workers) for in-memory ones.
std::size_t resolver_lookup_threads(const resolver::ResolverConfig& config,
                                    std::size_t connections);

}  // namespace volley::pipeline
