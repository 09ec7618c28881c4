#include "apps/slo_command.hpp"

#include "apps/run_command.hpp"
#include "pipeline/run_pipeline.hpp"
#include "pipeline/target_factory.hpp"
#include "reports/run_outputs.hpp"
#include "reports/slo_validation.hpp"
#include "reports/summary_access.hpp"
#include "reports/summary_json.hpp"
#include "resolver/group.hpp"
#include "slo/slo_phases.hpp"
#include "slo/slo_scenario.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

namespace volley::apps {
namespace json = boost::json;

namespace {

struct SloOptions {
    slo::SloScenarioArgs scenario;
    std::optional<std::string> baseline, execution_id;
    bool quiet = false;
};

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read the file");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// ---- measurements ----------------------------------------------------------------------------

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

json::value pool_json(const std::optional<slo::PoolUsage>& pool) {
    if (!pool) return nullptr;
    return json::object{{"size", pool->size},
                        {"peak_in_use", pool->max_in_use},
                        {"peak_utilization_pct", pool->peak_pct},
                        {"mean_utilization_pct", pool->mean_pct},
                        {"samples", pool->samples}};
}

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
        {"pool", pool_json(r.pool)}};
    if (s.working_set) o["working_set"] = s.working_set;
    return o;
}

// The SLO figures, all from the mixed phase. `lookup_pool`: the resolver target's lookup threads.
std::vector<reports::SloMeasurement> measure(const scenarios::Plan& mixed_plan,
                                             const slo::SloPhaseSettings& mixed,
                                             std::size_t lookup_pool, const slo::SloPhaseResult& r,
                                             const std::optional<resolver::RefreshResult>& refresh,
                                             double refresh_triggered_s) {
    std::vector<reports::SloMeasurement> out;
    const auto latency = [&](const std::string& metric, std::string_view suffix, const char* stat,
                             const char* key, double target, std::optional<double> gate) {
        reports::SloMeasurement m{metric, stat, "ms", false, target, gate, std::nullopt, "", ""};
        const auto name = request_named_by_path(mixed_plan, suffix);
        const json::object* req = name ? request_summary(r.summary, *name) : nullptr;
        if (!req) {
            m.details =
                fmt::format("not measured: the scenario sends no request ending in {}", suffix);
        } else {
            m.actual = reports::number_at(*req, fmt::format("latency_ms.{}", key));
            m.details = fmt::format(
                "{} of request '{}' over the mixed phase ({} requests, {} vus, Zipf s={} over {} "
                "ids); "
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
        reports::SloMeasurement m{"throughput", "rate",       "RPS", true, 42726.0,
                                  10000.0,      std::nullopt, "",    ""};
        m.actual = reports::number_at(r.summary, "totals.throughput_rps");
        m.details = fmt::format(
            "completed requests / wall-clock window of the mixed phase: {} requests in {} s; "
            "closed model, {} vus on {} "
            "engine threads; machine: {} hardware threads; resolver lookups on {} pool threads (0: "
            "on the engine threads)",
            fmt_num(reports::number_at(r.summary, "totals.requests").value_or(0)),
            fmt_num(reports::number_at(r.summary, "duration_s").value_or(0)), mixed.vus,
            r.engine_threads, std::max(1U, std::thread::hardware_concurrency()), lookup_pool);
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
            "answers from L1 (memory), L2 (redis) or L3 (view) / resolver requests over the mixed "
            "phase: {} / {} "
            "(L1 {}, L2 {}, L3 {}, L4 live {}); includes the refresh, which invalidates every "
            "cached entry",
            hits, requests,
            r.after.served(resolver::Tier::l1_memory) - r.before.served(resolver::Tier::l1_memory),
            r.after.served(resolver::Tier::l2_redis) - r.before.served(resolver::Tier::l2_redis),
            r.after.served(resolver::Tier::l3_view) - r.before.served(resolver::Tier::l3_view),
            r.after.served(resolver::Tier::l4_live) - r.before.served(resolver::Tier::l4_live));
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
                mixed.refresh_at_s
                    ? fmt::format(
                          "not triggered: the mixed phase ended before slo.mixed.refresh_at ({} s)",
                          *mixed.refresh_at_s)
                    : "not triggered: slo.mixed.refresh_at is not set";
        } else if (!refresh->ok()) {
            m.error = fmt::format("refresh_hierarchy_views() failed: {}",
                                  refresh->error.empty() ? "unavailable" : refresh->error);
            m.actual = refresh->duration_ms;
        } else {
            m.actual = refresh->duration_ms;
            m.details = fmt::format(
                "wall-clock duration of refresh_views() (both views, CONCURRENTLY), triggered at "
                "{} s into the mixed phase from its own thread under load; generation now {}",
                fmt_num(refresh_triggered_s), refresh->generation);
        }
        out.push_back(std::move(m));
    }
    {
        reports::SloMeasurement m{"connection_pool_health",
                                  "peak_utilization",
                                  "%",
                                  false,
                                  std::nullopt,
                                  80.0,
                                  std::nullopt,
                                  "",
                                  ""};
        if (r.pool) {
            m.actual = r.pool->peak_pct;
            m.details = fmt::format(
                "PostgreSQL pool: peak {} of {} connections in use (mean utilisation {} %) over {} "
                "samples, 5 ms apart, "
                "during the mixed phase; high-water mark since start {}; acquire timeouts {}",
                r.pool->max_in_use, r.pool->size, fmt_num(r.pool->mean_pct), r.pool->samples,
                r.after.pool ? r.after.pool->max_in_use : 0,
                r.after.pool ? r.after.pool->acquire_timeouts : 0);
        } else {
            m.details =
                "not measured: the resolver backend exposes no connection pool (embedded backend)";
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
    const std::string& file = o.scenario.file;
    std::string text;
    try {
        text = read_text(file);
    } catch (const std::exception& e) {
        std::cerr << "error: " << file << ": " << e.what() << "\n";
        return kExitUsage;
    }
    const std::string execution_id = o.execution_id.value_or(new_execution_id());
    slo::SloSetup setup;
    try {
        setup = slo::read_slo_setup(text, o.scenario, fmt::format("volley:{}:", execution_id));
    } catch (const scenarios::ScenarioError& e) {
        return pipeline::report_scenario_error(e);
    } catch (const YAML::Exception& e) {
        std::cerr << "error: " << file << ": slo: " << e.what() << "\n";
        return kExitUsage;
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: " << file << ": " << e.what() << "\n";
        return kExitUsage;
    }

    std::shared_ptr<resolver::ResolverGroup> group;
    if (const int code = pipeline::build_target_or_report(
            [&] { group = std::make_shared<resolver::ResolverGroup>(setup.resolver); });
        code != kExitPass)
        return code;
    if (!o.quiet) std::cout << "resolver: " << group->describe() << "\n";

    const auto phases = slo::run_slo_phases(setup, group, o.quiet);
    if (phases.exit_code != kExitPass) return phases.exit_code;

    const auto& settings = setup.settings;
    reports::SloReportInput input;
    input.timestamp = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
    input.pipeline_execution_id = execution_id;
    input.measurements =
        measure(setup.mixed, settings.mixed,
                pipeline::resolver_lookup_threads(setup.resolver, setup.mixed.run.connections),
                phases.mixed, phases.refresh, phases.refresh_triggered_s);
    if (o.baseline) {
        try {
            input.baseline = reports::slo_baseline_from_json(
                boost::json::parse(read_text(*o.baseline)).as_object());
            input.baseline_source = *o.baseline;
        } catch (const std::exception& e) {
            std::cerr << "error: --baseline " << *o.baseline << ": " << e.what() << "\n";
            return kExitUsage;
        }
    }
    json::object phases_json;
    phases_json["cold"] = phase_json(settings.cold, phases.cold);
    phases_json["warm"] = phase_json(settings.warm, phases.warm);
    phases_json["mixed"] = phase_json(settings.mixed, phases.mixed);
    if (phases.refresh)
        phases_json["mixed"].as_object()["refresh_triggered_at_s"] = phases.refresh_triggered_s;
    input.extra["phases"] = std::move(phases_json);
    input.extra["environment"] =
        json::object{{"resolver", group->describe()},
                     {"hardware_threads", std::max(1U, std::thread::hardware_concurrency())},
                     {"engine_threads", phases.mixed.engine_threads},
                     {"scenario_file", file}};

    const auto report = reports::make_slo_validation(input);
    const auto& dir = setup.dir;
    try {
        reports::write_file_atomically(dir / "slo_validation.json",
                                       reports::to_pretty_json(report));
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
            std::cout << fmt::format("  {:<8} {:<26} {:<17} {:>10} {}\n",
                                     std::string(so.at("status").as_string()),
                                     std::string(so.at("metric_name").as_string()),
                                     std::string(so.at("statistic").as_string()),
                                     actual ? fmt_num(*actual) : std::string("-"),
                                     std::string(so.at("unit").as_string()));
        }
        std::cout << "  written to " << (dir / "slo_validation.json").string() << "\n";
    }
    return overall == "FAILED" ? kExitThresholdFailed : kExitPass;
}

}  // namespace

void add_slo_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<SloOptions>();
    auto* cmd = app.add_subcommand(
        "slo", "Validate the resolver's SLOs: cold, warm and mixed phases -> slo_validation.json");
    auto& scenario = options->scenario;
    cmd->add_option("scenario", scenario.file,
                    "SLO scenario YAML (e.g. scenarios/slo-resolver.yaml)")
        ->required();
    cmd->add_option("--set", scenario.sets,
                    "Override a key: key.path=value; slo.<phase>.<key> for phases (repeatable)");
    cmd->add_option("-o,--out", scenario.out_dir,
                    "Output directory (default results/<name>-<UTC time>)");
    cmd->add_option("--postgres", scenario.postgres,
                    "PostgreSQL connection string (overrides target.resolver.postgres)");
    cmd->add_option("--redis", scenario.redis, "Redis URL (overrides target.resolver.redis)");
    cmd->add_option("--baseline", options->baseline,
                    "A previous slo_validation.json to detect regressions against");
    cmd->add_option("--execution-id", options->execution_id,
                    "pipeline_execution_id (default: generated)");
    cmd->add_flag("-q,--quiet", options->quiet, "No console summaries");
    cmd->callback([options, &exit_code] { exit_code = slo_command(*options); });
}

}  // namespace volley::apps
