#include "apps/dump_schedule.hpp"

#include "pipeline/exit_codes.hpp"

#include <iostream>

namespace volley::apps {

// Skeleton: the segments' helper replaces this body.
int dump_schedule(const scenarios::Plan&, const std::string&) {
    std::cerr << "error: --dump-schedule: not implemented yet\n";
    return pipeline::kExitUsage;
}

}  // namespace volley::apps
