#include "observe/sources.hpp"

#include "observe/postgres_source.hpp"
#include "observe/process_source.hpp"
#include "observe/prometheus_source.hpp"
#include "observe/redis_source.hpp"

namespace volley::observe {

std::vector<std::unique_ptr<ObserveSource>> make_sources(const ObserveSpec& spec) {
    std::vector<std::unique_ptr<ObserveSource>> sources;
    for (const auto& prometheus : spec.prometheus) {
        sources.push_back(make_prometheus_source(prometheus, spec.timeout));
    }
    if (spec.redis) sources.push_back(make_redis_source(*spec.redis, spec.timeout));
    if (spec.postgres) sources.push_back(make_postgres_source(*spec.postgres, spec.timeout));
    if (spec.process) sources.push_back(make_process_source(*spec.process));
    return sources;
}

}  // namespace volley::observe
