// `--start-at` and `--max-start-lag` (docs/distributed.md "Synchronised start").
#pragma once

#include "engine/clock.hpp"

#include <chrono>
#include <string_view>

namespace volley::apps {

// "2026-12-06T10:00:00Z" (RFC 3339, a whole second, any offset) or "+30s" (`now` rounded up to
// the next whole second, plus the duration). Throws std::invalid_argument naming --start-at.
[[nodiscard]] std::chrono::system_clock::time_point parse_start_at(
    std::string_view text, std::chrono::system_clock::time_point now);

// "500ms", "2s": a non-negative duration. Throws std::invalid_argument naming --max-start-lag.
[[nodiscard]] engine::Nanos parse_max_start_lag(std::string_view text);

}  // namespace volley::apps
