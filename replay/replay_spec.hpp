// The `replay:` section of a scenario (docs/replay.md): which capture is replayed, how its
// timeline is played, which records are kept and how they are rewritten. Parsed by
// scenarios/language/replay_section.cpp, run by replay/replay_run.hpp.
#pragma once

#include "engine/clock.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace volley::replay {

enum class ReplayFormat { gor, har, combined, jsonl };

[[nodiscard]] std::string_view replay_format_name(ReplayFormat format);
[[nodiscard]] std::optional<ReplayFormat> parse_replay_format(std::string_view name);
// From the file name: .gor, .har, .jsonl/.ndjson, .log (combined); a trailing .gz is ignored.
[[nodiscard]] std::optional<ReplayFormat> guess_replay_format(std::string_view file_name);

// Names the requests whose path (without query) matches `path_pattern` so that reports
// aggregate per route. Pattern segments: a literal, `*` (exactly one segment) or `**` (any
// number of segments, also none). `method` empty: any method.
struct ReplayRoute {
    std::string name;
    std::string path_pattern;
    std::string method;
};

// A regex replacement applied to the request target (path and query), ECMAScript syntax;
// `replacement` may use $1…
struct PathRewrite {
    std::string pattern;
    std::string replacement;
};

struct ReplaySpec {
    std::string file;  // as resolved (relative to the scenario's directory)
    ReplayFormat format = ReplayFormat::gor;
    // combined: an nginx log_format ($remote_addr … "$request" …); empty = the combined format.
    std::string log_format;

    // Timeline (docs/replay.md "Timeline"): capture times are since the capture's first record.
    double speed = 1.0;                    // > 0; 2 = twice as fast
    std::uint64_t loop = 1;                // passes over the capture
    std::optional<engine::Nanos> from;     // keep records at or after this capture time
    std::optional<engine::Nanos> to;       // keep records before this capture time
    std::optional<engine::Nanos> max_gap;  // capture-time gaps longer than this are shortened to it
    engine::Nanos reorder_window{std::chrono::seconds(5)};  // out-of-order tolerance
    // A record further than this from its neighbours (capture time) is quarantined, not
    // replayed (replay/outlier_filter.hpp); 0 = off.
    engine::Nanos outlier_gap{std::chrono::hours(1)};
    std::size_t reorder_max_records = 100'000;  // memory bound of the window
    // Each recorded client connection's requests are sent in order, one at a time, on one
    // connection (records without a connection id go out on any free connection).
    bool per_connection = false;

    // Selection.
    double sample_ratio = 1.0;               // 0 < ratio <= 1, deterministic per record
    std::vector<std::string> methods;        // upper case; empty = every method
    std::vector<std::string> include_paths;  // ECMAScript regexes searched in path+query
    std::vector<std::string> exclude_paths;
    bool strict = false;  // a malformed record fails the run (exit 2)

    // Rewrite (the target's base_url replaces every record's scheme and host).
    std::vector<std::pair<std::string, std::string>> set_headers;  // replace or add
    std::vector<std::string> remove_headers;                       // lower case
    std::vector<PathRewrite> rewrite_paths;

    // Request names: plan.requests[i] is routes[i]; the last plan request, named
    // `catch_all_name`, takes every request no route matches.
    std::vector<ReplayRoute> routes;
    std::string catch_all_name = "other";
};

}  // namespace volley::replay
