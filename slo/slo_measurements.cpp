#include "slo/slo_measurements.hpp"

#include "reports/summary_access.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <thread>

namespace volley::slo {
namespace json = boost::json;

namespace {

std::string fmt_num(double v) { return fmt::format("{:.4g}", v); }

std::optional<std::string> request_named_by_path(const scenarios::Plan& plan,
                                                 std::string_view suffix) {
    for (const auto& r : plan.requests) {
        if (r.path.size() >= suffix.size() &&
            r.path.compare(r.path.size() - suffix.size(), suffix.size(), suffix) == 0)
            return r.name;
    }
    return std::nullopt;
}

const json::object* request_summary(const json::object& summary, const std::string& name) {
    const auto* requests = reports::array_at(summary, "requests");
    if (!requests) return nullptr;
    for (const auto& r : *requests) {
        if (r.is_object() && reports::string_at(r.get_object(), "name") == name)
            return &r.get_object();
    }
    return nullptr;
}

// The smallest pool that keeps `busy` connections strictly under `limit_pct` % of its size.
std::size_t pool_size_under(double busy, double limit_pct) {
    return static_cast<std::size_t>(std::floor(busy * 100.0 / limit_pct)) + 1;
}

constexpr double kPoolLimitPct = 80.0;  // the seed's hard gate on peak utilisation

// The pool size the phase's measurements ask for: its sampled peak, or Little's law mean where
// that is higher, under the gate.
std::size_t suggested_pool_size(const slo::PoolUsage& pool) {
    return pool_size_under(std::max(static_cast<double>(pool.max_in_use), pool.mean_in_use),
                           kPoolLimitPct);
}

json::value pool_json(const std::optional<slo::PoolUsage>& pool) {
    if (!pool) return nullptr;
    return json::object{{"size", pool->size},
                        {"peak_in_use", pool->max_in_use},
                        {"peak_utilization_pct", pool->peak_pct},
                        {"mean_utilization_pct", pool->mean_pct},
                        {"samples", pool->samples},
                        {"leases_per_s", pool->leases_per_s},
                        {"mean_lease_ms", pool->mean_lease_ms},
                        {"mean_in_use", pool->mean_in_use},
                        {"suggested_size", suggested_pool_size(*pool)}};
}

}  // namespace

json::object phase_json(const slo::SloPhaseSettings& s, const slo::SloPhaseResult& r) {
    const auto delta = [&](auto f) { return f(r.after) - f(r.before); };
    const auto requests = delta([](const resolver::MetricsSnapshot& m) { return m.requests(); });
    const auto hits = delta([](const resolver::MetricsSnapshot& m) { return m.hits(); });
    json::object served;
    const char* tiers[] = {"L1", "L2", "L3", "L4"};
    for (int t = 1; t <= 4; ++t) {
        const auto tier = static_cast<resolver::Tier>(t);
        served[tiers[t - 1]] = r.after.served(tier) - r.before.served(tier);
    }
    json::object o{
        {"duration", s.duration},
        {"model", s.rate ? "open rate " + *s.rate : fmt::format("closed, {} vus", s.vus)},
        {"threads", r.engine_threads},
        {"requests", reports::number_at(r.summary, "totals.requests").value_or(0)},
        {"errors", reports::number_at(r.summary, "totals.errors").value_or(0)},
        {"throughput_rps", reports::number_at(r.summary, "totals.throughput_rps").value_or(0)},
        {"latency_ms", reports::value_at(r.summary, "latency_ms")
                           ? *reports::value_at(r.summary, "latency_ms")
                           : json::value(nullptr)},
        {"resolver_requests", requests},
        {"resolver_hit_rate_pct",
         requests ? 100.0 * static_cast<double>(hits) / static_cast<double>(requests) : 0.0},
        {"resolver_served_by", std::move(served)},
        {"pool", pool_json(r.pool)},
        {"target", r.url},
        {"transport", r.transport}};
    if (s.working_set) o["working_set"] = s.working_set;
    if (r.refresh) {
        o["refresh_triggered_at_s"] = r.refresh_triggered_s;
        o["refresh_writes_before"] = r.refresh_writes;
    }
    return o;
}

std::vector<reports::SloMeasurement> measure(const scenarios::Plan& plan,
                                             const slo::SloPhaseSettings& phase,
                                             const slo::SloPhaseResult& r) {
    std::vector<reports::SloMeasurement> out;
    const std::string& name = phase.name;
    const auto& refresh = r.refresh;
    const auto latency = [&](const std::string& metric, std::string_view suffix, const char* stat,
                             const char* key, double target, std::optional<double> gate) {
        reports::SloMeasurement m{metric, stat, "ms", false, target, gate, std::nullopt, "", ""};
        const auto request = request_named_by_path(plan, suffix);
        const json::object* req = request ? request_summary(r.summary, *request) : nullptr;
        if (!req) {
            m.details =
                fmt::format("not measured: the scenario sends no request ending in {}", suffix);
        } else {
            m.actual = reports::number_at(*req, fmt::format("latency_ms.{}", key));
            m.details = fmt::format(
                "{} of request '{}' over the {} phase ({} requests, {} vus on {} engine threads, "
                "Zipf s={} over {} ids); response time per request, not per batch; {}",
                stat, *request, name, fmt_num(reports::number_at(*req, "requests").value_or(0)),
                phase.vus, r.engine_threads, phase.zipf_s, phase.working_set, r.transport);
            if (!m.actual) m.details = "not measured: no completed requests; " + m.details;
        }
        out.push_back(std::move(m));
    };
    // The seed gates p95 (ancestors) and p99 (counts); the means have targets only.
    latency("ancestor_resolution", "/ancestors", "mean", "mean", 1.25, std::nullopt);
    latency("ancestor_resolution", "/ancestors", "p95", "p95", 1.87, 10.0);
    latency("descendant_count", "/descendants/count", "mean", "mean", 1.25, std::nullopt);
    latency("descendant_count", "/descendants/count", "p99", "p99", 17.29, 50.0);

    {
        reports::SloMeasurement m{"throughput", "rate",       "RPS", true, 42726.0,
                                  10000.0,      std::nullopt, "",    ""};
        m.actual = reports::number_at(r.summary, "totals.throughput_rps");
        m.details = fmt::format(
            "completed requests / wall-clock window of the {} phase: {} requests in {} s; "
            "closed model, {} vus on {} engine threads; machine: {} hardware threads; {}",
            name, fmt_num(reports::number_at(r.summary, "totals.requests").value_or(0)),
            fmt_num(reports::number_at(r.summary, "duration_s").value_or(0)), phase.vus,
            r.engine_threads, std::max(1U, std::thread::hardware_concurrency()), r.transport);
        out.push_back(std::move(m));
    }
    {
        reports::SloMeasurement m{
            "cache_hit_rate", "per_request", "%", true, 99.2, 90.0, std::nullopt, "", ""};
        const auto requests = r.after.requests() - r.before.requests();
        const auto hits = r.after.hits() - r.before.hits();
        if (requests > 0)
            m.actual = 100.0 * static_cast<double>(hits) / static_cast<double>(requests);
        m.details = fmt::format(
            "answers from L1 (memory), L2 (redis) or L3 (view) / resolver requests over the {} "
            "phase: {} / {} (L1 {}, L2 {}, L3 {}, L4 live {}); includes the refresh, which "
            "invalidates every cached entry; {}",
            name, hits, requests,
            r.after.served(resolver::Tier::l1_memory) - r.before.served(resolver::Tier::l1_memory),
            r.after.served(resolver::Tier::l2_redis) - r.before.served(resolver::Tier::l2_redis),
            r.after.served(resolver::Tier::l3_view) - r.before.served(resolver::Tier::l3_view),
            r.after.served(resolver::Tier::l4_live) - r.before.served(resolver::Tier::l4_live),
            r.transport);
        out.push_back(std::move(m));
    }
    {
        reports::SloMeasurement m{"materialized_view_refresh",
                                  "duration",
                                  "ms",
                                  false,
                                  850.0,
                                  1000.0,
                                  std::nullopt,
                                  "",
                                  ""};
        if (!refresh) {
            m.error =
                phase.refresh_at_s
                    ? fmt::format(
                          "not triggered: the {0} phase ended before slo.{0}.refresh_at ({1} s)",
                          name, *phase.refresh_at_s)
                    : fmt::format("not triggered: slo.{}.refresh_at is not set", name);
        } else if (!refresh->ok()) {
            m.error = fmt::format("refresh_hierarchy_views() failed: {}",
                                  refresh->error.empty() ? "unavailable" : refresh->error);
            m.actual = refresh->duration_ms;
        } else if (!r.refresh_write_error.empty()) {
            m.actual = refresh->duration_ms;
            m.error = fmt::format(
                "{} of the {} writes before the refresh failed (the first: {}): the refresh did "
                "not take in the changes it is measured with",
                phase.writes_before_refresh - r.refresh_writes, phase.writes_before_refresh,
                r.refresh_write_error);
        } else {
            m.actual = refresh->duration_ms;
            m.details = fmt::format(
                "wall-clock duration of refresh_views() after {} new entities were written "
                "before the phase (slo.{}.writes_before_refresh; the rows those changes touched "
                "are recomputed, readers never blocked), triggered at {} s into the {} phase from "
                "its own thread under load; generation now {}; load {}",
                r.refresh_writes, name, fmt_num(r.refresh_triggered_s), name, refresh->generation,
                r.transport);
        }
        out.push_back(std::move(m));
    }
    {
        reports::SloMeasurement m{"connection_pool_health",
                                  "peak_utilization",
                                  "%",
                                  false,
                                  std::nullopt,
                                  kPoolLimitPct,
                                  std::nullopt,
                                  "",
                                  ""};
        if (r.pool) {
            m.actual = r.pool->peak_pct;
            m.details = fmt::format(
                "PostgreSQL pool: peak {} of {} connections in use (mean utilisation {} %) over {} "
                "samples, 5 ms apart, during the {} phase; Little's law: {} leases/s x {} ms per "
                "lease = {} connections in use on average; a pool of {} keeps this phase's peak "
                "under {} %; high-water mark since start {}; acquire timeouts {}; {}",
                r.pool->max_in_use, r.pool->size, fmt_num(r.pool->mean_pct), r.pool->samples, name,
                fmt_num(r.pool->leases_per_s), fmt_num(r.pool->mean_lease_ms),
                fmt_num(r.pool->mean_in_use), suggested_pool_size(*r.pool), kPoolLimitPct,
                r.after.pool ? r.after.pool->max_in_use : 0,
                r.after.pool ? r.after.pool->acquire_timeouts : 0, r.transport);
        } else {
            m.details =
                "not measured: the resolver backend exposes no connection pool (embedded backend)";
        }
        out.push_back(std::move(m));
    }
    return out;
}

}  // namespace volley::slo
