#include "run_fixture.hpp"

#include "engine/runner.hpp"
#include "fakes/fake_target.hpp"
#include "reports/analysis.hpp"
#include "reports/summary_json.hpp"
#include "reports/thresholds.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>

namespace volley::reports::testing {
namespace {

using namespace std::chrono_literals;
using volley::testing::FakeResponse;
using volley::testing::FakeTarget;

thresholds::ThresholdSpec threshold(std::string expr,
                                    std::optional<std::string> request = std::nullopt,
                                    std::optional<engine::Nanos> window = std::nullopt) {
    thresholds::ThresholdSpec spec;
    spec.expr = std::move(expr);
    spec.request = std::move(request);
    spec.window = window;
    return spec;
}

struct Recipe {
    engine::RunSpec spec;
    std::vector<thresholds::ThresholdSpec> thresholds;
    AnalysisSettings settings;
    RunMetadata metadata;
    bool tiers = false;
    std::function<FakeResponse(std::uint64_t)> behaviour;  // by the request's serial number
};

engine::RunSpec spec_with(std::vector<engine::Stage> stages, std::vector<std::string> names) {
    engine::RunSpec spec;
    const double first = stages.front().target_rps;
    spec.profile = engine::OpenProfile{first, std::move(stages), engine::Arrival::uniform};
    spec.connections = 256;
    spec.threads = 1;  // the fake sees requests in the source's order
    spec.handle_signals = false;
    spec.drain = 3s;
    spec.request_names = std::move(names);
    return spec;
}

Recipe with_cache() {
    Recipe r;
    r.spec =
        spec_with({engine::Stage{1s, 60}, engine::Stage{1s, 120}, engine::Stage{1s, 180}},
                  {"GET /entities/{id}", "search `q` | <b>bold</b> & 'x' \"y\"", "POST /entities"});
    r.thresholds = {threshold("p(99) < 1s"),
                    threshold("error_rate < 1%"),
                    threshold("p(95) < 500ms", std::nullopt, 1s),
                    threshold("p(99) < 1s", "POST /entities"),
                    threshold("cache_hit_rate > 50%"),
                    threshold("cache_hit_rate > 99%")};
    r.settings = AnalysisSettings{.type = thresholds::ScenarioType::load, .hold_start = 0s};
    r.metadata.scenario_name = "checkout <fixture>";
    r.metadata.scenario_type = "load";
    r.metadata.scenario_file = "scenarios/checkout.yaml";
    r.metadata.target_url = "http://127.0.0.1:8080/api?a=1&b=2";
    r.metadata.reports_tiers = true;
    r.tiers = true;
    r.behaviour = [](std::uint64_t n) {
        FakeResponse response;
        response.delay = std::chrono::milliseconds(1 + n % 10);
        response.tier = static_cast<engine::TierIndex>(1 + n % 4);
        response.status = 200;
        // A failed request was answered by no tier (as the resolver's 503s and timeouts are).
        if (n % 25 == 7) {
            response.tier = 0;
            response.outcome = engine::Outcome::http_5xx;
            response.status = 503;
            response.detail = "HTTP 503 Service Unavailable";
        } else if (n % 40 == 13) {
            response.tier = 0;
            response.outcome = engine::Outcome::timeout;
            response.status = 0;
            response.detail = "no response within 1s";
        }
        return response;
    };
    return r;
}

Recipe no_cache() {
    Recipe r;
    r.spec = spec_with({engine::Stage{2s, 50}}, {"default"});
    r.thresholds = {threshold("error_rate < 1%"), threshold("p(99) < 1s")};
    r.settings = AnalysisSettings{.type = thresholds::ScenarioType::load, .hold_start = 0s};
    r.metadata.scenario_name = "<script>alert(1)</script>";
    r.metadata.scenario_type = "smoke";
    r.metadata.scenario_file = "scenarios/<evil>.yaml";
    r.metadata.target_url = "https://example.test/?a=1&b=<2>";
    r.metadata.target_notices = {
        "TLS certificate verification is disabled (tls.insecure): <img src=x onerror=alert(2)>"};
    r.behaviour = [](std::uint64_t n) {
        FakeResponse response;
        response.delay = std::chrono::milliseconds(2 + n % 3);
        response.status = 200;
        return response;
    };
    return r;
}

Recipe stress() {
    Recipe r;
    r.spec = spec_with({engine::Stage{0s, 20}, engine::Stage{1s, 20}, engine::Stage{0s, 40},
                        engine::Stage{1s, 40}, engine::Stage{0s, 60}, engine::Stage{1s, 60}},
                       {"default"});
    r.thresholds = {threshold("error_rate < 5%"), threshold("p(99) < 100ms"),
                    threshold("capacity >= 50/s"), threshold("breaking_point >= 50/s")};
    r.settings = AnalysisSettings{.type = thresholds::ScenarioType::stress,
                                  .steps = {{0s, 1s, 20}, {1s, 2s, 40}, {2s, 3s, 60}}};
    r.metadata.scenario_name = "stress fixture";
    r.metadata.scenario_type = "stress";
    r.metadata.target_url = "http://127.0.0.1:8080";
    r.behaviour = [](std::uint64_t n) {
        FakeResponse response;
        // 20 + 40 requests in the first two steps (2 to spare at the boundary); the third step's
        // are slow.
        response.delay = n < 62 ? 1ms : 300ms;
        response.status = 200;
        return response;
    };
    return r;
}

boost::json::object run(Recipe recipe) {
    const auto names = static_cast<std::uint32_t>(recipe.spec.request_names.size());
    auto serial = std::make_shared<std::atomic<std::uint64_t>>(0);
    FakeTarget target(
        [serial, behaviour = recipe.behaviour](engine::Nanos) { return behaviour((*serial)++); },
        recipe.tiers);
    const auto& open = std::get<engine::OpenProfile>(recipe.spec.profile);
    ThresholdEvaluator thresholds(recipe.thresholds, recipe.spec.request_names,
                                  engine::mean_target_rps(open));
    RunAnalyser analyser(recipe.settings, &thresholds);
    engine::RunInputs inputs{target,
                             [names](std::size_t, std::size_t) {
                                 return std::make_unique<volley::testing::StaticSource>(names);
                             },
                             {},
                             {&thresholds, &analyser}};
    const auto result = engine::run(recipe.spec, inputs);
    recipe.metadata.stages = stage_marks(open);
    return make_summary(result, recipe.metadata, thresholds.results(result),
                        analyser.analyse(result));
}

}  // namespace

const boost::json::object& run_summary(RunFixture which) {
    static std::mutex mutex;
    static std::map<RunFixture, boost::json::object> made;
    std::lock_guard lock(mutex);
    if (auto found = made.find(which); found != made.end()) return found->second;
    Recipe recipe = which == RunFixture::with_cache ? with_cache()
                    : which == RunFixture::no_cache ? no_cache()
                                                    : stress();
    return made.emplace(which, run(std::move(recipe))).first->second;
}

}  // namespace volley::reports::testing
