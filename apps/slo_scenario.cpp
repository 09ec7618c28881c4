#include "apps/slo_scenario.hpp"

#include "apps/run_pipeline.hpp"
#include "apps/target_factory.hpp"
#include "scenarios/loader.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace volley::apps {

namespace {

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

void read_phase(const YAML::Node& node, SloPhaseSettings& phase) {
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

}  // namespace

SloSetup read_slo_setup(const std::string& text, const SloScenarioArgs& args, const std::string& l2_key_prefix) {
    const auto split = split_scenario(text);
    std::vector<std::string> base_sets, slo_sets;
    for (const auto& set : args.sets) (set.rfind("slo.", 0) == 0 ? slo_sets : base_sets).push_back(set);
    if (args.postgres) base_sets.push_back("target.resolver.postgres=" + *args.postgres);
    if (args.redis) base_sets.push_back("target.resolver.redis=" + *args.redis);

    SloSetup setup;
    auto& settings = setup.settings;
    settings = read_slo_settings(split.slo, slo_sets);
    check_id_format(settings.id_format);
    const auto base = scenarios::load_plan_from_string(split.scenario, args.file, base_sets);
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
    setup.dir = args.out_dir ? std::filesystem::path(*args.out_dir) : output_dir(base);

    const auto id_var = [&](const std::string& body) { return "variables.id=" + body; };
    for (auto [phase, plan] : {std::pair{&settings.cold, &setup.cold}, std::pair{&settings.warm, &setup.warm},
                               std::pair{&settings.mixed, &setup.mixed}}) {
        auto sets = base_sets;
        sets.push_back("load.duration=" + phase->duration);
        sets.push_back("output.dir=" + (setup.dir / phase->name).string());
        if (phase->rate) {
            sets.push_back("load.vus=~");
            sets.push_back("load.rate=" + *phase->rate);
            sets.push_back("load.warmup=0s");
            // Distinct ids in order: no id is looked up twice, so no lookup can hit L1 or L2.
            sets.push_back(id_var(fmt::format("{{type: counter, start: 0, format: \"{}\"}}", settings.id_format)));
        } else {
            sets.push_back("load.rate=~");
            sets.push_back(fmt::format("load.vus={}", phase->vus));
            sets.push_back(id_var(fmt::format("{{type: zipf, n: {}, s: {}, format: \"{}\"}}", phase->working_set,
                                              phase->zipf_s, settings.id_format)));
        }
        *plan = scenarios::load_plan_from_string(split.scenario, args.file, sets);
    }
    setup.resolver = slo_resolver_config(*spec, l2_key_prefix);
    return setup;
}

std::string format_id(const std::string& format, std::size_t i) {
    char buffer[256];
    const int n = std::snprintf(buffer, sizeof buffer, format.c_str(), static_cast<int>(i));
    return n < 0 ? std::string() : std::string(buffer, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buffer - 1));
}

}  // namespace volley::apps
