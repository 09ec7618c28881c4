#include "apps/start_at.hpp"

#include <stdexcept>

namespace volley::apps {

// Skeleton: the synchronised start's helper replaces these bodies.
std::chrono::system_clock::time_point parse_start_at(std::string_view,
                                                     std::chrono::system_clock::time_point) {
    throw std::invalid_argument("--start-at: not implemented yet");
}

engine::Nanos parse_max_start_lag(std::string_view) {
    throw std::invalid_argument("--max-start-lag: not implemented yet");
}

}  // namespace volley::apps
