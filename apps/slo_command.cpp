#include "apps/slo_command.hpp"

#include "apps/target_factory.hpp"

#include "apps/run_command.hpp"
#include "apps/run_pipeline.hpp"
#include "engine/runner.hpp"
#include "reports/analysis.hpp"
#include "reports/console.hpp"
#include "reports/run_outputs.hpp"
#include "reports/slo_validation.hpp"
#include "reports/summary_access.hpp"
#include "reports/summary_json.hpp"
#include "reports/thresholds.hpp"
#include "resolver/config.hpp"
#include "resolver/group.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/request_source.hpp"
#include "targets/resolver_target.hpp"

#include <boost/json/parse.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

namespace volley::apps {
namespace json = boost::json;

namespace {

struct SloOptions {
    std::string scenario;
    std::vector<std::string> sets;
    std::optional<std::string> out_dir, postgres, redis, baseline, execution_id;
    bool quiet = false;
};

// ---- the scenario: an ordinary scenario plus a top-level `slo:` section -------------------

struct SplitScenario {
    std::string scenario;  // the file with the slo: block blanked (line numbers kept)
    std::string slo;       // the slo: block (empty when absent)
};

// The scenario loader knows no `slo:` key, so the block is cut out textually: the line
// `slo:` and every following line that is indented, blank or a comment.
SplitScenario split_scenario(const std::string& text) {
    SplitScenario out;
    std::istringstream in(text);
    std::string line;
    bool inside = false;
    while (std::getline(in, line)) {
        const bool top_level = !line.empty() && line[0] != ' ' && line[0] != '\t' && line[0] != '#';
        if (top_level) inside = line.rfind("slo:", 0) == 0;
        if (inside) {
            out.slo += line + "\n";
            out.scenario += "\n";
        } else {
            out.scenario += line + "\n";
        }
    }
    return out;
}

// `--set slo.mixed.duration=5s`: walks/creates maps below the slo node and sets a scalar.
void apply_slo_override(YAML::Node& root, const std::string& set) {
    const auto eq = set.find('=');
    if (eq == std::string::npos) throw std::invalid_argument(fmt::format("--set '{}': expected key.path=value", set));
    std::vector<std::string> keys;
    std::string path = set.substr(0, eq);
    for (std::size_t start = 0;;) {
        const auto dot = path.find('.', start);
        keys.push_back(path.substr(start, dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    std::vector<YAML::Node> chain{root};
    for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
        YAML::Node next = chain.back()[keys[i]];
        if (!next.IsMap()) {
            chain.back()[keys[i]] = YAML::Node(YAML::NodeType::Map);
            next = chain.back()[keys[i]];
        }
        chain.push_back(next);
    }
    chain.back()[keys.back()] = set.substr(eq + 1);
}

struct PhaseSettings {
    std::string name;
    std::string duration;
    std::optional<std::string> rate;  // open model (cold)
    std::size_t vus = 8;              // closed model (warm, mixed)
    std::size_t working_set = 0;      // ids entity_000000 .. working_set-1
    double zipf_s = 1.0;
    std::optional<double> refresh_at_s;  // mixed: trigger a view refresh at this time
};

struct SloSettings {
    PhaseSettings cold{"cold", "5s", std::string("1000/s"), 0, 0, 1.0, std::nullopt};
    PhaseSettings warm{"warm", "5s", std::nullopt, 8, 300, 1.0, std::nullopt};
    PhaseSettings mixed{"mixed", "10s", std::nullopt, 8, 0, 1.0, 5.0};
    std::string id_format = "entity_%06d";
};

double seconds_of(const std::string& text, const std::string& key) {
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        throw std::invalid_argument(fmt::format("{}: '{}' is not a duration (e.g. 5s, 500ms)", key, text));
    }
    const std::string unit = text.substr(used);
    if (unit == "s" || unit.empty()) return value;
    if (unit == "ms") return value / 1000;
    if (unit == "m") return value * 60;
    throw std::invalid_argument(fmt::format("{}: '{}' is not a duration (e.g. 5s, 500ms)", key, text));
}

void read_phase(const YAML::Node& node, PhaseSettings& phase) {
    if (!node) return;
    if (!node.IsMap()) throw std::invalid_argument(fmt::format("slo.{}: expected a map", phase.name));
    for (const auto& kv : node) {
        const auto key = kv.first.as<std::string>();
        const auto where = fmt::format("slo.{}.{}", phase.name, key);
        const auto value = kv.second.as<std::string>();
        try {
            if (key == "duration") {
                seconds_of(value, where);
                phase.duration = value;
            } else if (key == "rate" && phase.name == "cold") {
                phase.rate = value;
            } else if (key == "vus" && phase.name != "cold") {
                phase.vus = std::stoul(value);
            } else if (key == "working_set" && phase.name != "cold") {
                phase.working_set = std::stoul(value);
            } else if (key == "zipf_s" && phase.name != "cold") {
                phase.zipf_s = std::stod(value);
            } else if (key == "refresh_at" && phase.name == "mixed") {
                phase.refresh_at_s = seconds_of(value, where);
            } else {
                throw std::invalid_argument(fmt::format("{}: unknown key (see docs/scenarios.md, SLO scenario)", where));
            }
        } catch (const std::invalid_argument& e) {
            if (std::string_view(e.what()).find(where) != std::string_view::npos) throw;
            throw std::invalid_argument(fmt::format("{}: invalid value '{}'", where, value));
        } catch (const std::out_of_range&) {
            throw std::invalid_argument(fmt::format("{}: invalid value '{}'", where, value));
        }
    }
}

SloSettings read_slo_settings(const std::string& block, const std::vector<std::string>& slo_sets) {
    YAML::Node root = block.empty() ? YAML::Node(YAML::NodeType::Map) : YAML::Load(block);
    if (!root["slo"] || root["slo"].IsNull()) root["slo"] = YAML::Node(YAML::NodeType::Map);
    for (const auto& set : slo_sets) apply_slo_override(root, set);
    SloSettings s;
    const YAML::Node slo = root["slo"];
    for (const auto& kv : slo) {
        const auto key = kv.first.as<std::string>();
        if (key == "cold") read_phase(kv.second, s.cold);
        else if (key == "warm") read_phase(kv.second, s.warm);
        else if (key == "mixed") read_phase(kv.second, s.mixed);
        else if (key == "id_format") s.id_format = kv.second.as<std::string>();
        else throw std::invalid_argument(fmt::format("slo.{}: unknown key (cold, warm, mixed, id_format)", key));
    }
    return s;
}

// `${env:NAME}` / `${env:NAME:-default}` in the postgres/redis keys (the loader keeps them as
// text there); anything else is returned as it is.
std::string resolve_env(const std::string& value, const std::string& key) {
    if (value.rfind("${env:", 0) != 0 || value.back() != '}') return value;
    std::string inner = value.substr(6, value.size() - 7);
    std::optional<std::string> fallback;
    if (const auto sep = inner.find(":-"); sep != std::string::npos) {
        fallback = inner.substr(sep + 2);
        inner = inner.substr(0, sep);
    }
    if (const char* env = std::getenv(inner.c_str()); env && *env) return env;
    if (fallback) return *fallback;
    throw std::invalid_argument(fmt::format("{}: environment variable {} is not set (or give --{})", key, inner,
                                            key == "target.resolver.postgres" ? "postgres" : "redis"));
}

// ---- the shared resolver -------------------------------------------------------------------

// As apps/target_factory.cpp builds it, plus an L2 key prefix of its own (a fresh namespace:
// the cold phase starts with an empty L2 even on a shared Redis) and ${env:…} URLs resolved.
resolver::ResolverConfig slo_resolver_config(const scenarios::ResolverTargetSpec& spec, const std::string& l2_prefix) {
    auto config = resolver_config(spec);
    config.resolver.l2_key_prefix = l2_prefix;
    config.postgres_url = resolve_env(spec.postgres_url, "target.resolver.postgres");
    config.redis_url = spec.redis_url.empty() ? "" : resolve_env(spec.redis_url, "target.resolver.redis");
    if (!config.redis_url.empty()) config.l2 = resolver::ResolverConfig::L2Mode::redis;
    return config;
}

// id_format: printf-like with exactly one integer conversion (%d, %6d, %06d, %-6d; %% a
// percent sign), as the feeders' `format`.
void check_id_format(const std::string& format) {
    int conversions = 0;
    for (std::size_t i = 0; i < format.size(); ++i) {
        if (format[i] != '%') continue;
        if (i + 1 < format.size() && format[i + 1] == '%') {
            ++i;
            continue;
        }
        std::size_t j = i + 1;
        while (j < format.size() && (std::isdigit(static_cast<unsigned char>(format[j])) || format[j] == '-')) ++j;
        if (j >= format.size() || format[j] != 'd') break;
        ++conversions;
        i = j;
    }
    if (conversions != 1) throw std::invalid_argument(fmt::format("slo.id_format '{}': needs exactly one %d", format));
}

std::string format_id(const std::string& format, std::size_t i) {
    char buffer[256];
    const int n = std::snprintf(buffer, sizeof buffer, format.c_str(), static_cast<int>(i));
    return n < 0 ? std::string() : std::string(buffer, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buffer - 1));
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read the file");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// ---- listeners -----------------------------------------------------------------------------

// Triggers group.refresh_views() once, from a thread of its own, at the first interval end at
// or after `at_s`; the phase keeps sending meanwhile.
class RefreshTrigger final : public engine::IntervalListener {
public:
    RefreshTrigger(resolver::ResolverGroup& group, double at_s) : group_(group), at_s_(at_s) {}
    ~RefreshTrigger() override {
        if (thread_.joinable()) thread_.join();
    }
    std::optional<std::string> on_interval(const engine::IntervalReport& report) override {
        const double t = std::chrono::duration<double>(report.end).count();
        if (!thread_.joinable() && t >= at_s_) {
            triggered_at_s_ = t;
            thread_ = std::thread([this] { result_ = group_.refresh_views(); });
        }
        return std::nullopt;
    }
    // Waits for the refresh; nullopt when it was never triggered.
    std::optional<resolver::RefreshResult> wait() {
        if (!thread_.joinable()) return std::nullopt;
        thread_.join();
        return result_;
    }
    [[nodiscard]] double triggered_at_s() const { return triggered_at_s_; }

private:
    resolver::ResolverGroup& group_;
    double at_s_;
    double triggered_at_s_ = 0;
    std::thread thread_;
    resolver::RefreshResult result_;
};

// Samples the PostgreSQL pool every 5 ms while a phase runs.
class PoolSampler {
public:
    explicit PoolSampler(const resolver::ResolverGroup& group) : group_(group) {
        if (!group_.backends().live || !group_.backends().live->pool_stats()) return;
        thread_ = std::thread([this] {
            std::unique_lock lock(mutex_);
            while (!stop_) {
                if (const auto stats = group_.backends().live->pool_stats()) {
                    size_ = stats->size;
                    max_in_use_ = std::max(max_in_use_, stats->in_use);
                    sum_util_ += stats->utilization();
                    ++samples_;
                }
                cv_.wait_for(lock, std::chrono::milliseconds(5));
            }
        });
    }
    ~PoolSampler() { stop(); }
    void stop() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        cv_.notify_all();
        if (thread_.joinable()) thread_.join();
    }
    [[nodiscard]] bool measured() const { return samples_ > 0 && size_ > 0; }
    [[nodiscard]] double peak_pct() const { return 100.0 * static_cast<double>(max_in_use_) / static_cast<double>(size_); }
    [[nodiscard]] double mean_pct() const { return 100.0 * sum_util_ / static_cast<double>(samples_); }
    [[nodiscard]] json::value to_json() const {
        if (!measured()) return nullptr;
        return json::object{{"size", size_}, {"peak_in_use", max_in_use_}, {"peak_utilization_pct", peak_pct()},
                            {"mean_utilization_pct", mean_pct()}, {"samples", samples_}};
    }
    [[nodiscard]] std::size_t size() const { return size_; }
    [[nodiscard]] std::size_t max_in_use() const { return max_in_use_; }
    [[nodiscard]] std::uint64_t samples() const { return samples_; }

private:
    const resolver::ResolverGroup& group_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread thread_;
    std::size_t size_ = 0, max_in_use_ = 0;
    double sum_util_ = 0;
    std::uint64_t samples_ = 0;
};

// ---- one phase -----------------------------------------------------------------------------

struct PhaseResult {
    int exit_code = kExitPass;
    json::object summary;
    resolver::MetricsSnapshot before, after;
    json::value pool;
    double pool_peak_pct = -1, pool_mean_pct = -1;
    std::size_t pool_size = 0, pool_max_in_use = 0;
    std::uint64_t pool_samples = 0;
    std::size_t threads = 0;
};

// execute_plan (run_pipeline.cpp) without building a target: the phases share one group.
PhaseResult run_phase(scenarios::Plan plan, std::shared_ptr<resolver::ResolverGroup> group, std::size_t pool_threads,
                      const std::filesystem::path& dir, bool quiet, std::vector<engine::IntervalListener*> extra) {
    PhaseResult out;
    std::filesystem::create_directories(dir);
    targets::ResolverTarget target(group, pool_threads);

    std::vector<std::string> names;
    for (const auto& r : plan.requests) names.push_back(r.name);
    plan.run.request_names = names;
    const auto* open = std::get_if<engine::OpenProfile>(&plan.run.profile);
    const double target_rps = open ? engine::mean_target_rps(*open) : 0.0;
    reports::ThresholdEvaluator thresholds(plan.thresholds, names, target_rps);
    reports::RunAnalyser analyser(reports::AnalysisSettings::from_plan(plan), &thresholds);
    reports::HlogRecorder hlog(dir / "latency.hlog", names);
    std::vector<engine::IntervalListener*> listeners{&thresholds, &analyser, &hlog};
    listeners.insert(listeners.end(), extra.begin(), extra.end());

    engine::RunInputs inputs{target,
                             [&plan](std::size_t worker, std::size_t workers) {
                                 return scenarios::make_request_source(plan, worker, workers);
                             },
                             {},
                             listeners};
    out.before = group->metrics();
    PoolSampler sampler(*group);
    const auto result = engine::run(plan.run, inputs);
    sampler.stop();
    out.after = group->metrics();
    out.pool = sampler.to_json();
    if (sampler.measured()) {
        out.pool_peak_pct = sampler.peak_pct();
        out.pool_mean_pct = sampler.mean_pct();
        out.pool_size = sampler.size();
        out.pool_max_in_use = sampler.max_in_use();
        out.pool_samples = sampler.samples();
    }
    out.threads = result.threads;

    reports::RunMetadata m;
    m.scenario_name = plan.name;
    m.scenario_type = std::string(scenarios::scenario_type_name(plan.type));
    m.scenario_file = plan.file;
    m.target_kind = "resolver";
    m.target_url = "resolver: " + group->describe();
    m.target_notices = target.notices();
    m.reports_tiers = true;
    out.summary = reports::make_summary(result, m, thresholds.results(result), analyser.analyse(result));
    reports::write_reports(dir, out.summary, plan.output.formats);
    if (!quiet) {
        std::cout << reports::render_console(out.summary, false);
        std::cout << "\n  results in " << dir.string() << "/\n";
    }
    if (result.stop_reason == engine::StopReason::interrupted ||
        result.stop_reason == engine::StopReason::interrupted_immediately)
        out.exit_code = kExitInterrupted;
    return out;
}

// ---- measurements ----------------------------------------------------------------------------

std::string fmt_num(double v) { return fmt::format("{:.4g}", v); }

std::optional<std::string> request_named_by_path(const scenarios::Plan& plan, std::string_view suffix) {
    for (const auto& r : plan.requests) {
        if (r.path.size() >= suffix.size() && r.path.compare(r.path.size() - suffix.size(), suffix.size(), suffix) == 0)
            return r.name;
    }
    return std::nullopt;
}

const json::object* request_summary(const json::object& summary, const std::string& name) {
    const auto* requests = reports::array_at(summary, "requests");
    if (!requests) return nullptr;
    for (const auto& r : *requests) {
        if (r.is_object() && reports::string_at(r.get_object(), "name") == name) return &r.get_object();
    }
    return nullptr;
}

json::object phase_json(const PhaseSettings& s, const PhaseResult& r) {
    const auto delta = [&](auto f) { return f(r.after) - f(r.before); };
    const auto requests = delta([](const resolver::MetricsSnapshot& m) { return m.requests(); });
    const auto hits = delta([](const resolver::MetricsSnapshot& m) { return m.hits(); });
    json::object served;
    const char* tiers[] = {"L1", "L2", "L3", "L4"};
    for (int t = 1; t <= 4; ++t) {
        const auto tier = static_cast<resolver::Tier>(t);
        served[tiers[t - 1]] = r.after.served(tier) - r.before.served(tier);
    }
    json::object o{{"duration", s.duration},
                   {"model", s.rate ? "open rate " + *s.rate : fmt::format("closed, {} vus", s.vus)},
                   {"threads", r.threads},
                   {"requests", reports::number_at(r.summary, "totals.requests").value_or(0)},
                   {"errors", reports::number_at(r.summary, "totals.errors").value_or(0)},
                   {"throughput_rps", reports::number_at(r.summary, "totals.throughput_rps").value_or(0)},
                   {"latency_ms", reports::value_at(r.summary, "latency_ms") ? *reports::value_at(r.summary, "latency_ms") : json::value(nullptr)},
                   {"resolver_requests", requests},
                   {"resolver_hit_rate_pct", requests ? 100.0 * static_cast<double>(hits) / static_cast<double>(requests) : 0.0},
                   {"resolver_served_by", std::move(served)},
                   {"pool", r.pool}};
    if (s.working_set) o["working_set"] = s.working_set;
    return o;
}

std::vector<reports::SloMeasurement> measure(const scenarios::Plan& mixed_plan, const PhaseSettings& mixed,
                                             std::size_t lookup_pool, const PhaseResult& r, const std::optional<resolver::RefreshResult>& refresh,
                                             double refresh_triggered_s) {
    std::vector<reports::SloMeasurement> out;
    const auto latency = [&](const std::string& metric, std::string_view suffix, const char* stat, const char* key,
                             double target, std::optional<double> gate) {
        reports::SloMeasurement m{metric, stat, "ms", false, target, gate, std::nullopt, "", ""};
        const auto name = request_named_by_path(mixed_plan, suffix);
        const json::object* req = name ? request_summary(r.summary, *name) : nullptr;
        if (!req) {
            m.details = fmt::format("not measured: the scenario sends no request ending in {}", suffix);
        } else {
            m.actual = reports::number_at(*req, fmt::format("latency_ms.{}", key));
            m.details = fmt::format("{} of request '{}' over the mixed phase ({} requests, {} vus, Zipf s={} over {} ids); "
                                    "response time per request, not per batch",
                                    stat, *name, fmt_num(reports::number_at(*req, "requests").value_or(0)), mixed.vus,
                                    mixed.zipf_s, mixed.working_set);
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
        reports::SloMeasurement m{"throughput", "rate", "RPS", true, 42726.0, 10000.0, std::nullopt, "", ""};
        m.actual = reports::number_at(r.summary, "totals.throughput_rps");
        m.details = fmt::format(
            "completed requests / wall-clock window of the mixed phase: {} requests in {} s; closed model, {} vus on {} "
            "engine threads; machine: {} hardware threads; resolver lookups on {} pool threads (0: on the engine threads)",
            fmt_num(reports::number_at(r.summary, "totals.requests").value_or(0)),
            fmt_num(reports::number_at(r.summary, "duration_s").value_or(0)), mixed.vus, r.threads,
            std::max(1U, std::thread::hardware_concurrency()), lookup_pool);
        out.push_back(std::move(m));
    }
    {
        reports::SloMeasurement m{"cache_hit_rate", "per_request", "%", true, 99.2, 90.0, std::nullopt, "", ""};
        const auto requests = r.after.requests() - r.before.requests();
        const auto hits = r.after.hits() - r.before.hits();
        if (requests > 0) m.actual = 100.0 * static_cast<double>(hits) / static_cast<double>(requests);
        m.details = fmt::format(
            "answers from L1 (memory), L2 (redis) or L3 (view) / resolver requests over the mixed phase: {} / {} "
            "(L1 {}, L2 {}, L3 {}, L4 live {}); includes the refresh, which invalidates every cached entry",
            hits, requests, r.after.served(resolver::Tier::l1_memory) - r.before.served(resolver::Tier::l1_memory),
            r.after.served(resolver::Tier::l2_redis) - r.before.served(resolver::Tier::l2_redis),
            r.after.served(resolver::Tier::l3_view) - r.before.served(resolver::Tier::l3_view),
            r.after.served(resolver::Tier::l4_live) - r.before.served(resolver::Tier::l4_live));
        out.push_back(std::move(m));
    }
    {
        reports::SloMeasurement m{"materialized_view_refresh", "duration", "ms", false, 850.0, 1000.0, std::nullopt, "", ""};
        if (!refresh) {
            m.error = mixed.refresh_at_s
                          ? fmt::format("not triggered: the mixed phase ended before slo.mixed.refresh_at ({} s)",
                                        *mixed.refresh_at_s)
                          : "not triggered: slo.mixed.refresh_at is not set";
        } else if (!refresh->ok()) {
            m.error = fmt::format("refresh_hierarchy_views() failed: {}", refresh->error.empty() ? "unavailable" : refresh->error);
            m.actual = refresh->duration_ms;
        } else {
            m.actual = refresh->duration_ms;
            m.details = fmt::format("wall-clock duration of refresh_views() (both views, CONCURRENTLY), triggered at "
                                    "{} s into the mixed phase from its own thread under load; generation now {}",
                                    fmt_num(refresh_triggered_s), refresh->generation);
        }
        out.push_back(std::move(m));
    }
    {
        reports::SloMeasurement m{"connection_pool_health", "peak_utilization", "%", false, std::nullopt, 80.0,
                                  std::nullopt, "", ""};
        if (r.pool_peak_pct >= 0) {
            m.actual = r.pool_peak_pct;
            m.details = fmt::format(
                "PostgreSQL pool: peak {} of {} connections in use (mean utilisation {} %) over {} samples, 5 ms apart, "
                "during the mixed phase; high-water mark since start {}; acquire timeouts {}",
                r.pool_max_in_use, r.pool_size, fmt_num(r.pool_mean_pct), r.pool_samples,
                r.after.pool ? r.after.pool->max_in_use : 0, r.after.pool ? r.after.pool->acquire_timeouts : 0);
        } else {
            m.details = "not measured: the resolver backend exposes no connection pool (embedded backend)";
        }
        out.push_back(std::move(m));
    }
    return out;
}

std::string new_execution_id() {
    std::random_device rd;
    return fmt::format("slo-{:%Y%m%dT%H%M%SZ}-{:08x}", fmt::gmtime(std::time(nullptr)), rd());
}

// ---- the command -----------------------------------------------------------------------------

int slo_command(const SloOptions& o) {
    std::string text;
    {
        std::ifstream in(o.scenario, std::ios::binary);
        if (!in) {
            std::cerr << "error: " << o.scenario << ": cannot read the file\n";
            return kExitUsage;
        }
        std::ostringstream s;
        s << in.rdbuf();
        text = s.str();
    }
    const auto split = split_scenario(text);
    std::vector<std::string> base_sets, slo_sets;
    for (const auto& set : o.sets) (set.rfind("slo.", 0) == 0 ? slo_sets : base_sets).push_back(set);
    if (o.postgres) base_sets.push_back("target.resolver.postgres=" + *o.postgres);
    if (o.redis) base_sets.push_back("target.resolver.redis=" + *o.redis);

    SloSettings settings;
    scenarios::Plan base;
    std::map<std::string, scenarios::Plan> plans;
    std::filesystem::path dir;
    resolver::ResolverConfig config;
    const std::string execution_id = o.execution_id.value_or(new_execution_id());
    try {
        settings = read_slo_settings(split.slo, slo_sets);
        check_id_format(settings.id_format);
        base = scenarios::load_plan_from_string(split.scenario, o.scenario, base_sets);
        const auto* spec = std::get_if<scenarios::ResolverTargetSpec>(&base.target);
        if (!spec) throw std::invalid_argument("volley slo needs a target.resolver scenario");
        if (settings.mixed.working_set == 0) settings.mixed.working_set = spec->entities;
        if (settings.warm.working_set == 0) throw std::invalid_argument("slo.warm.working_set must be at least 1");
        if (settings.warm.working_set * 2 > spec->l1_capacity * spec->instances) {
            std::cerr << fmt::format("warning: slo.warm.working_set {} x 2 lookups per id exceeds L1 ({} entries)\n",
                                     settings.warm.working_set, spec->l1_capacity);
        }
        if (settings.mixed.working_set <= spec->l1_capacity) {
            std::cerr << fmt::format("warning: slo.mixed.working_set {} fits in L1 ({} entries)\n",
                                     settings.mixed.working_set, spec->l1_capacity);
        }
        const double cold_rate = std::stod(settings.cold.rate.value_or("0"));
        const double cold_requests = cold_rate * seconds_of(settings.cold.duration, "slo.cold.duration");
        if (cold_requests > static_cast<double>(spec->entities)) {
            throw std::invalid_argument(fmt::format(
                "slo.cold: rate x duration = {} requests exceeds the {} entities; every cold lookup must be a distinct "
                "id (lower slo.cold.rate or slo.cold.duration)",
                cold_requests, spec->entities));
        }
        dir = o.out_dir ? std::filesystem::path(*o.out_dir) : output_dir(base);

        const auto id_var = [&](const std::string& body) { return "variables.id=" + body; };
        for (const PhaseSettings* p : {&settings.cold, &settings.warm, &settings.mixed}) {
            auto sets = base_sets;
            sets.push_back("load.duration=" + p->duration);
            sets.push_back("output.dir=" + (dir / p->name).string());
            if (p->rate) {
                sets.push_back("load.vus=~");
                sets.push_back("load.rate=" + *p->rate);
                sets.push_back("load.warmup=0s");
                // Distinct ids in order: no id is looked up twice, so no lookup can hit L1 or L2.
                sets.push_back(id_var(fmt::format("{{type: counter, start: 0, format: \"{}\"}}", settings.id_format)));
            } else {
                sets.push_back("load.rate=~");
                sets.push_back(fmt::format("load.vus={}", p->vus));
                sets.push_back(id_var(fmt::format("{{type: zipf, n: {}, s: {}, format: \"{}\"}}", p->working_set,
                                                  p->zipf_s, settings.id_format)));
            }
            plans.emplace(p->name, scenarios::load_plan_from_string(split.scenario, o.scenario, sets));
        }
        config = slo_resolver_config(*spec, fmt::format("volley:{}:", execution_id));
    } catch (const scenarios::ScenarioError& e) {
        return report_scenario_error(e);
    } catch (const YAML::Exception& e) {
        std::cerr << "error: " << o.scenario << ": slo: " << e.what() << "\n";
        return kExitUsage;
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: " << o.scenario << ": " << e.what() << "\n";
        return kExitUsage;
    }

    std::shared_ptr<resolver::ResolverGroup> group;
    try {
        group = std::make_shared<resolver::ResolverGroup>(config);
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: target: " << e.what() << "\n";
        return kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "error: target: " << e.what() << "\n";
        return kExitCannotRun;
    }
    if (!o.quiet) std::cout << "resolver: " << group->describe() << "\n";

    std::map<std::string, PhaseResult> results;
    std::optional<resolver::RefreshResult> refresh;
    double refresh_triggered_s = 0;
    try {
        // cold: empty L1 on every instance; L2 is a fresh key namespace for this execution.
        for (std::size_t i = 0; i < group->size(); ++i) group->instance(i).clear_l1();
        if (!o.quiet) std::cout << "\n== phase cold ==\n";
        results["cold"] = run_phase(plans.at("cold"), group, resolver_lookup_threads(config, plans.at("cold").run.connections), dir / "cold", o.quiet, {});
        if (results["cold"].exit_code != kExitPass) return results["cold"].exit_code;

        // warm: the working set loaded into every instance's L1 first.
        for (std::size_t i = 0; i < group->size(); ++i) {
            for (std::size_t k = 0; k < settings.warm.working_set; ++k) {
                const auto id = format_id(settings.id_format, k);
                (void)group->instance(i).ancestors(id);
                (void)group->instance(i).descendant_count(id);
            }
        }
        if (!o.quiet) std::cout << "\n== phase warm ==\n";
        results["warm"] = run_phase(plans.at("warm"), group, resolver_lookup_threads(config, plans.at("warm").run.connections), dir / "warm", o.quiet, {});
        if (results["warm"].exit_code != kExitPass) return results["warm"].exit_code;

        if (!o.quiet) std::cout << "\n== phase mixed ==\n";
        std::optional<RefreshTrigger> trigger;
        std::vector<engine::IntervalListener*> extra;
        if (settings.mixed.refresh_at_s) extra.push_back(&trigger.emplace(*group, *settings.mixed.refresh_at_s));
        results["mixed"] = run_phase(plans.at("mixed"), group, resolver_lookup_threads(config, plans.at("mixed").run.connections), dir / "mixed", o.quiet, extra);
        if (trigger) {
            refresh = trigger->wait();
            refresh_triggered_s = trigger->triggered_at_s();
        }
        if (results["mixed"].exit_code != kExitPass) return results["mixed"].exit_code;
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "error: the run could not be carried out: " << e.what() << "\n";
        return kExitCannotRun;
    }

    reports::SloReportInput input;
    input.timestamp = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
    input.pipeline_execution_id = execution_id;
    input.measurements = measure(plans.at("mixed"), settings.mixed, resolver_lookup_threads(config, plans.at("mixed").run.connections), results["mixed"], refresh, refresh_triggered_s);
    if (o.baseline) {
        try {
            input.baseline = reports::slo_baseline_from_json(boost::json::parse(read_text(*o.baseline)).as_object());
            input.baseline_source = *o.baseline;
        } catch (const std::exception& e) {
            std::cerr << "error: --baseline " << *o.baseline << ": " << e.what() << "\n";
            return kExitUsage;
        }
    }
    json::object phases;
    phases["cold"] = phase_json(settings.cold, results["cold"]);
    phases["warm"] = phase_json(settings.warm, results["warm"]);
    phases["mixed"] = phase_json(settings.mixed, results["mixed"]);
    if (refresh) phases["mixed"].as_object()["refresh_triggered_at_s"] = refresh_triggered_s;
    input.extra["phases"] = std::move(phases);
    input.extra["environment"] = json::object{
        {"resolver", group->describe()},
        {"hardware_threads", std::max(1U, std::thread::hardware_concurrency())},
        {"engine_threads", results["mixed"].threads},
        {"scenario_file", o.scenario}};

    const auto report = reports::make_slo_validation(input);
    try {
        reports::write_file_atomically(dir / "slo_validation.json", reports::to_pretty_json(report));
    } catch (const std::exception& e) {
        std::cerr << "error: writing slo_validation.json: " << e.what() << "\n";
        return kExitCannotRun;
    }
    const std::string overall(report.at("overall_status").as_string());
    if (!o.quiet) {
        std::cout << "\nSLO validation: " << overall << "\n";
        for (const auto& s : report.at("slos_validated").as_array()) {
            const auto& so = s.as_object();
            const auto actual = reports::number_at(so, "actual_value");
            std::cout << fmt::format("  {:<8} {:<26} {:<17} {:>10} {}\n", std::string(so.at("status").as_string()),
                                     std::string(so.at("metric_name").as_string()),
                                     std::string(so.at("statistic").as_string()),
                                     actual ? fmt_num(*actual) : std::string("-"), std::string(so.at("unit").as_string()));
        }
        std::cout << "  written to " << (dir / "slo_validation.json").string() << "\n";
    }
    return overall == "FAILED" ? kExitThresholdFailed : kExitPass;
}

}  // namespace

void add_slo_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<SloOptions>();
    auto* cmd = app.add_subcommand("slo", "Validate the resolver's SLOs: cold, warm and mixed phases -> slo_validation.json");
    cmd->add_option("scenario", options->scenario, "SLO scenario YAML (e.g. scenarios/slo-resolver.yaml)")->required();
    cmd->add_option("--set", options->sets, "Override a key: key.path=value; slo.<phase>.<key> for phases (repeatable)");
    cmd->add_option("-o,--out", options->out_dir, "Output directory (default results/<name>-<UTC time>)");
    cmd->add_option("--postgres", options->postgres, "PostgreSQL connection string (overrides target.resolver.postgres)");
    cmd->add_option("--redis", options->redis, "Redis URL (overrides target.resolver.redis)");
    cmd->add_option("--baseline", options->baseline, "A previous slo_validation.json to detect regressions against");
    cmd->add_option("--execution-id", options->execution_id, "pipeline_execution_id (default: generated)");
    cmd->add_flag("-q,--quiet", options->quiet, "No console summaries");
    cmd->callback([options, &exit_code] { exit_code = slo_command(*options); });
}

}  // namespace volley::apps
