#include "replay/rewrite.hpp"

#include "replay/http_message.hpp"

#include <algorithm>

namespace volley::replay {
namespace {

// Headers a replay never copies from a record: the target frames the message and names the
// host itself, and hop-by-hop headers describe the recorded connection, not this one.
constexpr std::string_view kNeverCopied[] = {
    "host", "content-length", "transfer-encoding", "connection", "keep-alive", "proxy-connection",
    "te",   "trailer",        "upgrade",           "expect"};

std::regex compile_regex(const std::string& pattern, std::string_view what) {
    try {
        return std::regex(pattern, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& error) {
        throw std::invalid_argument(std::string(what) + " '" + pattern +
                                    "' is not a valid regex: " + error.what());
    }
}

std::uint64_t mix(std::uint64_t x) {  // splitmix64 finaliser
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// Splits "/a/b/c" into {"a","b","c"} (empty segments kept, leading '/' dropped).
std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    while (true) {
        const auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

bool match_segments(const std::vector<std::string_view>& pattern, std::size_t p,
                    const std::vector<std::string_view>& path, std::size_t s) {
    for (; p < pattern.size(); ++p, ++s) {
        if (pattern[p] == "**") {
            for (std::size_t skip = s; skip <= path.size(); ++skip) {
                if (match_segments(pattern, p + 1, path, skip)) return true;
            }
            return false;
        }
        if (s >= path.size()) return false;
        if (pattern[p] != "*" && pattern[p] != path[s]) return false;
        if (pattern[p] == "*" && path[s].empty()) return false;
    }
    return s == path.size();
}

}  // namespace

bool route_matches(std::string_view pattern, std::string_view path) {
    path = path.substr(0, path.find('?'));
    return match_segments(segments(pattern), 0, segments(path), 0);
}

std::string check_route_pattern(std::string_view pattern) {
    if (pattern.empty() || pattern.front() != '/') return "a route pattern starts with '/'";
    if (pattern.find('?') != std::string_view::npos)
        return "a route pattern matches the path only (no '?')";
    for (const auto segment : segments(pattern)) {
        if (segment != "*" && segment != "**" && segment.find('*') != std::string_view::npos)
            return "'*' stands for a whole segment ('/a/*/b'), not part of one";
    }
    return "";
}

RecordSelector::RecordSelector(const ReplaySpec& spec, std::uint64_t seed)
    : methods_(spec.methods), sample_ratio_(spec.sample_ratio), seed_(mix(seed)) {
    for (const auto& pattern : spec.include_paths)
        include_.push_back(compile_regex(pattern, "filter"));
    for (const auto& pattern : spec.exclude_paths)
        exclude_.push_back(compile_regex(pattern, "filter"));
}

Selection RecordSelector::judge(const ReplayRecord& record) const {
    if (!methods_.empty() &&
        std::find(methods_.begin(), methods_.end(), record.method) == methods_.end())
        return Selection::filtered;
    const auto found = [&](const std::regex& regex) {
        return std::regex_search(record.target, regex);
    };
    if (!include_.empty() && std::none_of(include_.begin(), include_.end(), found))
        return Selection::filtered;
    if (std::any_of(exclude_.begin(), exclude_.end(), found)) return Selection::filtered;
    if (sample_ratio_ < 1.0) {
        // The same records are kept on every run, worker and loop pass.
        const double draw = static_cast<double>(mix(record.ordinal ^ seed_) >> 11) * 0x1.0p-53;
        if (draw >= sample_ratio_) return Selection::sampled_out;
    }
    return Selection::keep;
}

RequestRewriter::RequestRewriter(const ReplaySpec& spec)
    : routes_(spec.routes), set_headers_(spec.set_headers), remove_headers_(spec.remove_headers) {
    for (const auto& rewrite : spec.rewrite_paths) {
        rewrites_.push_back({compile_regex(rewrite.pattern, "rewrite"), rewrite.replacement});
    }
}

std::uint32_t RequestRewriter::name_index(std::string_view method, std::string_view target) const {
    for (std::size_t i = 0; i < routes_.size(); ++i) {
        const auto& route = routes_[i];
        if (!route.method.empty() && route.method != method) continue;
        if (route_matches(route.path_pattern, target)) return static_cast<std::uint32_t>(i);
    }
    return static_cast<std::uint32_t>(routes_.size());  // the catch-all
}

void RequestRewriter::render(const ReplayRecord& record, RenderedRequest& out) const {
    out.method = record.method;
    out.target = record.target;
    for (const auto& rewrite : rewrites_)
        out.target = std::regex_replace(out.target, rewrite.pattern, rewrite.replacement);
    if (out.target.empty() || out.target.front() != '/') out.target.insert(out.target.begin(), '/');
    out.name_index = name_index(out.method, out.target);
    out.headers.clear();
    const auto listed = [](const auto& names, std::string_view name) {
        return std::any_of(std::begin(names), std::end(names), [&](std::string_view candidate) {
            return same_header_name(candidate, name);
        });
    };
    const auto set_here = [&](std::string_view name) {
        return std::any_of(set_headers_.begin(), set_headers_.end(), [&](const auto& header) {
            return same_header_name(header.first, name);
        });
    };
    for (const auto& [name, value] : record.headers) {
        if (listed(kNeverCopied, name) || listed(remove_headers_, name) || set_here(name)) continue;
        out.headers.append(name).append(": ").append(value).append("\r\n");
    }
    for (const auto& [name, value] : set_headers_)
        out.headers.append(name).append(": ").append(value).append("\r\n");
    out.body = record.body;
}

}  // namespace volley::replay
