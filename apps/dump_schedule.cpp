#include "apps/dump_schedule.hpp"

#include "engine/segments.hpp"
#include "pipeline/exit_codes.hpp"
#include "replay/replay_run.hpp"

#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

namespace volley::apps {

// The schedule comes from the engine (engine/segments.hpp) with the replay's timeline when the
// scenario replays a capture: the same factories a run uses, so the dump is what it would send.
int dump_schedule(const scenarios::Plan& plan, const std::string& path) {
    std::optional<replay::ReplayRun> replay;
    engine::ScheduleFactory make_schedule;
    try {
        if (plan.replay) {
            replay.emplace(*plan.replay, plan.run.seed);
            if (plan.replay->strict) replay->check_every_record();
            make_schedule = [&replay](std::size_t share, std::size_t shares) {
                return replay->make_schedule(share, shares);
            };
        }
    } catch (const std::exception& e) {  // ReplayInputError, std::invalid_argument
        std::cerr << "error: replay: " << e.what() << "\n";
        return pipeline::kExitUsage;
    }
    std::ofstream file;
    if (path != "-") {
        file.open(path, std::ios::binary | std::ios::trunc);
        if (!file) {
            std::cerr << "error: --dump-schedule: cannot write " << path << "\n";
            return pipeline::kExitUsage;
        }
    }
    std::ostream& out = path == "-" ? std::cout : file;
    try {
        engine::write_segment_schedule(out, plan.run, make_schedule);
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: " << e.what() << "\n";
        return pipeline::kExitUsage;
    }
    out.flush();
    if (!out) {
        std::cerr << "error: --dump-schedule: writing " << path << " failed\n";
        return pipeline::kExitCannotRun;
    }
    return pipeline::kExitPass;
}

}  // namespace volley::apps
