// Internal to the loader: one reader per top-level section of a scenario. Each reports into
// the sink and fills its part of the Plan; the plan is only used when the sink stays empty.
#pragma once

#include "scenarios/language/plan.hpp"
#include "scenarios/language/templates.hpp"
#include "scenarios/language/yaml_walker.hpp"
#include "thresholds/threshold_expr.hpp"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

namespace volley::scenarios::detail {

struct LoadContext {
    DiagnosticSink& sink;
    std::string base_dir;  // for relative file names; empty = working directory
    [[nodiscard]] std::string resolve_file(const std::string& name) const;
};

// target: exactly one of http / resolver. Sets plan.target; returns the connections it asks
// for (default 64) and the request timeout (for the drain default).
struct TargetFacts {
    std::size_t connections = 64;
    Nanos request_timeout{std::chrono::seconds(10)};
    bool has_tiers = false;         // completions carry served_by tiers
    bool has_cache_signal = false;  // a cache-hit rate can be computed
};
TargetFacts read_target(LoadContext& context, const YAML::Node& node, Plan& plan);

// load: profile (open or closed), type presets, warm-up, drain, threads, limits. Fills
// plan.run (except request_names and seed) and plan.analysis.
void read_load(LoadContext& context, const std::optional<YAML::Node>& node,
               const YAML::Mark& root_mark, const TargetFacts& target, Plan& plan);

// A think time: a duration, or {constant: 1s} / {uniform: [1s, 3s]} / {exponential: 2s}.
engine::ThinkTime read_think(DiagnosticSink& sink, const YAML::Node& node, const std::string& path);

void read_variables(LoadContext& context, const YAML::Node& node, Plan& plan);
// Requires plan.variables (templates are checked against them). Without `requests:` the mix is
// `GET /` unless the scenario has journeys.
void read_requests(LoadContext& context, const std::optional<YAML::Node>& node,
                   const YAML::Mark& root_mark, bool has_journeys, Plan& plan);
// The fields a request and a journey step share (method, path, headers, body, weight, expect,
// tags) from `map`; templates may also use `journey_variables` (nullptr: none).
RequestSpec read_request_fields(LoadContext& context, const MapReader& map, const Plan& plan,
                                const std::vector<std::string>* journey_variables);
// `tags:` a map key -> value; keys journey, step, request are refused (threshold scopes).
std::vector<Tag> read_tags(DiagnosticSink& sink, const YAML::Node& node, const std::string& path);
// `journeys:` (after read_requests): appends each step's request to plan.requests, fills
// plan.journeys and plan.catalog.
void read_journeys(LoadContext& context, const YAML::Node& node, Plan& plan);
// Checks a template's references against plan.variables and, for journey steps, the variables
// earlier steps extract.
void check_template(DiagnosticSink& sink, const YAML::Node& node, const std::string& path,
                    const std::string& text, const Plan& plan, bool constants_only,
                    Field field = Field::body, BodyKind body_kind = BodyKind::text,
                    const std::vector<std::string>* journey_variables = nullptr);
// Requires plan.requests and plan.run.profile (scopes and model checks).
void read_thresholds(LoadContext& context, const std::optional<YAML::Node>& node,
                     bool default_thresholds, const TargetFacts& target, Plan& plan);
void read_output(LoadContext& context, const YAML::Node& node, Plan& plan);
// observe: (docs/observe.md) into plan.observe.
void read_observe(LoadContext& context, const YAML::Node& node, Plan& plan);
// Why an `observed.*` threshold names no series the plan's observe: section writes; empty when
// it does.
[[nodiscard]] std::string observed_series_problem(const thresholds::ThresholdExpr& expr,
                                                  const observe::ObserveSpec& spec,
                                                  const std::vector<RequestSpec>& requests);

// Checks header names (tokens, no templates) and values (no line breaks; no Content-Length).
bool check_headers(DiagnosticSink& sink, const YAML::Node& node, const std::string& path,
                   const std::vector<Header>& headers);

// The preset thresholds of a scenario type (docs/scenarios.md "Types").
[[nodiscard]] std::vector<std::string> default_threshold_exprs(ScenarioType type);

}  // namespace volley::scenarios::detail
