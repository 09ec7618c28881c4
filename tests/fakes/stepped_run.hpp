// Runs the real engine on a manual clock (engine::SteppedRun): the workers and the collector on
// one io_context, time jumping from one timer to the next. Deterministic and as fast as the
// handlers themselves.
#pragma once

#include "engine/runner.hpp"
#include "fakes/manual_clock.hpp"

#include <boost/asio/io_context.hpp>

#include <stdexcept>

namespace volley::testing {

// The whole run to its result. Throws std::logic_error when the run can make no progress (not
// done and no timer waiting): a hang becomes a failure.
inline engine::RunResult run_stepped(const engine::RunSpec& spec, engine::RunInputs inputs,
                                     ManualClock& clock) {
    boost::asio::io_context io;
    inputs.clock = &clock;
    engine::SteppedRun run(spec, inputs, io);
    run.start();
    while (!run.done()) {
        if (!clock.step())
            throw std::logic_error("stepped run stuck: not done and no timer waiting");
    }
    return run.result();
}

}  // namespace volley::testing
