#include "slo/slo_scenario.hpp"

#include "pipeline/run_pipeline.hpp"
#include "pipeline/target_factory.hpp"
#include "reports/run_outputs.hpp"
#include "scenarios/language/loader.hpp"
#include "scenarios/language/overrides.hpp"
#include "scenarios/language/units.hpp"
#include "scenarios/language/yaml_walker.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace volley::slo {

namespace {

struct SplitScenario {
    std::string scenario;  // the file with the slo: block blanked (line numbers kept)
    std::string slo;       // the slo: block, every other line blank
    bool has_slo = false;  // a top-level slo: key was found
};

// The scenario loader knows no `slo:` key, so the block is cut out textually: the line
// `slo:` and every following line that is indented, blank or a comment. Both parts keep every
// line (the other part's lines blank), so that YAML marks are the file's lines.
SplitScenario split_scenario(const std::string& text) {
    SplitScenario out;
    std::istringstream in(text);
    std::string line;
    bool inside = false;
    while (std::getline(in, line)) {
        const bool top_level = !line.empty() && line[0] != ' ' && line[0] != '\t' && line[0] != '#';
        if (top_level) inside = line.rfind("slo:", 0) == 0;
        (inside ? out.slo : out.scenario) += line + "\n";
        (inside ? out.scenario : out.slo) += "\n";
        if (inside) out.has_slo = true;
    }
    return out;
}

[[noreturn]] void throw_diagnostics(scenarios::DiagnosticSink& sink) {
    throw scenarios::ScenarioError(std::move(sink.diagnostics()));
}

// The keys of slo.<phase> that `reader` found (it knows which the phase allows).
void read_phase_keys(const scenarios::MapReader& reader, SloPhaseSettings& phase) {
    if (const auto duration = reader.duration("duration"))
        phase.duration = scenarios::format_duration(*duration);
    if (reader.has("rate") && reader.rate("rate")) phase.rate = reader.string("rate");
    if (const auto vus = reader.integer("vus", 1, 1'000'000))
        phase.vus = static_cast<std::size_t>(*vus);
    if (const auto set = reader.integer("working_set", 1, 1'000'000'000))
        phase.working_set = static_cast<std::size_t>(*set);
    if (const auto s = reader.number("zipf_s", 0.0, 100.0)) phase.zipf_s = *s;
    if (const auto at = reader.duration("refresh_at"))
        phase.refresh_at_s = std::chrono::duration<double>(*at).count();
    if (const auto writes = reader.integer("writes_before_refresh", 0, 5000))
        phase.writes_before_refresh = static_cast<std::size_t>(*writes);
}

// slo.<phase>: the keys that phase knows (docs/scenarios.md "SLO scenario").
void read_phase(scenarios::DiagnosticSink& sink, const YAML::Node& node, SloPhaseSettings& phase) {
    const std::string path = "slo." + phase.name;
    const auto reader =
        phase.name == "cold" ? scenarios::MapReader(sink, node, path, {"rate", "duration"})
        : phase.name == "warm"
            ? scenarios::MapReader(sink, node, path, {"vus", "duration", "working_set", "zipf_s"})
            : scenarios::MapReader(sink, node, path,
                                   {"vus", "duration", "working_set", "zipf_s", "refresh_at",
                                    "writes_before_refresh"});
    if (reader.is_map()) read_phase_keys(reader, phase);
}

// slo.http: the mixed phase's keys plus enabled and service_threads. Present means on.
void read_http(scenarios::DiagnosticSink& sink, const YAML::Node& node, SloHttpSettings& http) {
    const scenarios::MapReader reader(sink, node, "slo.http",
                                      {"enabled", "vus", "duration", "working_set", "zipf_s",
                                       "refresh_at", "writes_before_refresh", "service_threads"});
    if (!reader.is_map()) return;
    http.enabled = reader.boolean("enabled").value_or(true);
    read_phase_keys(reader, http.phase);
    if (const auto threads = reader.integer("service_threads", 1, 1024))
        http.service_threads = static_cast<int>(*threads);
}

// id_format: printf-like with exactly one integer conversion (%d, %6d, %06d, %-6d; %% a
// percent sign), as the feeders' `format`.
bool valid_id_format(const std::string& format) {
    int conversions = 0;
    for (std::size_t i = 0; i < format.size(); ++i) {
        if (format[i] != '%') continue;
        if (i + 1 < format.size() && format[i + 1] == '%') {
            ++i;
            continue;
        }
        std::size_t j = i + 1;
        while (j < format.size() &&
               (std::isdigit(static_cast<unsigned char>(format[j])) || format[j] == '-'))
            ++j;
        if (j >= format.size() || format[j] != 'd') return false;
        ++conversions;
        i = j;
    }
    return conversions == 1;
}

// The slo: block with the slo.* --set texts applied. `slo` is kept for the locations of the
// checks that need the scenario too.
struct SloBlock {
    SloSettings settings;
    YAML::Node slo;
};

SloBlock read_slo_block(scenarios::DiagnosticSink& sink, const std::string& block,
                        const std::vector<std::string>& slo_sets) {
    YAML::Node root;
    try {
        root = YAML::Load(block);
    } catch (const YAML::Exception& error) {
        sink.error_at(error.mark, "", fmt::format("YAML syntax error: {}", error.msg));
        throw_diagnostics(sink);
    }
    if (!root.IsMap()) root = YAML::Node(YAML::NodeType::Map);
    if (!root["slo"] || root["slo"].IsNull()) root["slo"] = YAML::Node(YAML::NodeType::Map);
    scenarios::apply_overrides(root, slo_sets, sink);
    SloBlock out;
    out.slo = root["slo"];
    const scenarios::MapReader slo(sink, out.slo, "slo",
                                   {"cold", "warm", "mixed", "http", "id_format"});
    if (!slo.is_map()) throw_diagnostics(sink);
    SloSettings& s = out.settings;
    if (const auto node = slo.get("cold")) read_phase(sink, *node, s.cold);
    if (const auto node = slo.get("warm")) read_phase(sink, *node, s.warm);
    if (const auto node = slo.get("mixed")) read_phase(sink, *node, s.mixed);
    if (const auto node = slo.get("http")) read_http(sink, *node, s.http);
    if (const auto format = slo.string("id_format")) {
        if (valid_id_format(*format))
            s.id_format = *format;
        else
            sink.error(*slo.get("id_format"), slo.path("id_format"),
                       fmt::format("'{}' needs exactly one %d", *format));
    }
    return out;
}

// Where a check of slo.<phase>.<key> is reported: the key, else the phase, else slo.
YAML::Node node_for(const YAML::Node& slo, const std::string& phase, const std::string& key) {
    if (slo[phase] && slo[phase].IsMap() && slo[phase][key]) return slo[phase][key];
    if (slo[phase]) return slo[phase];
    return slo;
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
    throw std::invalid_argument(
        fmt::format("{}: environment variable {} is not set (or give --{})", key, inner,
                    key == "target.resolver.postgres" ? "postgres" : "redis"));
}

// As pipeline/target_factory.cpp builds it, plus an L2 key prefix of its own (a fresh namespace:
// the cold phase starts with an empty L2 even on a shared Redis) and ${env:…} URLs resolved.
resolver::ResolverConfig slo_resolver_config(const scenarios::ResolverTargetSpec& spec,
                                             const std::string& l2_prefix) {
    auto config = pipeline::resolver_config(spec);
    config.resolver.l2_key_prefix = l2_prefix;
    config.postgres_url = resolve_env(spec.postgres_url, "target.resolver.postgres");
    config.redis_url =
        spec.redis_url.empty() ? "" : resolve_env(spec.redis_url, "target.resolver.redis");
    if (!config.redis_url.empty()) config.l2 = resolver::ResolverConfig::L2Mode::redis;
    return config;
}

}  // namespace

bool is_slo_scenario(const std::string& text) { return split_scenario(text).has_slo; }

SloSetup plan_slo_phases(const std::string& text, const SloScenarioArgs& args) {
    const auto split = split_scenario(text);
    std::vector<std::string> base_sets, slo_sets;
    for (const auto& set : args.sets)
        (set.rfind("slo.", 0) == 0 ? slo_sets : base_sets).push_back(set);
    if (args.postgres)
        base_sets.push_back(
            scenarios::flag_override("--postgres", "target.resolver.postgres", *args.postgres));
    if (args.redis)
        base_sets.push_back(
            scenarios::flag_override("--redis", "target.resolver.redis", *args.redis));

    scenarios::DiagnosticSink sink(args.file);
    auto block = read_slo_block(sink, split.slo, slo_sets);
    // The scenario's own problems and the slo block's are reported together.
    scenarios::Plan base;
    try {
        base = scenarios::load_plan_from_string(split.scenario, args.file, base_sets);
    } catch (const scenarios::ScenarioError& e) {
        auto diagnostics = e.diagnostics();
        diagnostics.insert(diagnostics.end(), sink.diagnostics().begin(), sink.diagnostics().end());
        throw scenarios::ScenarioError(std::move(diagnostics));
    }
    if (!sink.empty()) throw_diagnostics(sink);

    SloSetup setup;
    auto& settings = setup.settings;
    settings = std::move(block.settings);
    const auto* spec = std::get_if<scenarios::ResolverTargetSpec>(&base.target);
    if (!spec) {
        sink.error_unlocated("target", "volley slo needs a target.resolver scenario");
        throw_diagnostics(sink);
    }
    if (settings.mixed.working_set == 0) settings.mixed.working_set = spec->entities;
    if (settings.http.phase.working_set == 0) settings.http.phase.working_set = spec->entities;
    if (settings.warm.working_set * 2 > spec->l1_capacity * spec->instances) {
        std::cerr << fmt::format(
            "warning: slo.warm.working_set {} x 2 lookups per id exceeds L1 ({} entries)\n",
            settings.warm.working_set, spec->l1_capacity);
    }
    if (settings.mixed.working_set <= spec->l1_capacity) {
        std::cerr << fmt::format("warning: slo.mixed.working_set {} fits in L1 ({} entries)\n",
                                 settings.mixed.working_set, spec->l1_capacity);
    }
    const double cold_rate = scenarios::parse_rate_rps(settings.cold.rate.value_or("0"));
    const double cold_s =
        std::chrono::duration<double>(scenarios::parse_duration(settings.cold.duration)).count();
    if (cold_rate * cold_s > static_cast<double>(spec->entities)) {
        sink.error(node_for(block.slo, "cold", "rate"), "slo.cold",
                   fmt::format("rate x duration = {} requests exceeds the {} entities; every cold "
                               "lookup must be a "
                               "distinct id (lower slo.cold.rate or slo.cold.duration)",
                               cold_rate * cold_s, spec->entities));
        throw_diagnostics(sink);
    }
    setup.dir = args.out_dir ? std::filesystem::path(*args.out_dir) : pipeline::output_dir(base);

    const auto id_var = [&](const std::string& body) { return "variables.id=" + body; };
    // The sets of one phase: its load and ids, then `target` (the http phase's).
    const auto phase_plan = [&](const SloPhaseSettings& phase, std::vector<std::string> target) {
        auto sets = base_sets;
        sets.push_back("load.duration=" + phase.duration);
        sets.push_back("output.dir=" + (setup.dir / phase.name).string());
        if (phase.rate) {
            sets.emplace_back("load.vus=~");
            sets.push_back("load.rate=" + *phase.rate);
            sets.emplace_back("load.warmup=0s");
            // Distinct ids in order: no id is looked up twice, so no lookup can hit L1 or L2.
            sets.push_back(id_var(
                fmt::format("{{type: counter, start: 0, format: \"{}\"}}", settings.id_format)));
        } else {
            sets.emplace_back("load.rate=~");
            sets.push_back(fmt::format("load.vus={}", phase.vus));
            sets.push_back(
                id_var(fmt::format("{{type: zipf, n: {}, s: {}, format: \"{}\"}}",
                                   phase.working_set, phase.zipf_s, settings.id_format)));
        }
        sets.insert(sets.end(), target.begin(), target.end());
        auto plan = scenarios::load_plan_from_string(split.scenario, args.file, sets);
        plan.output.formats = reports::formats_to_write(plan.output.formats);
        return plan;
    };
    setup.cold = phase_plan(settings.cold, {});
    setup.warm = phase_plan(settings.warm, {});
    setup.mixed = phase_plan(settings.mixed, {});
    if (settings.http.enabled) {
        // Setting target.http drops target.resolver (scenarios/language/overrides.cpp). The
        // service marks each answer's tier in X-Cache-Tier, which the HTTP target counts.
        setup.http = phase_plan(settings.http.phase,
                                {fmt::format("target.http.base_url={}", kHttpPhasePlaceholderUrl),
                                 "target.http.cache.header=X-Cache-Tier"});
    }
    return setup;
}

SloSetup read_slo_setup(const std::string& text, const SloScenarioArgs& args,
                        const std::string& l2_key_prefix) {
    SloSetup setup = plan_slo_phases(text, args);
    const auto& spec = std::get<scenarios::ResolverTargetSpec>(setup.cold.target);
    setup.resolver = slo_resolver_config(spec, l2_key_prefix);
    return setup;
}

std::string format_id(const std::string& format, std::size_t i) {
    char buffer[256];
    const int n = std::snprintf(buffer, sizeof buffer, format.c_str(), static_cast<int>(i));
    return n < 0 ? std::string()
                 : std::string(buffer, std::min<std::size_t>(static_cast<std::size_t>(n),
                                                             sizeof buffer - 1));
}

}  // namespace volley::slo
