// The `observe:` section of a scenario (docs/observe.md), parsed once by the scenario loader
// (scenarios/language/observe_section.cpp) into these immutable, typed specs. A leaf header: the
// scenario language may include it without the rest of the observe module
// (docs/architecture.md "Dependency rules").
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace volley::observe {

// A Prometheus text-format endpoint (the resolver's /metrics, any exporter).
struct PrometheusSourceSpec {
    std::string url;  // http://host:port/path (loopback or any host the user names)
    // Metric family names to keep (`resolver_requests_total`); every family when empty. Counters
    // become per-interval rates (`prom.NAME`, per second), gauges values (`prom.NAME`), classic
    // histograms per-interval quantiles (`prom.NAME.p50`, `.p90`, `.p99`, in the metric's unit).
    std::vector<std::string> metrics;
};

struct RedisSourceSpec {
    std::string url;  // redis://[:password@]host[:port][/db]
    // Glob patterns (`anc:*`) whose keys are counted with SCAN each interval, with the TTL
    // distribution of a sample of them (at most `key_sample` keys per pattern).
    std::vector<std::string> key_patterns;
    std::size_t scan_limit = 100000;  // keys SCAN visits per pattern and interval, at most
    std::size_t key_sample = 200;     // keys whose TTL is read per pattern and interval, at most
};

struct PostgresSourceSpec {
    std::string url;  // postgresql://user@host:port/db (libpq connection string or URL)
    // A statement whose calls per completed request exceed this is reported as N+1.
    double n_plus_one_calls_per_request = 5;
    std::size_t statements_kept = 20;  // statements listed in the reports (most calls first)
};

// A process on this machine: by pid, or by name (the `comm` of /proc/PID/stat, first match;
// the oldest process of that name).
struct ProcessSourceSpec {
    std::optional<int> pid;
    std::string name;
};

struct ObserveSpec {
    std::vector<PrometheusSourceSpec> prometheus;
    std::optional<RedisSourceSpec> redis;
    std::optional<PostgresSourceSpec> postgres;
    std::optional<ProcessSourceSpec> process;
    // How long one source may take to answer one sample; a slower answer is a failed sample.
    std::chrono::milliseconds timeout{1000};

    [[nodiscard]] bool empty() const {
        return prometheus.empty() && !redis && !postgres && !process;
    }
};

// The series each source writes (docs/observe.md "Series"), without the source's prefix
// ("redis." …) and labels; the loader checks `observed.*` thresholds against them. `level`: a
// gauge, so `NAME_slope` (its change per hour) exists too.
struct SeriesName {
    const char* name;
    bool level;
    const char* label;  // the label key of its labelled series ("pattern", "state"), or nullptr
};
inline constexpr std::array kRedisSeries = {
    SeriesName{"hit_rate", false, nullptr},     SeriesName{"ops", false, nullptr},
    SeriesName{"evicted_keys", false, nullptr}, SeriesName{"expired_keys", false, nullptr},
    SeriesName{"used_memory", true, nullptr},   SeriesName{"connected_clients", true, nullptr},
    SeriesName{"keys", true, "pattern"},        SeriesName{"ttl_p50", true, "pattern"},
    SeriesName{"ttl_p90", true, "pattern"},     SeriesName{"no_ttl_share", true, "pattern"},
};
inline constexpr std::array kPostgresSeries = {
    SeriesName{"transactions", false, nullptr}, SeriesName{"cache_hit_ratio", false, nullptr},
    SeriesName{"temp_files", false, nullptr},   SeriesName{"connections", true, "state"},
    SeriesName{"queries", false, nullptr},      SeriesName{"queries_per_request", false, "request"},
};
inline constexpr std::array kProcessSeries = {
    SeriesName{"rss", true, nullptr},
    SeriesName{"cpu", false, nullptr},
    SeriesName{"open_fds", true, nullptr},
    SeriesName{"threads", true, nullptr},
};

}  // namespace volley::observe
