#include "resolver/metrics.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <chrono>
#include <ctime>

namespace volley::resolver {

std::uint64_t MetricsSnapshot::status_total(Status s) const {
    std::uint64_t n = 0;
    for (const auto& k : outcomes) n += k[static_cast<std::size_t>(s)];
    return n;
}

std::uint64_t MetricsSnapshot::requests() const {
    std::uint64_t n = 0;
    for (const auto& k : outcomes)
        for (auto v : k) n += v;
    return n;
}

std::uint64_t MetricsSnapshot::served(Tier t) const {
    std::uint64_t n = 0;
    for (const auto& k : served_by) n += k[static_cast<std::size_t>(tier_index(t))];
    return n;
}

std::uint64_t MetricsSnapshot::hits() const {
    return served(Tier::l1_memory) + served(Tier::l2_redis) + served(Tier::l3_view);
}

double MetricsSnapshot::hit_rate() const {
    const auto r = requests();
    return r == 0 ? 0.0 : static_cast<double>(hits()) / static_cast<double>(r);
}

void MetricsSnapshot::merge(const MetricsSnapshot& o) {
    for (int k = 0; k < kind_count; ++k) {
        for (int s = 0; s < status_count; ++s) outcomes[k][s] += o.outcomes[k][s];
        for (int t = 0; t < tier_count; ++t) served_by[k][t] += o.served_by[k][t];
    }
    for (int t = 0; t < tier_count; ++t) {
        probes[t].hits += o.probes[t].hits;
        probes[t].misses += o.probes[t].misses;
        probes[t].errors += o.probes[t].errors;
        probes[t].skipped += o.probes[t].skipped;
    }
    coalesced += o.coalesced;
    l2_fill_errors += o.l2_fill_errors;
    writes += o.writes;
    write_errors += o.write_errors;
    refreshes += o.refreshes;
    refresh_errors += o.refresh_errors;
    if (o.last_refresh_unix_ms > last_refresh_unix_ms) {
        last_refresh_unix_ms = o.last_refresh_unix_ms;
        last_refresh_ms = o.last_refresh_ms;
    }
    l1_size += o.l1_size;
    l1_capacity += o.l1_capacity;
    l2_configured = l2_configured || o.l2_configured;
    l2_available = l2_available && o.l2_available;
    l3_configured = l3_configured || o.l3_configured;
    l3_available = l3_available && o.l3_available;
    l4_available = l4_available && o.l4_available;
    if (!pool) pool = o.pool;
    generation = std::max(generation, o.generation);
    instances += o.instances;
}

ResolverCounters::ResolverCounters() : stripes_(std::make_unique<Stripe[]>(stripe_count)) {}

std::size_t ResolverCounters::stripe() {
    static std::atomic<std::size_t> next{0};
    thread_local const std::size_t mine = next.fetch_add(1, std::memory_order_relaxed);
    return mine % stripe_count;
}

void ResolverCounters::read_into(MetricsSnapshot& out) const {
    std::array<std::uint64_t, count_> sum{};
    for (int s = 0; s < stripe_count; ++s)
        for (std::size_t i = 0; i < sum.size(); ++i)
            sum[i] += stripes_[s].v[i].load(std::memory_order_relaxed);
    out.coalesced = sum[coalesced];
    out.l2_fill_errors = sum[l2_fill_errors];
    out.writes = sum[writes];
    out.write_errors = sum[write_errors];
    out.refreshes = sum[refreshes];
    out.refresh_errors = sum[refresh_errors];
    for (int t = 0; t < tier_count; ++t) {
        const auto* p = &sum[static_cast<std::size_t>(probe_base + t * 4)];
        out.probes[t] = TierProbes{p[hit], p[miss], p[error], p[skipped]};
    }
    for (int k = 0; k < kind_count; ++k) {
        for (int s = 0; s < status_count; ++s)
            out.outcomes[k][s] = sum[static_cast<std::size_t>(outcome_base + k * status_count + s)];
        for (int t = 0; t < tier_count; ++t)
            out.served_by[k][t] = sum[static_cast<std::size_t>(served_base + k * tier_count + t)];
    }
    // L1 probe hits are exactly the answers served by L1 (the hot path counts them once).
    out.probes[0].hits = out.served_by[0][0] + out.served_by[1][0];
}

namespace {

constexpr const char* kind_names[kind_count] = {"ancestors", "descendant_count"};

double ratio(std::uint64_t a, std::uint64_t b) {
    return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
}

std::string iso_utc(std::int64_t unix_ms) {
    const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, unix_ms % 1000);
}

void header(std::string& out, const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP volley_resolver_{} {}\n# TYPE volley_resolver_{} {}\n", name, help,
                       name, type);
}

}  // namespace

std::string to_prometheus(const MetricsSnapshot& m) {
    std::string out;
    out.reserve(4096);
    header(out, "requests_total", "counter", "Requests by kind and final status.");
    for (int k = 0; k < kind_count; ++k)
        for (int s = 0; s < status_count; ++s)
            out +=
                fmt::format("volley_resolver_requests_total{{kind=\"{}\",status=\"{}\"}} {}\n",
                            kind_names[k], status_name(static_cast<Status>(s)), m.outcomes[k][s]);
    header(out, "served_total", "counter",
           "Answers (ok and not_found) by kind and the tier that served them.");
    for (int k = 0; k < kind_count; ++k)
        for (int t = 0; t < tier_count; ++t) {
            const Tier tier = tier_from_number(t + 1);
            out += fmt::format(
                "volley_resolver_served_total{{kind=\"{}\",tier=\"{}\",tier_name=\"{}\"}} {}\n",
                kind_names[k], tier_label(tier), tier_name(tier), m.served_by[k][t]);
        }
    header(out, "tier_probes_total", "counter",
           "Tier lookups: hit answered, miss and error fell through, skipped = breaker open.");
    constexpr const char* results[] = {"hit", "miss", "error", "skipped"};
    for (int t = 0; t < tier_count; ++t) {
        const Tier tier = tier_from_number(t + 1);
        const std::uint64_t v[] = {m.probes[t].hits, m.probes[t].misses, m.probes[t].errors,
                                   m.probes[t].skipped};
        for (int r = 0; r < 4; ++r)
            out += fmt::format(
                "volley_resolver_tier_probes_total{{tier=\"{}\",tier_name=\"{}\",result=\"{}\"}} "
                "{}\n",
                tier_label(tier), tier_name(tier), results[r], v[r]);
    }
    header(out, "cache_hit_ratio", "gauge",
           "Requests served by L1, L2 or L3 divided by all requests.");
    out += fmt::format("volley_resolver_cache_hit_ratio {:.6f}\n", m.hit_rate());
    header(out, "coalesced_total", "counter", "Requests that waited for a concurrent fetch.");
    out += fmt::format("volley_resolver_coalesced_total {}\n", m.coalesced);
    header(out, "l2_fill_errors_total", "counter", "Failed L2 writes after an L3/L4 answer.");
    out += fmt::format("volley_resolver_l2_fill_errors_total {}\n", m.l2_fill_errors);
    header(out, "l1_entries", "gauge", "Entries in the L1 memory caches.");
    out += fmt::format("volley_resolver_l1_entries {}\n", m.l1_size);
    header(out, "l1_capacity", "gauge", "Capacity of the L1 memory caches.");
    out += fmt::format("volley_resolver_l1_capacity {}\n", m.l1_capacity);
    header(out, "backend_up", "gauge", "1 when the tier's backend is configured and reachable.");
    out += fmt::format("volley_resolver_backend_up{{tier=\"L2\",tier_name=\"redis\"}} {}\n",
                       m.l2_configured && m.l2_available ? 1 : 0);
    out += fmt::format("volley_resolver_backend_up{{tier=\"L3\",tier_name=\"view\"}} {}\n",
                       m.l3_configured && m.l3_available ? 1 : 0);
    out += fmt::format("volley_resolver_backend_up{{tier=\"L4\",tier_name=\"live\"}} {}\n",
                       m.l4_available ? 1 : 0);
    header(out, "writes_total", "counter", "Entity inserts/moves by result.");
    out += fmt::format("volley_resolver_writes_total{{result=\"ok\"}} {}\n", m.writes);
    out += fmt::format("volley_resolver_writes_total{{result=\"error\"}} {}\n", m.write_errors);
    header(out, "view_refreshes_total", "counter", "Materialized view refreshes by result.");
    out += fmt::format("volley_resolver_view_refreshes_total{{result=\"ok\"}} {}\n", m.refreshes);
    out += fmt::format("volley_resolver_view_refreshes_total{{result=\"error\"}} {}\n",
                       m.refresh_errors);
    header(out, "view_refresh_last_seconds", "gauge", "Duration of the last successful refresh.");
    out += fmt::format("volley_resolver_view_refresh_last_seconds {:.6f}\n",
                       m.last_refresh_ms / 1000.0);
    header(out, "generation", "gauge", "Data generation (bumped by writes and refreshes).");
    out += fmt::format("volley_resolver_generation {}\n", m.generation);
    header(out, "instances", "gauge", "Resolver instances aggregated here.");
    out += fmt::format("volley_resolver_instances {}\n", m.instances);
    if (m.pool) {
        header(out, "pg_pool_connections", "gauge", "PostgreSQL pool connections by state.");
        out +=
            fmt::format("volley_resolver_pg_pool_connections{{state=\"max\"}} {}\n", m.pool->size);
        out +=
            fmt::format("volley_resolver_pg_pool_connections{{state=\"open\"}} {}\n", m.pool->open);
        out += fmt::format("volley_resolver_pg_pool_connections{{state=\"in_use\"}} {}\n",
                           m.pool->in_use);
        out += fmt::format("volley_resolver_pg_pool_connections{{state=\"peak_in_use\"}} {}\n",
                           m.pool->max_in_use);
        header(out, "pg_pool_utilization", "gauge", "Leased / maximum pool connections.");
        out += fmt::format("volley_resolver_pg_pool_utilization {:.6f}\n", m.pool->utilization());
        header(out, "pg_pool_acquire_timeouts_total", "counter",
               "Requests that found no free connection before their deadline.");
        out += fmt::format("volley_resolver_pg_pool_acquire_timeouts_total {}\n",
                           m.pool->acquire_timeouts);
    }
    return out;
}

std::string to_cache_performance_json(const MetricsSnapshot& m) {
    namespace json = boost::json;
    auto tier = [&](Tier t, bool available) {
        const auto& p = m.probes[static_cast<std::size_t>(tier_index(t))];
        json::object o;
        o["name"] = tier_name(t);
        o["hits"] = p.hits;
        o["misses"] = p.misses + p.errors + p.skipped;
        o["hit_ratio"] = ratio(p.hits, p.hits + p.misses + p.errors + p.skipped);
        o["errors"] = p.errors;
        o["skipped"] = p.skipped;
        o["served"] = m.served(t);
        o["available"] = available;
        return o;
    };
    json::value last_refresh = nullptr;
    if (m.last_refresh_unix_ms != 0) last_refresh = json::string(iso_utc(m.last_refresh_unix_ms));

    json::object l1 = tier(Tier::l1_memory, true);
    l1["size"] = m.l1_size;
    l1["max_size"] = m.l1_capacity;
    l1["utilization"] = ratio(m.l1_size, m.l1_capacity);
    json::object l3 = tier(Tier::l3_view, m.l3_configured && m.l3_available);
    l3["last_refresh"] = last_refresh;
    l3["last_refresh_ms"] = m.last_refresh_ms;
    json::object l4 = tier(Tier::l4_live, m.l4_available);
    l4["last_refresh"] = last_refresh;  // the seed kept the views' refresh time here

    const double overall = m.hit_rate();
    const char* efficiency = overall > 0.95   ? "EXCELLENT"
                             : overall > 0.90 ? "GOOD"
                             : overall > 0.80 ? "FAIR"
                                              : "POOR";
    json::object served;
    for (int t = 1; t <= tier_count; ++t)
        served[tier_label(tier_from_number(t))] = m.served(tier_from_number(t));

    json::object root;
    root["l1_cache"] = std::move(l1);
    json::object l2 = tier(Tier::l2_redis, m.l2_configured && m.l2_available);
    l2["fill_errors"] = m.l2_fill_errors;
    root["l2_cache"] = std::move(l2);
    root["l3_cache"] = std::move(l3);
    root["l4_cache"] = std::move(l4);
    root["overall"] = json::object{
        {"total_requests", m.requests()},
        {"total_hits", m.hits()},
        {"overall_hit_ratio", overall},
        {"hit_ratio_basis", "requests"},
        {"cache_efficiency", efficiency},
        {"served_by", std::move(served)},
        {"errors", m.status_total(Status::unavailable) + m.status_total(Status::timeout)},
        {"invalid_ids", m.status_total(Status::invalid_id)},
        {"not_found", m.status_total(Status::not_found)},
        {"coalesced", m.coalesced},
        {"generation", m.generation},
        {"instances", m.instances},
    };
    if (m.pool) {
        root["connection_pool"] = json::object{
            {"size", m.pool->size},
            {"open", m.pool->open},
            {"in_use", m.pool->in_use},
            {"max_in_use", m.pool->max_in_use},
            {"utilization", m.pool->utilization()},
            {"acquire_timeouts", m.pool->acquire_timeouts},
        };
    }
    return json::serialize(root);
}

}  // namespace volley::resolver
