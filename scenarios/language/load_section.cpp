// load: the profile (open or closed model), the type presets and the run settings
// (docs/scenarios.md "load" and "Types").
#include "scenarios/language/loader_sections.hpp"

#include "scenarios/language/loader.hpp"
#include "scenarios/language/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

namespace volley::scenarios::detail {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kStressKeys[] = {"max_rate", "steps", "step_duration", "step_ramp"};
constexpr std::string_view kSpikeKeys[] = {"baseline",   "factor",          "spike_duration",
                                           "spike_ramp", "baseline_before", "baseline_after"};

// The constant-rate defaults of the smoke, load and soak types.
struct ConstantDefaults {
    double rate_rps = 0;
    Nanos duration{0};
};
std::optional<ConstantDefaults> constant_defaults(ScenarioType type) {
    switch (type) {
        case ScenarioType::smoke: return ConstantDefaults{5, 30s};
        case ScenarioType::load: return ConstantDefaults{100, 10min};
        case ScenarioType::soak: return ConstantDefaults{100, 1h};
        default: return std::nullopt;
    }
}

// Ramp-up of a `rate` + `duration` profile when not written: load ramps over the first tenth,
// soak over the first tenth but at most 2 minutes, others start at full rate.
Nanos default_ramp_up(ScenarioType type, Nanos duration) {
    if (type == ScenarioType::load) return duration / 10;
    if (type == ScenarioType::soak) return std::min<Nanos>(duration / 10, 2min);
    return Nanos{0};
}

// Reports `key` when present: it does not apply in this profile.
void reject(const MapReader& load, std::string_view key, std::string_view why) {
    if (auto node = load.get(key)) load.sink().error(*node, load.path(key), std::string(why));
}

// The stress staircase: from start_rate, `steps` equal steps up to max_rate, each a short ramp
// then a hold. Records the hold windows in the analysis settings.
void stress_profile(const MapReader& load, engine::OpenProfile& profile, Plan& plan) {
    const double max_rate = load.rate("max_rate").value_or(1000);
    const auto steps = static_cast<std::size_t>(load.integer("steps", 1, 1000).value_or(5));
    const Nanos step_duration = load.duration("step_duration").value_or(1min);
    const Nanos step_ramp = load.duration("step_ramp", {.allow_zero = true}).value_or(10s);
    const double start_rate = load.rate("start_rate", true).value_or(0);
    if (start_rate >= max_rate && load.has("start_rate")) {
        load.sink().error(
            *load.get("start_rate"), load.path("start_rate"),
            fmt::format("start_rate must be below max_rate ({})", format_rate(max_rate)));
    }
    profile.start_rps = start_rate;
    Nanos t{0};
    for (std::size_t step = 1; step <= steps; ++step) {
        const double rate = start_rate + (max_rate - start_rate) * static_cast<double>(step) /
                                             static_cast<double>(steps);
        profile.stages.push_back({step_ramp, rate});  // 0s: a step, so the hold is a hold
        t += step_ramp;
        profile.stages.push_back({step_duration, rate});
        plan.analysis.steps.push_back({t, t + step_duration, rate});
        t += step_duration;
    }
}

// baseline -> spike (baseline x factor, reached within spike_ramp) -> baseline.
void spike_profile(const MapReader& load, engine::OpenProfile& profile, Plan& plan) {
    const double baseline = load.rate("baseline").value_or(100);
    const double factor = load.number("factor", 1, 10'000).value_or(10);
    const Nanos before = load.duration("baseline_before").value_or(30s);
    const Nanos ramp = load.duration("spike_ramp").value_or(5s);
    const Nanos hold = load.duration("spike_duration").value_or(30s);
    const Nanos after = load.duration("baseline_after").value_or(1min);
    const double peak = baseline * factor;
    if (peak > engine::kMaxRateRps) {  // named where it was written (factor, else baseline)
        reject(load, load.has("factor") ? "factor" : "baseline",
               "the peak (baseline x factor): " + rate_ceiling_text(peak));
    }
    profile.start_rps = baseline;
    profile.stages = {
        {before, baseline}, {ramp, peak}, {hold, peak}, {ramp, baseline}, {after, baseline}};
    AnalysisSettings& analysis = plan.analysis;
    analysis.baseline_rps = baseline;
    analysis.spike_rps = peak;
    analysis.spike_start = before;
    analysis.spike_peak_start = before + ramp;
    analysis.spike_peak_end = before + ramp + hold;
    analysis.spike_end = before + ramp + hold + ramp;
}

// Analysis settings of explicit stages written under a typed scenario.
void analyse_stages(const engine::OpenProfile& profile, Plan& plan) {
    AnalysisSettings& analysis = plan.analysis;
    if (plan.type == ScenarioType::stress) {
        // Every stage that keeps the rate of the one before (a hold, not a ramp) is a step.
        double from = profile.start_rps;
        Nanos t{0};
        for (const auto& stage : profile.stages) {
            if (stage.target_rps == from && stage.target_rps > 0) {
                analysis.steps.push_back({t, t + stage.duration, stage.target_rps});
            }
            t += stage.duration;
            from = stage.target_rps;
        }
    } else if (plan.type == ScenarioType::spike) {
        // Baseline = the first stage's rate; the spike spans from the first rise above it to the
        // return to it; the peak is the highest rate.
        const double baseline = profile.stages.front().target_rps;
        double peak = 0;
        for (const auto& stage : profile.stages) peak = std::max(peak, stage.target_rps);
        analysis.baseline_rps = baseline;
        analysis.spike_rps = peak;
        Nanos t{0};
        bool in_spike = false, at_peak = false;
        std::optional<Nanos> peak_end;
        double from = profile.start_rps;
        for (const auto& stage : profile.stages) {
            const Nanos end = t + stage.duration;
            if (!in_spike && stage.target_rps > baseline) {
                in_spike = true;
                analysis.spike_start = t;
            }
            if (in_spike && stage.target_rps == peak && !at_peak) {
                at_peak = true;
                analysis.spike_peak_start = from == peak ? t : end;
            }
            if (at_peak && from == peak && stage.target_rps == peak) peak_end = end;
            if (in_spike && stage.target_rps <= baseline) {
                analysis.spike_peak_end = peak_end.value_or(t);
                analysis.spike_end = end;
                break;
            }
            t = end;
            from = stage.target_rps;
        }
        // A spike that never comes back keeps the last peak hold's end (nothing recovers then).
        if (!analysis.spike_end && peak_end) analysis.spike_peak_end = *peak_end;
    }
}

void read_stages(const MapReader& load, engine::OpenProfile& profile) {
    DiagnosticSink& sink = load.sink();
    const YAML::Node node = *load.get("stages");
    const std::string path = load.path("stages");
    if (!node.IsSequence() || node.size() == 0) {
        sink.error(node, path, "expected a list of {duration, rate} stages");
        return;
    }
    profile.start_rps = load.rate("start_rate", true).value_or(0);
    bool any_rate = profile.start_rps > 0;
    for (std::size_t i = 0; i < node.size(); ++i) {
        const MapReader stage(sink, node[i], index_path(path, i), {"duration", "rate"});
        if (!stage.is_map()) continue;
        stage.require("duration");
        stage.require("rate", "the rate reached at the end of the stage, e.g. 100/s");
        const auto duration = stage.duration("duration");
        const auto rate = stage.rate("rate", true);
        if (duration && rate) profile.stages.push_back({*duration, *rate});
        any_rate = any_rate || (rate && *rate > 0);
    }
    if (!any_rate && sink.empty()) sink.error(node, path, "every stage has rate 0");
}

}  // namespace

engine::ThinkTime read_think(DiagnosticSink& sink, const YAML::Node& node,
                             const std::string& path) {
    engine::ThinkTime think;
    if (node.IsScalar()) {
        if (auto value = read_duration(sink, node, path, {.allow_zero = true})) {
            think.kind =
                value->count() == 0 ? engine::ThinkKind::none : engine::ThinkKind::constant;
            think.min = *value;
        }
        return think;
    }
    const MapReader map(sink, node, path, {"constant", "uniform", "exponential"});
    if (!map.is_map()) return think;
    const int kinds =
        int(map.has("constant")) + int(map.has("uniform")) + int(map.has("exponential"));
    if (kinds != 1) {
        sink.error(node, path,
                   "write one of constant: 1s, uniform: [1s, 3s] or exponential: 2s (the mean)");
        return think;
    }
    if (auto value = map.duration("constant", {.allow_zero = true})) {
        think.kind = engine::ThinkKind::constant;
        think.min = *value;
    }
    if (auto mean = map.duration("exponential")) {
        think.kind = engine::ThinkKind::exponential;
        think.mean = *mean;
    }
    if (auto bounds = map.get("uniform")) {
        const std::string bounds_path = map.path("uniform");
        if (!bounds->IsSequence() || bounds->size() != 2) {
            sink.error(*bounds, bounds_path, "expected [min, max], e.g. [1s, 3s]");
            return think;
        }
        auto low =
            read_duration(sink, (*bounds)[0], index_path(bounds_path, 0), {.allow_zero = true});
        auto high = read_duration(sink, (*bounds)[1], index_path(bounds_path, 1));
        if (low && high) {
            if (*low > *high) {
                sink.error(*bounds, bounds_path, "min is larger than max");
            } else {
                think.kind = engine::ThinkKind::uniform;
                think.min = *low;
                think.max = *high;
            }
        }
    }
    return think;
}

void read_load(LoadContext& context, const std::optional<YAML::Node>& node,
               const YAML::Mark& root_mark, const TargetFacts& target, Plan& plan) {
    DiagnosticSink& sink = context.sink;
    if (!node && plan.type == ScenarioType::custom) {
        sink.error_at(root_mark, "load",
                      "missing key 'load' (rate + duration, stages or vus), or set a type");
        return;
    }
    const YAML::Node load_node = node ? *node : YAML::Node(YAML::NodeType::Map);
    const MapReader load(
        sink, load_node, "load",
        {"rate",          "duration",        "ramp_up",       "stages",   "start_rate",
         "vus",           "think",           "pacing",        "arrival",  "warmup",
         "drain",         "threads",         "max_in_flight", "max_rate", "steps",
         "step_duration", "step_ramp",       "baseline",      "factor",   "spike_duration",
         "spike_ramp",    "baseline_before", "baseline_after"});
    if (!load.is_map()) return;

    // Run settings shared by every model.
    engine::RunSpec& run = plan.run;
    run.warmup = load.duration("warmup", {.allow_zero = true}).value_or(Nanos{0});
    run.drain = load.duration("drain", {.allow_zero = true}).value_or(target.request_timeout);
    const auto cores = std::max(1U, std::thread::hardware_concurrency());
    run.threads = static_cast<std::size_t>(load.integer("threads", 1, 4096).value_or(cores));
    run.connections = target.connections;
    run.max_in_flight =
        static_cast<std::size_t>(load.integer("max_in_flight", 1, 1'000'000'000).value_or(0));

    // Type-specific keys belong to their type.
    for (std::string_view key : kStressKeys) {
        if (plan.type != ScenarioType::stress)
            reject(load, key, fmt::format("{} applies to type: stress", key));
    }
    for (std::string_view key : kSpikeKeys) {
        if (plan.type != ScenarioType::spike)
            reject(load, key, fmt::format("{} applies to type: spike", key));
    }

    // The model: exactly one of vus, stages, rate, or the type's preset.
    std::vector<std::string_view> chosen;
    for (std::string_view key : {"vus", "stages", "rate"}) {
        if (load.has(key)) chosen.push_back(key);
    }
    if (chosen.size() > 1) {
        sink.error(*load.get(chosen[1]), load.path(chosen[1]),
                   fmt::format("{} and {} are alternatives; keep one", chosen[0], chosen[1]));
        return;
    }
    const std::string_view model = chosen.empty() ? std::string_view{} : chosen.front();
    const bool preset_keys_written = std::any_of(std::begin(kStressKeys), std::end(kStressKeys),
                                                 [&](auto k) { return load.has(k); }) ||
                                     std::any_of(std::begin(kSpikeKeys), std::end(kSpikeKeys),
                                                 [&](auto k) { return load.has(k); });
    if (!model.empty() && preset_keys_written &&
        (plan.type == ScenarioType::stress || plan.type == ScenarioType::spike)) {
        sink.error(*load.get(model), load.path(model),
                   fmt::format("{} replaces the {} profile; remove its keys or this one", model,
                               scenario_type_name(plan.type)));
        return;
    }
    if (model == "rate" &&
        (plan.type == ScenarioType::stress || plan.type == ScenarioType::spike)) {
        sink.error(*load.get("rate"), load.path("rate"),
                   plan.type == ScenarioType::stress
                       ? "type stress climbs to max_rate; write max_rate (or stages)"
                       : "type spike starts from baseline; write baseline and factor (or stages)");
        return;
    }

    if (model == "vus") {
        for (std::string_view key : {"arrival", "start_rate", "ramp_up", "max_in_flight"}) {
            reject(load, key,
                   fmt::format("{} applies to the open model (rate or stages), not vus", key));
        }
        engine::ClosedProfile closed;
        closed.vus = static_cast<std::size_t>(load.integer("vus", 1, 1'000'000).value_or(1));
        const auto defaults = constant_defaults(plan.type);
        if (defaults && !load.has("duration"))
            closed.duration = defaults->duration;
        else if (load.require("duration", "how long the virtual users run")) {
            closed.duration = load.duration("duration").value_or(Nanos{0});
        }
        if (auto think = load.get("think"))
            closed.think = read_think(sink, *think, load.path("think"));
        closed.pacing = load.duration("pacing").value_or(Nanos{0});
        run.connections = closed.vus;
        run.profile = closed;
        return;
    }

    for (std::string_view key : {"think", "pacing"}) {
        reject(load, key, fmt::format("{} applies to virtual users (vus)", key));
    }
    engine::OpenProfile open;
    if (auto arrival = load.string("arrival")) {
        if (*arrival == "uniform")
            open.arrival = engine::Arrival::uniform;
        else if (*arrival == "poisson")
            open.arrival = engine::Arrival::poisson;
        else {
            sink.error(*load.get("arrival"), load.path("arrival"),
                       fmt::format("unknown arrival '{}' (uniform or poisson)", *arrival));
        }
    }

    if (model == "stages") {
        reject(load, "duration", "with stages the duration is the sum of the stage durations");
        reject(load, "ramp_up", "with stages, write the ramp as a stage");
        read_stages(load, open);
        if (!open.stages.empty()) analyse_stages(open, plan);
    } else if (model == "rate" || (model.empty() && constant_defaults(plan.type))) {
        const auto defaults = constant_defaults(plan.type).value_or(ConstantDefaults{});
        double rate = defaults.rate_rps;
        Nanos duration = defaults.duration;
        if (model == "rate") rate = load.rate("rate").value_or(0);
        if (!defaults.duration.count()) load.require("duration", "e.g. 30s");
        if (auto written = load.duration("duration")) duration = *written;
        const Nanos ramp_up = load.duration("ramp_up", {.allow_zero = true})
                                  .value_or(default_ramp_up(plan.type, duration));
        if (ramp_up >= duration && duration.count() > 0 && load.has("ramp_up")) {
            sink.error(*load.get("ramp_up"), load.path("ramp_up"),
                       fmt::format("ramp_up ({}) must be shorter than duration ({})",
                                   format_duration(ramp_up), format_duration(duration)));
        }
        if (load.has("start_rate") && ramp_up.count() == 0) {
            reject(load, "start_rate", "start_rate applies to stages or a ramp_up");
        }
        open.start_rps = ramp_up.count() > 0 ? load.rate("start_rate", true).value_or(0) : rate;
        if (ramp_up.count() > 0) open.stages.push_back({ramp_up, rate});
        if (duration > ramp_up) open.stages.push_back({duration - ramp_up, rate});
        if (plan.type == ScenarioType::load || plan.type == ScenarioType::soak) {
            plan.analysis.hold_start = ramp_up;
        }
        if (plan.type == ScenarioType::soak) {
            // A tenth of the hold in whole seconds, within 10 s .. 10 min.
            const double hold_s = std::chrono::duration<double>(duration - ramp_up).count();
            plan.analysis.drift_window = std::chrono::seconds(
                static_cast<std::int64_t>(std::clamp(std::round(hold_s / 10), 10.0, 600.0)));
        }
    } else if (plan.type == ScenarioType::stress) {
        reject(load, "duration", "type stress lasts steps x (step_ramp + step_duration)");
        reject(load, "ramp_up", "type stress ramps with step_ramp");
        stress_profile(load, open, plan);
    } else if (plan.type == ScenarioType::spike) {
        reject(load, "duration", "type spike lasts baseline_before + spike + baseline_after");
        reject(load, "ramp_up", "type spike ramps with spike_ramp");
        reject(load, "start_rate", "type spike starts at baseline");
        spike_profile(load, open, plan);
    } else {
        sink.error(load_node, "load", "expected rate + duration, stages, or vus (or set a type)");
    }
    run.profile = std::move(open);
}

}  // namespace volley::scenarios::detail
