// The scenario of `volley slo`: an ordinary resolver scenario plus a top-level `slo:` section
// (docs/scenarios.md "SLO scenario") -> one plan per phase and the shared resolver's config.
#pragma once

#include "resolver/config.hpp"
#include "scenarios/language/plan.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace volley::slo {

// One phase as `slo.<phase>` sets it.
struct SloPhaseSettings {
    std::string name;
    std::string duration;
    std::optional<std::string> rate;  // open model (cold)
    std::size_t vus = 8;              // closed model (warm, mixed)
    std::size_t working_set = 0;      // ids entity_000000 .. working_set-1
    double zipf_s = 1.0;
    std::optional<double> refresh_at_s;  // mixed, http: trigger a view refresh at this time
    // mixed, http: entities written (new leaves under parents spread over the working set)
    // before the phase's load, so that the refresh has changes to take in, as in production.
    std::size_t writes_before_refresh = 100;
};

// `slo.http`: the mixed phase's load sent over HTTP to the resolver's own service, started in
// process on 127.0.0.1 (an ephemeral port) over the same group. On when the block is present,
// unless `enabled: false`. Each VU holds one keep-alive connection (closed model: connections =
// vus), so there is no connections key.
struct SloHttpSettings {
    bool enabled = false;
    SloPhaseSettings phase{"http", "10s", std::nullopt, 8, 0, 1.0, 5.0};
    int service_threads = 1;  // resolver::HttpService's I/O threads (ServiceOptions::threads)
};

struct SloSettings {
    SloPhaseSettings cold{"cold", "5s", std::string("1000/s"), 0, 0, 1.0, std::nullopt};
    SloPhaseSettings warm{"warm", "5s", std::nullopt, 8, 300, 1.0, std::nullopt};
    SloPhaseSettings mixed{"mixed", "10s", std::nullopt, 8, 0, 1.0, 5.0};
    SloHttpSettings http;
    std::string id_format = "entity_%06d";  // printf-like, exactly one %d
};

// What the command line says about the scenario.
struct SloScenarioArgs {
    std::string file;
    std::vector<std::string> sets;  // key.path=value; slo.<phase>.<key> ones set the phases
    std::optional<std::string> out_dir, postgres, redis;
};

// What the phases run.
struct SloSetup {
    SloSettings settings;
    // The scenario with its load, variables.id and output.dir (dir/<phase>) replaced per phase.
    scenarios::Plan cold, warm, mixed;
    // Set when settings.http.enabled: the mixed phase's plan with target.http in place of
    // target.resolver; its base_url is kHttpPhasePlaceholderUrl until the service listens.
    std::optional<scenarios::Plan> http;
    resolver::ResolverConfig resolver;  // the group the phases share
    std::filesystem::path dir;          // -o, or the scenario's output dir
};

// The http phase plan's target.http.base_url at planning time (the service's port is known only
// once it listens; the phase runs a copy of the plan with the real URL). Fixed, so that the
// plan's scenario_hash does not change from run to run.
inline constexpr const char* kHttpPhasePlaceholderUrl = "http://127.0.0.1:1";

// Whether `text` is an SLO scenario: it has a top-level `slo:` key.
bool is_slo_scenario(const std::string& text);

// The phases' plans of the scenario `text`, checked (every problem of the scenario and of its
// slo: block at once, as file:line:col or the --set/flag that caused it: a
// scenarios::ScenarioError), without the resolver's connections (${env:…} URLs stay as
// they are). `volley validate` uses it. Prints warnings to stderr.
SloSetup plan_slo_phases(const std::string& text, const SloScenarioArgs& args);

// plan_slo_phases, then the resolver the phases share. `text`: the scenario file's content.
// `l2_key_prefix`: the shared resolver's own L2 namespace (a fresh one per execution, so the cold
// phase starts with an empty L2 on a shared Redis). Prints warnings to stderr. Throws
// scenarios::ScenarioError, or std::invalid_argument for an
// ${env:…} that is not set (exit 2).
SloSetup read_slo_setup(const std::string& text, const SloScenarioArgs& args,
                        const std::string& l2_key_prefix);

// The id `format` (SloSettings::id_format) gives index i.
std::string format_id(const std::string& format, std::size_t i);

}  // namespace volley::slo
