// Threshold scopes (`p(95){journey:checkout} < 2s`), the journey metrics (checks, duration_p,
// journeys_failed) and the scope's resolution against a run catalog (scope_problem,
// select_scope).
#include "thresholds/threshold_scope.hpp"
#include "thresholds/threshold_expr.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

using namespace volley::thresholds;

namespace {

// Two journeys: checkout (steps 1, 2: tag kind:shop, step 2 also op:write) and login (step 3:
// kind:auth); request 0 is a plain request. Checks: "cart ok" on step 1 (counters 0, 1),
// "paid" on step 2 (counters 2, 3).
RunCatalog sample_catalog() {
    RunCatalog catalog;
    catalog.journeys = {{"checkout", {1, 2}, {{"kind", "shop"}}},
                        {"login", {3}, {{"kind", "auth"}}}};
    catalog.request_journey = {std::nullopt, 0, 0, 1};
    catalog.request_tags = {
        {}, {{"kind", "shop"}}, {{"kind", "shop"}, {"op", "write"}}, {{"kind", "auth"}}};
    catalog.checks = {{"cart ok", 1, 0, 1}, {"paid", 2, 2, 3}};
    catalog.extract_error_counter = {std::nullopt, std::nullopt, 4, std::nullopt};
    catalog.counter_names = {"cart ok.pass", "cart ok.fail", "paid.pass", "paid.fail",
                             "checkout.pay.extract_error"};
    return catalog;
}

const std::vector<std::string> kRequests{"home", "checkout.cart", "checkout.pay", "login.post"};

}  // namespace

TEST_CASE("a scope in braces follows the metric", "[thresholds][scope]") {
    const auto journey = parse_threshold_expr("p(95){journey:checkout} < 300ms");
    CHECK(journey.metric == ThresholdMetric::percentile);
    CHECK(journey.scope.kind == ThresholdScopeKind::journey);
    CHECK(journey.scope.name == "checkout");
    CHECK(journey.value == 300e6);

    const auto step = parse_threshold_expr("error_rate{ step : checkout.pay }<1%");
    CHECK(step.scope.kind == ThresholdScopeKind::step);
    CHECK(step.scope.name == "checkout.pay");

    CHECK(parse_threshold_expr("p(99){request:home} < 1s").scope.kind ==
          ThresholdScopeKind::request);
    const auto tag = parse_threshold_expr("avg{kind:auth} < 200ms");
    CHECK(tag.scope.kind == ThresholdScopeKind::tag);
    CHECK(tag.scope.key == "kind");
    CHECK(tag.scope.name == "auth");
    CHECK(parse_threshold_expr("served_by.L1{kind:auth} > 5%").scope.kind ==
          ThresholdScopeKind::tag);
    CHECK(parse_threshold_expr("p(95) < 300ms").scope.kind == ThresholdScopeKind::all);
}

TEST_CASE("checks, duration_p and journeys_failed parse", "[thresholds][scope]") {
    const auto all = parse_threshold_expr("checks > 99%");
    CHECK(all.metric == ThresholdMetric::checks);
    CHECK(all.unit == ThresholdUnit::ratio);
    CHECK(all.value == Approx(0.99));
    const auto one = parse_threshold_expr("checks{login ok} > 99%");
    CHECK(one.scope.kind == ThresholdScopeKind::check);
    CHECK(one.scope.name == "login ok");
    CHECK(parse_threshold_expr("checks{check:a:b} == 100%").scope.name == "a:b");
    CHECK(parse_threshold_expr("checks{step:checkout.pay} > 90%").scope.kind ==
          ThresholdScopeKind::step);

    const auto duration = parse_threshold_expr("duration_p(95){journey:checkout} < 2s");
    CHECK(duration.metric == ThresholdMetric::journey_duration);
    CHECK(duration.percentile == 95);
    CHECK(duration.unit == ThresholdUnit::ns);
    CHECK(duration.value == 2e9);
    CHECK(parse_threshold_expr("duration_p(99.9) < 5s").scope.kind == ThresholdScopeKind::all);

    const auto failed = parse_threshold_expr("journeys_failed{journey:login} < 5%");
    CHECK(failed.metric == ThresholdMetric::journeys_failed);
    CHECK(failed.value == Approx(0.05));
}

TEST_CASE("scoped expressions format canonically and re-parse", "[thresholds][scope]") {
    for (const char* text :
         {"p(95){journey:checkout} < 300ms", "error_rate{step:checkout.pay} < 1%",
          "p(99){request:home} < 1s", "avg{kind:auth} < 200ms", "checks > 99%",
          "checks{login ok} > 99%", "checks{check:a:b} == 100%", "checks{journey:x} >= 90%",
          "duration_p(95){journey:checkout} < 2s", "duration_p(50) < 1s",
          "journeys_failed{journey:login} < 5%", "throughput{op:write} >= 95% target"}) {
        INFO(text);
        const auto expr = parse_threshold_expr(text);
        CHECK(format_threshold_expr(expr) == text);
        const auto again = parse_threshold_expr(format_threshold_expr(expr));
        CHECK(again.metric == expr.metric);
        CHECK(again.scope.kind == expr.scope.kind);
        CHECK(again.scope.key == expr.scope.key);
        CHECK(again.scope.name == expr.scope.name);
    }
}

TEST_CASE("bad scopes are rejected with the reason", "[thresholds][scope]") {
    struct Case {
        const char* text;
        const char* message;
    };
    const Case cases[] = {
        {"p(95){journey:checkout < 1s", "needs a closing '}'"},
        {"p(95){} < 1s", "empty scope"},
        {"p(95){checkout} < 1s", "needs a key"},
        {"p(95){:x} < 1s", "no key before ':'"},
        {"p(95){journey:} < 1s", "no name after ':'"},
        {"p(95){check:login ok} < 1s", "only checks take a check scope"},
        {"capacity{journey:x} > 100/s", "takes no scope"},
        {"duration_p(95){kind:auth} < 1s", "its scope is {journey:NAME}"},
        {"journeys_failed{step:a.b} < 1%", "its scope is {journey:NAME}"},
        {"duration_p < 1s", "needs a percentile"},
        {"duration_p(95) < 1", "a time needs a unit"},
        {"checks > 0.99", "needs a percent sign"},
        {"p(95){a{b} < 1s", "holds no '{'"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        CHECK_THROWS_AS(parse_threshold_expr(c.text), std::invalid_argument);
        CHECK_THROWS_WITH(parse_threshold_expr(c.text), Catch::Contains(c.message));
    }
}

TEST_CASE("a scope selects requests, journeys and checks of the catalog", "[thresholds][scope]") {
    const auto catalog = sample_catalog();
    const auto select = [&](const char* text) {
        return select_scope(parse_threshold_expr(text), catalog, kRequests);
    };
    CHECK_FALSE(select("p(95) < 1s").requests.has_value());
    CHECK(select("p(95){journey:checkout} < 1s").requests == std::vector<std::size_t>{1, 2});
    CHECK(select("p(95){journey:checkout} < 1s").flows == std::vector<std::size_t>{0});
    CHECK(select("p(95){step:checkout.pay} < 1s").requests == std::vector<std::size_t>{2});
    CHECK(select("p(95){request:home} < 1s").requests == std::vector<std::size_t>{0});
    CHECK(select("p(95){kind:shop} < 1s").requests == std::vector<std::size_t>{1, 2});
    CHECK(select("p(95){op:write} < 1s").requests == std::vector<std::size_t>{2});

    using Counters = std::vector<std::pair<std::size_t, std::size_t>>;
    CHECK(select("checks > 99%").check_counters == Counters{{0, 1}, {2, 3}});
    CHECK(select("checks{paid} > 99%").check_counters == Counters{{2, 3}});
    CHECK(select("checks{step:checkout.cart} > 99%").check_counters == Counters{{0, 1}});
    CHECK(select("checks{op:write} > 99%").check_counters == Counters{{2, 3}});
    CHECK(select("duration_p(95){journey:login} < 1s").flows == std::vector<std::size_t>{1});
    CHECK_FALSE(select("journeys_failed < 1%").flows.has_value());
}

TEST_CASE("scope_problem names what does not exist", "[thresholds][scope]") {
    const auto catalog = sample_catalog();
    const auto problem = [&](const char* text, const RunCatalog& in) {
        return scope_problem(parse_threshold_expr(text), in, kRequests);
    };
    CHECK(problem("p(95){journey:checkout} < 1s", catalog).empty());
    CHECK(problem("checks{paid} > 1%", catalog).empty());
    CHECK(problem("p(95){journey:chekout} < 1s", catalog) ==
          "no journey is named 'chekout' (journeys: checkout, login)");
    CHECK_THAT(problem("p(95){step:home} < 1s", catalog), Catch::Contains("no journey step"));
    CHECK_THAT(problem("p(95){request:nope} < 1s", catalog),
               Catch::Contains("no request is named 'nope' (requests: home, checkout.cart"));
    CHECK(problem("p(95){kind:none} < 1s", catalog) == "no request has the tag kind: none");
    CHECK(problem("checks{paied} > 1%", catalog) == "no check is named 'paied'");
    CHECK(problem("checks{journey:login} > 1%", catalog) == "{journey:login} has no checks");

    const RunCatalog empty;
    CHECK(problem("checks > 99%", empty) == "the scenario has no checks");
    CHECK(problem("duration_p(95) < 1s", empty) ==
          "duration_p measures journeys: the scenario has none");
    CHECK(problem("p(95){request:home} < 1s", empty).empty());
    CHECK_THROWS_WITH(select_scope(parse_threshold_expr("checks{x} > 1%"), catalog, kRequests),
                      "threshold 'checks{x} > 1%': no check is named 'x'");
}
