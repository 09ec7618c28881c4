// observe: (docs/observe.md) — the sources read from the system under test once per interval,
// and the check of `observed.*` thresholds against them.
#include "scenarios/language/loader_sections.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <span>

namespace volley::scenarios::detail {
namespace {

using observe::SeriesName;

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

// A URL with one of `schemes` and something after "://".
bool has_scheme(const std::string& url, std::initializer_list<std::string_view> schemes) {
    return std::any_of(schemes.begin(), schemes.end(), [&](std::string_view scheme) {
        return starts_with(url, scheme) && url.size() > scheme.size();
    });
}

std::optional<std::string> read_url(const MapReader& map,
                                    std::initializer_list<std::string_view> schemes,
                                    std::string_view example) {
    if (!map.require("url", example)) return std::nullopt;
    auto url = map.string("url");
    if (url && !has_scheme(*url, schemes)) {
        map.sink().error(
            *map.get("url"), map.path("url"),
            fmt::format("'{}' is not a URL this source reads (write e.g. {})", *url, example));
        return std::nullopt;
    }
    return url;
}

void read_prometheus(LoadContext& context, const YAML::Node& node, const std::string& path,
                     observe::ObserveSpec& spec) {
    auto read_one = [&](const YAML::Node& item, const std::string& item_path) {
        observe::PrometheusSourceSpec source;
        if (item.IsScalar()) {
            source.url = item.as<std::string>();
            if (!has_scheme(source.url, {"http://"})) {
                context.sink.error(item, item_path,
                                   fmt::format("'{}' is not an http:// URL of a Prometheus text "
                                               "endpoint (e.g. http://127.0.0.1:9100/metrics)",
                                               source.url));
                return;
            }
        } else {
            const MapReader map(context.sink, item, item_path, {"url", "metrics"});
            if (!map.is_map()) return;
            auto url = read_url(map, {"http://"}, "http://127.0.0.1:9100/metrics");
            if (!url) return;
            source.url = *url;
            if (auto metrics = map.string_list("metrics")) source.metrics = *metrics;
        }
        spec.prometheus.push_back(std::move(source));
    };
    if (node.IsSequence()) {
        for (std::size_t i = 0; i < node.size(); ++i) read_one(node[i], index_path(path, i));
    } else if (node.IsMap() || node.IsScalar()) {
        read_one(node, path);
    } else {
        context.sink.error(node, path, "expected a URL, a {url, metrics} map or a list of them");
    }
}

void read_redis(LoadContext& context, const YAML::Node& node, const std::string& path,
                observe::ObserveSpec& spec) {
    const MapReader map(context.sink, node, path,
                        {"url", "key_patterns", "scan_limit", "key_sample"});
    if (!map.is_map()) return;
    observe::RedisSourceSpec redis;
    if (auto url = read_url(map, {"redis://"}, "redis://127.0.0.1:6379")) redis.url = *url;
    if (auto patterns = map.string_list("key_patterns")) {
        for (std::size_t i = 0; i < patterns->size(); ++i) {
            if ((*patterns)[i].empty()) {
                context.sink.error(*map.get("key_patterns"), map.path("key_patterns"),
                                   "a key pattern must not be empty (write e.g. 'anc:*')");
            }
        }
        redis.key_patterns = *patterns;
    }
    if (auto limit = map.integer("scan_limit", 1, 100'000'000)) {
        redis.scan_limit = static_cast<std::size_t>(*limit);
    }
    if (auto sample = map.integer("key_sample", 1, 100'000)) {
        redis.key_sample = static_cast<std::size_t>(*sample);
    }
    spec.redis = std::move(redis);
}

void read_postgres(LoadContext& context, const YAML::Node& node, const std::string& path,
                   observe::ObserveSpec& spec) {
    const MapReader map(context.sink, node, path, {"url", "n_plus_one", "statements"});
    if (!map.is_map()) return;
    observe::PostgresSourceSpec postgres;
    if (auto url = read_url(map, {"postgresql://", "postgres://"},
                            "postgresql://volley@127.0.0.1:5432/volley")) {
        postgres.url = *url;
    }
    if (auto limit = map.number("n_plus_one", 0, 1e9)) {
        postgres.n_plus_one_calls_per_request = *limit;
    }
    if (auto kept = map.integer("statements", 1, 1000)) {
        postgres.statements_kept = static_cast<std::size_t>(*kept);
    }
    spec.postgres = std::move(postgres);
}

void read_process(LoadContext& context, const YAML::Node& node, const std::string& path,
                  observe::ObserveSpec& spec) {
    const MapReader map(context.sink, node, path, {"pid", "name"});
    if (!map.is_map()) return;
    observe::ProcessSourceSpec process;
    if (map.has("pid") == map.has("name")) {
        context.sink.error(node, path, "needs exactly one of pid (a number) or name");
        return;
    }
    if (auto pid = map.integer("pid", 1, 4'194'304)) process.pid = static_cast<int>(*pid);
    if (auto name = map.string("name")) {
        // /proc/PID/stat's comm holds at most 15 characters.
        if (name->empty() || name->size() > 15 || name->find('/') != std::string::npos) {
            context.sink.error(*map.get("name"), map.path("name"),
                               "a process name is 1..15 characters without '/' (the comm of "
                               "/proc/PID/stat, e.g. postgres)");
        }
        process.name = *name;
    }
    spec.process = std::move(process);
}

// `observed.SERIES{KEY:VALUE}` names a series the plan's sources write, or why not.
std::string series_problem(std::span<const SeriesName> names, std::string_view source,
                           std::string_view rest, const thresholds::ThresholdScope& scope,
                           bool configured, const std::vector<RequestSpec>& requests) {
    if (!configured) {
        return fmt::format("observed.{}.…: the scenario observes no {} (add observe.{})", source,
                           source, source);
    }
    std::string_view base = rest;
    const bool slope = base.ends_with("_slope");
    if (slope) base.remove_suffix(6);
    const auto found = std::find_if(names.begin(), names.end(),
                                    [&](const SeriesName& s) { return base == s.name; });
    if (found == names.end()) {
        std::string known;
        for (const auto& s : names) known += fmt::format("{}{}", known.empty() ? "" : ", ", s.name);
        return fmt::format("{} writes no series '{}' (series: {})", source, rest, known);
    }
    if (slope && !found->level) {
        return fmt::format("{}.{} is no level: it has no _slope", source, found->name);
    }
    const bool scoped = scope.kind != thresholds::ThresholdScopeKind::all;
    const std::string key =
        scope.kind == thresholds::ThresholdScopeKind::request ? "request" : scope.key;
    // A series labelled by request is also labelled by each tag of the requests.
    const bool by_tag = found->label != nullptr && std::string_view(found->label) == "request" &&
                        scope.kind == thresholds::ThresholdScopeKind::tag;
    if (by_tag) {
        const thresholds::Tag wanted{scope.key, scope.name};
        const bool exists = std::any_of(requests.begin(), requests.end(), [&](const auto& request) {
            return std::find(request.tags.begin(), request.tags.end(), wanted) !=
                   request.tags.end();
        });
        if (!exists) return fmt::format("no request has the tag {}: {}", scope.key, scope.name);
        return {};
    }
    if (scoped && (found->label == nullptr || key != found->label)) {
        return found->label == nullptr
                   ? fmt::format("{}.{} has no labels: drop the scope", source, found->name)
                   : fmt::format("{}.{} is labelled by {}, not {}", source, found->name,
                                 found->label, key);
    }
    return {};
}

}  // namespace

void read_observe(LoadContext& context, const YAML::Node& node, Plan& plan) {
    const MapReader map(context.sink, node, "observe",
                        {"prometheus", "redis", "postgres", "process", "timeout"});
    if (!map.is_map()) return;
    observe::ObserveSpec& spec = plan.observe;
    if (auto prometheus = map.get("prometheus")) {
        read_prometheus(context, *prometheus, map.path("prometheus"), spec);
    }
    if (auto redis = map.get("redis")) read_redis(context, *redis, map.path("redis"), spec);
    if (auto postgres = map.get("postgres")) {
        read_postgres(context, *postgres, map.path("postgres"), spec);
    }
    if (auto process = map.get("process")) {
        read_process(context, *process, map.path("process"), spec);
    }
    if (auto timeout = map.duration("timeout")) {
        if (*timeout < std::chrono::milliseconds(10) || *timeout > std::chrono::seconds(30)) {
            context.sink.error(*map.get("timeout"), map.path("timeout"),
                               "must be between 10ms and 30s (a sample that takes longer fails)");
        }
        spec.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*timeout);
    }
    if (spec.empty() && context.sink.empty()) {
        context.sink.error(node, "observe",
                           "names no source (prometheus, redis, postgres or process)");
    }
}

std::string observed_series_problem(const thresholds::ThresholdExpr& expr,
                                    const observe::ObserveSpec& spec,
                                    const std::vector<RequestSpec>& requests) {
    const std::string_view series = expr.observed;
    if (starts_with(series, "redis.")) {
        auto why = series_problem(observe::kRedisSeries, "redis", series.substr(6), expr.scope,
                                  spec.redis.has_value(), requests);
        if (why.empty() && expr.scope.key == "pattern" && spec.redis &&
            std::find(spec.redis->key_patterns.begin(), spec.redis->key_patterns.end(),
                      expr.scope.name) == spec.redis->key_patterns.end()) {
            why = fmt::format("observe.redis.key_patterns does not list '{}'", expr.scope.name);
        }
        return why;
    }
    if (starts_with(series, "postgres.")) {
        return series_problem(observe::kPostgresSeries, "postgres", series.substr(9), expr.scope,
                              spec.postgres.has_value(), requests);
    }
    if (starts_with(series, "process.")) {
        return series_problem(observe::kProcessSeries, "process", series.substr(8), expr.scope,
                              spec.process.has_value(), requests);
    }
    if (starts_with(series, "prom.")) {
        if (spec.prometheus.empty()) {
            return "observed.prom.…: the scenario observes no Prometheus endpoint (add "
                   "observe.prometheus)";
        }
        std::string_view family = series.substr(5);
        if (family.ends_with("_slope")) family.remove_suffix(6);
        // A histogram's quantiles, a summary's count rate and mean (docs/observe-sources.md).
        for (std::string_view part : {".p50", ".p90", ".p99", ".rate", ".mean"}) {
            if (family.ends_with(part)) {
                family.remove_suffix(part.size());
                break;
            }
        }
        const bool listed =
            std::any_of(spec.prometheus.begin(), spec.prometheus.end(), [&](const auto& source) {
                return source.metrics.empty() ||
                       std::find(source.metrics.begin(), source.metrics.end(), family) !=
                           source.metrics.end();
            });
        if (!listed) {
            return fmt::format("no observe.prometheus source lists the metric '{}'", family);
        }
        return {};
    }
    return fmt::format("unknown observed source in '{}' (redis., postgres., process., prom.)",
                       series);
}

}  // namespace volley::scenarios::detail
