#include "apps/local_segments.hpp"

#include <iostream>

namespace volley::apps {

// Skeleton: replaced with the local runner.
int run_local_segments(const RunOptions&, const scenarios::Plan&) {
    std::cerr << "error: --local: not implemented yet\n";
    return kExitUsage;
}

}  // namespace volley::apps
