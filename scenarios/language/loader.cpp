#include "scenarios/language/loader.hpp"

#include "scenarios/language/loader_sections.hpp"
#include "scenarios/language/overrides.hpp"
#include "scenarios/language/replay_section.hpp"
#include "scenarios/language/templates.hpp"
#include "scenarios/language/units.hpp"

#include <fmt/format.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace volley::scenarios {
namespace {

// Scenario names end up in directory names: no slashes or control characters.
bool is_valid_name(const std::string& name) {
    if (name.empty() || name.size() > 100) return false;
    for (const char c : name) {
        if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
    }
    return true;
}

[[noreturn]] void throw_collected(DiagnosticSink& sink) {
    throw ScenarioError(std::move(sink.diagnostics()));
}

Plan build_plan(const YAML::Node& root, DiagnosticSink& sink, const std::string& file_name) {
    detail::LoadContext context{sink, std::filesystem::path(file_name).parent_path().string()};
    const MapReader top(
        sink, root, "",
        {"name", "description", "type", "seed", "target", "load", "requests", "variables",
         "thresholds", "default_thresholds", "output", "replay", "journeys", "observe"});
    if (!top.is_map()) throw_collected(sink);
    const YAML::Mark root_mark = root.Mark();

    Plan plan;
    plan.file = file_name;
    plan.name = std::filesystem::path(file_name).stem().string();
    if (plan.name.empty()) plan.name = "volley";
    if (auto name = top.string("name")) {
        if (!is_valid_name(*name)) {
            sink.error(*top.get("name"), "name",
                       "must be 1..100 characters without slashes or control characters");
        }
        plan.name = *name;
    }
    if (auto description = top.string("description")) plan.description = *description;
    if (auto type = top.string("type")) {
        // custom is the absence of a type; replay comes with a replay: section.
        const auto named = thresholds::scenario_type_from_name(*type);
        if (named && *named != ScenarioType::custom &&
            (*named != ScenarioType::replay || top.has("replay"))) {
            plan.type = *named;
        } else {
            sink.error(
                *top.get("type"), "type",
                fmt::format("unknown type '{}' (smoke, load, stress, spike or soak)", *type));
        }
    }
    if (auto seed = top.integer("seed", 0, std::numeric_limits<std::int64_t>::max())) {
        plan.run.seed = static_cast<std::uint64_t>(*seed);
    }

    if (auto variables = top.get("variables")) detail::read_variables(context, *variables, plan);

    detail::TargetFacts target;
    if (top.require("target", "http: {base_url: …} or resolver: {backend: embedded}")) {
        target = detail::read_target(context, *top.get("target"), plan);
    }
    const auto journeys = top.get("journeys");
    if (auto replay = top.get("replay")) {
        detail::read_replay(context, *replay, top.get("load"), top.get("requests"), target, plan);
        plan.mix_requests = plan.requests.size();
        if (journeys) {
            sink.error(*journeys, "journeys",
                       "a replay sends the capture's requests; journeys need a load: profile");
        }
    } else {
        detail::read_load(context, top.get("load"), root_mark, target, plan);
        detail::read_requests(context, top.get("requests"), root_mark, journeys.has_value(), plan);
        plan.mix_requests = plan.requests.size();
        if (journeys) {
            if (std::holds_alternative<ResolverTargetSpec>(plan.target)) {
                sink.error(*journeys, "journeys", "journeys need target.http");
            } else {
                detail::read_journeys(context, *journeys, plan);
            }
        }
    }
    plan.run.request_names.clear();
    for (const auto& request : plan.requests) plan.run.request_names.push_back(request.name);
    if (auto observe = top.get("observe")) detail::read_observe(context, *observe, plan);
    const bool default_thresholds = top.boolean("default_thresholds").value_or(true);
    detail::read_thresholds(context, top.get("thresholds"), default_thresholds, target, plan);
    if (auto output = top.get("output")) detail::read_output(context, *output, plan);

    plan.analysis.type = plan.type;
    plan.analysis.connections_key = std::holds_alternative<ResolverTargetSpec>(plan.target)
                                        ? "target.resolver.connections"
                                        : "target.http.connections";
    if (!sink.empty()) throw_collected(sink);
    return plan;
}

// What makes two runs runs "of the same scenario" (docs/outputs.md `scenario.hash`): FNV-1a
// (64 bits, hex) of the scenario as loaded, after `--set`, re-emitted by yaml-cpp so comments and
// layout do not count, without the `output` section (where results go and the labels are not the
// test) and the `observe` section (what is read from the servers is not the load).
std::string scenario_hash(const YAML::Node& root) {
    YAML::Node test = YAML::Clone(root);
    if (test.IsMap()) {
        test.remove("output");
        test.remove("observe");
    }
    YAML::Emitter emitter;
    emitter << test;
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char c : std::string_view(emitter.c_str(), emitter.size())) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return fmt::format("{:016x}", hash);
}

}  // namespace

Plan load_plan_from_string(std::string_view yaml, std::string file_name,
                           const std::vector<std::string>& set_overrides) {
    DiagnosticSink sink(file_name);
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::ParserException& error) {
        sink.error_at(error.mark, "", fmt::format("YAML syntax error: {}", error.msg));
        throw_collected(sink);
    } catch (const YAML::Exception& error) {
        sink.error_at(error.mark, "", fmt::format("YAML error: {}", error.msg));
        throw_collected(sink);
    }
    if ((!root.IsDefined() || root.IsNull()) && set_overrides.empty()) {
        sink.error_at(YAML::Mark(), "", "the scenario is empty (see docs/scenarios.md)");
        throw_collected(sink);
    }
    if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
    apply_overrides(root, set_overrides, sink);  // a malformed override is reported with the rest
    Plan plan = build_plan(root, sink, file_name);
    plan.scenario_hash = scenario_hash(root);
    YAML::Emitter emitter;
    emitter << root;
    plan.scenario_yaml = std::string(emitter.c_str(), emitter.size());
    return plan;
}

Plan load_plan(const std::string& path, const std::vector<std::string>& set_overrides) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw ScenarioError({Diagnostic{
            path, 0, 0, "", fmt::format("cannot read the file: {}", std::strerror(errno))}});
    }
    std::ostringstream content;
    content << in.rdbuf();
    return load_plan_from_string(content.str(), path, set_overrides);
}

}  // namespace volley::scenarios
