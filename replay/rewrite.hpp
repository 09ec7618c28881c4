// Which records are replayed (filters, sampling) and how each is sent (rewrites, route names):
// docs/replay.md "Filters, rewrites and routes".
#pragma once

#include "replay/record.hpp"
#include "replay/replay_spec.hpp"

#include <cstdint>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace volley::replay {

// True when `path` (no query) matches a route pattern: segments are literal, `*` (one
// segment) or `**` (any number of segments). "/entities/*/ancestors" matches
// "/entities/42/ancestors".
[[nodiscard]] bool route_matches(std::string_view pattern, std::string_view path);
// Why a route pattern is unusable, or "".
[[nodiscard]] std::string check_route_pattern(std::string_view pattern);

enum class Selection { keep, filtered, sampled_out };

// The method and path filters and the deterministic sample. Filters see the path as recorded.
class RecordSelector {
public:
    // Throws std::invalid_argument for a regex that does not compile.
    RecordSelector(const ReplaySpec& spec, std::uint64_t seed);
    [[nodiscard]] Selection judge(const ReplayRecord& record) const;

private:
    std::vector<std::string> methods_;
    std::vector<std::regex> include_, exclude_;
    double sample_ratio_;
    std::uint64_t seed_;
};

// A request ready for the target; PreparedRequest views point into it.
struct RenderedRequest {
    std::uint32_t name_index = 0;
    std::string method, target, headers, body;  // headers: "Name: value\r\n" lines
};

// Path rewrites, header set/remove, and the route name. Routes see the rewritten path.
class RequestRewriter {
public:
    // Throws std::invalid_argument for a regex that does not compile.
    explicit RequestRewriter(const ReplaySpec& spec);
    // Fills `out` (its buffers are reused). Hop-by-hop headers, Host and Content-Length are
    // never copied: the target writes its own.
    void render(const ReplayRecord& record, RenderedRequest& out) const;
    [[nodiscard]] std::uint32_t name_index(std::string_view method, std::string_view target) const;

private:
    struct CompiledRewrite {
        std::regex pattern;
        std::string replacement;
    };
    std::vector<CompiledRewrite> rewrites_;
    std::vector<ReplayRoute> routes_;
    std::vector<std::pair<std::string, std::string>> set_headers_;
    std::vector<std::string> remove_headers_;
};

}  // namespace volley::replay
