// thresholds and output (docs/scenarios.md "thresholds", "output").
#include "scenarios/language/loader_sections.hpp"
#include "thresholds/threshold_scope.hpp"

#include "scenarios/language/loader.hpp"
#include "thresholds/threshold_expr.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace volley::scenarios::detail {
namespace {

using namespace std::chrono_literals;
using thresholds::analysis_metric_type;
using thresholds::is_analysis_metric;
using thresholds::metric_name;
using thresholds::parse_threshold_expr;
using thresholds::ThresholdExpr;
using thresholds::ThresholdMetric;
using thresholds::ThresholdUnit;

const std::vector<std::string> kFormats = {"json", "md", "html", "hlog", "junit", "csv", "hgrm"};

// Two thresholds on the same metric and scope: a written one replaces a preset one.
// A written threshold replaces the type's default on the same metric over the whole run (a
// scoped one, `p(99){journey:x}`, judges something else and replaces nothing).
bool same_metric(const ThresholdExpr& a, const ThresholdExpr& b) {
    return a.metric == b.metric && a.percentile == b.percentile && a.tier == b.tier &&
           a.scope.kind == thresholds::ThresholdScopeKind::all &&
           b.scope.kind == thresholds::ThresholdScopeKind::all;
}

// Checks that the metric can be measured in this run; reports at `node`.
void check_measurable(DiagnosticSink& sink, const YAML::Node& node, const std::string& path,
                      const ThresholdExpr& expr, const TargetFacts& target, const Plan& plan) {
    const bool closed = std::holds_alternative<engine::ClosedProfile>(plan.run.profile);
    if (expr.unit == ThresholdUnit::fraction_of_target && closed) {
        sink.error(
            node, path,
            "a closed model (vus) has no target rate; compare throughput to a rate (e.g. > 100/s)");
    }
    if (expr.metric == ThresholdMetric::cache_hit_rate && !target.has_cache_signal) {
        sink.error(node, path, "the target reports no cache hits; set target.http.cache.header");
    }
    if (const auto type = analysis_metric_type(expr.metric);
        !type.empty() && scenario_type_name(plan.type) != type) {
        sink.error(
            node, path,
            fmt::format(
                "{} is measured by the analysis of type: {} scenarios; this scenario is "
                "type: {}",
                expr.metric == ThresholdMetric::drift_p99 ? "drift(p99)" : metric_name(expr.metric),
                type, scenario_type_name(plan.type)));
    }
    if (expr.metric == ThresholdMetric::observed) {
        if (auto why = observed_series_problem(expr, plan.observe, plan.requests); !why.empty()) {
            sink.error(node, path, why);
        }
    }
    if (expr.metric == ThresholdMetric::served_by && !target.has_tiers) {
        sink.error(node, path,
                   "the target reports no tiers; set target.http.cache.header (without hit:) "
                   "to a header carrying L1..L4");
    }
}

}  // namespace

std::vector<std::string> default_threshold_exprs(ScenarioType type) {
    switch (type) {
        case ScenarioType::smoke: return {"error_rate == 0"};
        case ScenarioType::load:
            return {"error_rate < 1%", "p(99) < 1s", "throughput >= 95% target"};
        case ScenarioType::stress:
        case ScenarioType::spike: return {"error_rate < 5%"};
        case ScenarioType::soak:
            return {"error_rate < 1%", "p(99) < 1s", "throughput >= 95% target", "dropped == 0"};
        default: return {};
    }
}

void read_thresholds(LoadContext& context, const std::optional<YAML::Node>& node,
                     bool default_thresholds, const TargetFacts& target, Plan& plan) {
    DiagnosticSink& sink = context.sink;
    std::vector<std::pair<ThresholdSpec, ThresholdExpr>> written;
    if (node && !node->IsSequence()) {
        sink.error(*node, "thresholds",
                   fmt::format("expected a list of expressions, got {}", describe_node(*node)));
    } else if (node) {
        for (std::size_t i = 0; i < node->size(); ++i) {
            const YAML::Node item = (*node)[i];
            const std::string path = index_path("thresholds", i);
            ThresholdSpec spec;
            YAML::Node expr_node = item;
            std::string expr_path = path;
            // The options written, for the check of analysis thresholds (read before expr_node
            // is assigned: YAML::Node assignment rewrites the node it refers to).
            std::vector<std::pair<std::string, YAML::Node>> options_written;
            if (item.IsMap()) {
                const MapReader map(sink, item, path,
                                    {"expr", "request", "window", "abort_on_fail", "delay_abort"});
                if (!map.require("expr", "e.g. p(95) < 200ms")) continue;
                for (const char* key : {"request", "window", "abort_on_fail", "delay_abort"}) {
                    if (auto value = map.get(key))
                        options_written.emplace_back(map.path(key), *value);
                }
                expr_node = *map.get("expr");
                expr_path = map.path("expr");
                if (auto request = map.string("request")) {
                    const bool known =
                        std::any_of(plan.requests.begin(), plan.requests.end(),
                                    [&](const auto& r) { return r.name == *request; });
                    if (!known) {
                        sink.error(*map.get("request"), map.path("request"),
                                   fmt::format("no request is named '{}'", *request));
                    }
                    spec.request = *request;
                }
                if (auto window = map.duration("window")) {
                    if (*window < 1s) {
                        sink.error(*map.get("window"), map.path("window"),
                                   "must be at least 1s (the reporting interval)");
                    }
                    spec.window = *window;
                }
                spec.abort_on_fail = map.boolean("abort_on_fail").value_or(false);
                if (auto delay = map.duration("delay_abort", {.allow_zero = true})) {
                    if (!spec.abort_on_fail) {
                        sink.error(*map.get("delay_abort"), map.path("delay_abort"),
                                   "delay_abort applies with abort_on_fail: true");
                    }
                    spec.delay_abort = *delay;
                }
            }
            const auto text = read_string(sink, expr_node, expr_path);
            if (!text) continue;
            try {
                const ThresholdExpr expr = parse_threshold_expr(*text);
                check_measurable(sink, expr_node, expr_path, expr, target, plan);
                if (auto why =
                        thresholds::scope_problem(expr, plan.catalog, plan.run.request_names);
                    !why.empty()) {
                    sink.error(expr_node, expr_path, fmt::format("'{}': {}", *text, why));
                }
                if (spec.request && expr.scope.kind != thresholds::ThresholdScopeKind::all) {
                    sink.error(
                        expr_node, expr_path,
                        fmt::format("'{}' has a scope in braces; drop the request: option", *text));
                }
                if (expr.metric == ThresholdMetric::observed) {
                    for (const auto& [option_path, value] : options_written) {
                        if (option_path.ends_with("abort_on_fail") ||
                            option_path.ends_with("delay_abort")) {
                            sink.error(value, option_path,
                                       fmt::format("does not apply to '{}': observed figures are "
                                                   "judged at the end of the run",
                                                   *text));
                        }
                    }
                }
                if (is_analysis_metric(expr.metric)) {
                    // Judged once from the analysis at the end: nothing to scope, window or abort.
                    for (const auto& [option_path, value] : options_written) {
                        sink.error(
                            value, option_path,
                            fmt::format("does not apply to '{}': it is judged once, from the run's "
                                        "analysis at its end",
                                        *text));
                    }
                }
                spec.expr = *text;
                const Diagnostic where = sink.locate(expr_node.Mark(), expr_path);
                spec.file = where.file;
                spec.line = where.line;
                spec.column = where.column;
                written.emplace_back(std::move(spec), expr);
            } catch (const std::invalid_argument& error) {
                sink.error(expr_node, expr_path, error.what());
            }
        }
    }
    if (default_thresholds) {
        for (const auto& text : default_threshold_exprs(plan.type)) {
            const ThresholdExpr expr = parse_threshold_expr(text);
            const bool replaced = std::any_of(written.begin(), written.end(), [&](const auto& w) {
                return !w.first.request && same_metric(w.second, expr);
            });
            if (replaced) continue;
            ThresholdSpec spec;
            spec.expr = text;
            spec.file = fmt::format("(type: {} default)", scenario_type_name(plan.type));
            plan.thresholds.push_back(std::move(spec));
        }
    }
    for (auto& [spec, expr] : written) plan.thresholds.push_back(std::move(spec));
}

void read_output(LoadContext& context, const YAML::Node& node, Plan& plan) {
    const MapReader output(context.sink, node, "output", {"dir", "formats", "store", "labels"});
    if (auto store = output.string("store")) {
        if (store->rfind("postgresql://", 0) != 0 && store->rfind("postgres://", 0) != 0)
            context.sink.error(*output.get("store"), output.path("store"),
                               "expected a postgresql://… URL (the embedded history is the "
                               "results directory itself and needs no setting)");
        plan.output.store = *store;
    }
    if (auto labels = output.get("labels")) {
        if (!labels->IsMap()) {
            context.sink.error(*labels, output.path("labels"),
                               "expected a map of label names to values");
        } else {
            for (const auto& entry : *labels) {
                const auto key = entry.first.as<std::string>();
                if (!entry.second.IsScalar()) {
                    context.sink.error(entry.second, output.path("labels") + "." + key,
                                       "expected a text value");
                    continue;
                }
                plan.output.labels[key] = entry.second.as<std::string>();
            }
        }
    }
    if (auto dir = output.string("dir")) {
        if (dir->empty())
            context.sink.error(*output.get("dir"), output.path("dir"), "must not be empty");
        plan.output.dir = *dir;
    }
    if (auto formats = output.string_list("formats")) {
        const YAML::Node node_of_formats = *output.get("formats");
        for (std::size_t i = 0; i < formats->size(); ++i) {
            const std::string& format = (*formats)[i];
            if (std::find(kFormats.begin(), kFormats.end(), format) != kFormats.end()) continue;
            const bool listed = node_of_formats.IsSequence();
            context.sink.error(
                listed ? node_of_formats[i] : node_of_formats,
                listed ? index_path(output.path("formats"), i) : output.path("formats"),
                fmt::format("unknown format '{}' (json, md, html, hlog, junit, csv, hgrm)",
                            format));
        }
        plan.output.formats = *formats;
    }
}

}  // namespace volley::scenarios::detail
