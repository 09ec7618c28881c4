// What became of one scheduled request (docs/architecture.md "Engine", outcome classes).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace volley::engine {

enum class Outcome : std::uint8_t {
    ok,
    http_4xx,
    http_5xx,
    timeout,
    connect_error,
    reset,
    tls_error,
    protocol_error,
    not_found,
    dropped,    // scheduled, never sent (in-flight limit reached)
    cancelled,  // sent, abandoned unanswered when the run was stopped at once (second Ctrl-C)
    // Scheduled and queued for a free connection, never sent: the run ended (drain over, second
    // Ctrl-C, abort) while it waited. Last, so the indices before it keep their meaning.
    unsent,
};
inline constexpr std::size_t kOutcomeCount = 12;

inline constexpr std::array<std::string_view, kOutcomeCount> kOutcomeNames = {
    "ok",        "http_4xx",       "http_5xx",  "timeout", "connect_error", "reset",
    "tls_error", "protocol_error", "not_found", "dropped", "cancelled",     "unsent"};

// Dropped, cancelled and unsent requests got no answer from the target: they are neither
// successes nor errors, and their (non-)response times are not in any histogram.
constexpr bool is_answered(Outcome outcome) {
    return outcome != Outcome::dropped && outcome != Outcome::cancelled &&
           outcome != Outcome::unsent;
}

constexpr std::string_view outcome_name(Outcome outcome) {
    return kOutcomeNames[static_cast<std::size_t>(outcome)];
}

// Which resolver tier answered: 0 = the target reports no tiers, 1..4 = L1..L4.
using TierIndex = std::uint8_t;
inline constexpr std::size_t kTierSlots = 5;
using TierCounts = std::array<std::uint64_t, kTierSlots>;  // completions per TierIndex

// The cache figures, defined once (docs/outputs.md "cache"). A hit is an answer from L1, L2 or
// L3. The hit rate and each tier's share divide by every completed request, the sum of all
// slots: a request that failed, which no tier answered ([0]), is a miss, never left out.
[[nodiscard]] constexpr std::uint64_t cache_hits(const TierCounts& served_by) {
    return served_by[1] + served_by[2] + served_by[3];
}
[[nodiscard]] constexpr std::uint64_t cache_denominator(const TierCounts& served_by) {
    std::uint64_t completed = 0;
    for (const std::uint64_t count : served_by) completed += count;
    return completed;
}

using OutcomeCounts = std::array<std::uint64_t, kOutcomeCount>;

}  // namespace volley::engine
