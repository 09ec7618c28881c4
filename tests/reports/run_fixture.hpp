#pragma once
// summary.json of real runs: the engine (engine::run) against the fake target
// (tests/fakes/fake_target.hpp), with thresholds and the analysis, put together as
// pipeline/run_pipeline.cpp does. The report tests render from these, so every figure they check
// came out of the engine, not out of a hand-written file.

#include <boost/json/object.hpp>

namespace volley::reports::testing {

enum class RunFixture {
    // Three named requests (names full of markup), tiers L1..L4 (cache sections), three stages
    // at 60, 120 and 180/s; 5xx and timeouts with status and detail; passing, failing, scoped
    // and windowed thresholds. Scenario name, file and URL carry markup too. Request n (in the
    // order sent) is served by tier L(1 + n % 4), fails with a 5xx when n % 25 == 7 and times
    // out when n % 40 == 13 (then no tier answered it).
    with_cache,
    // One request, no tiers, 50/s for 2 s, every request ok; scenario name "<script>…".
    no_cache,
    // type: stress, steps at 20, 40 and 60/s of 1 s each; the fake answers the requests of the
    // third step in 300 ms (the first two in 1 ms): p(99) < 100ms breaks it there.
    // Thresholds on the analysis: capacity >= 50/s (fails), breaking_point >= 50/s (passes).
    stress,
};

// The summary of that run, made once per test process.
const boost::json::object& run_summary(RunFixture which);

}  // namespace volley::reports::testing
