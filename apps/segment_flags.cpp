#include "apps/segment_flags.hpp"

#include "apps/start_at.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <stdexcept>

namespace volley::apps {
namespace {

std::optional<std::size_t> parse_count(std::string_view text) {
    std::size_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || text.empty()) return std::nullopt;
    return value;
}

}  // namespace

engine::SegmentSpec parse_segment(std::string_view text) {
    const auto slash = text.find('/');
    const auto index = parse_count(text.substr(0, slash));
    const auto count =
        slash == std::string_view::npos ? std::nullopt : parse_count(text.substr(slash + 1));
    if (!index || !count) {
        throw std::invalid_argument(fmt::format(
            "--segment: \"{}\": expected i/n, e.g. 0/4 (segment i of n, counted from 0)", text));
    }
    if (*count == 0 || *index >= *count) {
        throw std::invalid_argument(
            fmt::format("--segment: \"{}\": the index must be below the count (0/{} … {}/{})", text,
                        std::max<std::size_t>(*count, 1), std::max<std::size_t>(*count, 1) - 1,
                        std::max<std::size_t>(*count, 1)));
    }
    return {*index, *count};
}

engine::SegmentSpec segment_from_flags(const RunOptions& options,
                                       const char* job_completion_index) {
    if (options.segments && *options.segments == 0)
        throw std::invalid_argument("--segments: must be at least 1");
    if (options.local && !options.segments)
        throw std::invalid_argument("--local: needs --segments N (how many processes to run)");
    if (options.local && options.segment) {
        throw std::invalid_argument(
            "--local and --segment are alternatives: --local runs every segment of --segments N "
            "itself");
    }
    if (options.segment) {
        const auto segment = parse_segment(*options.segment);
        if (options.segments && *options.segments != segment.count) {
            throw std::invalid_argument(
                fmt::format("--segment {} and --segments {} disagree on the number of segments",
                            *options.segment, *options.segments));
        }
        return segment;
    }
    if (!options.segments || options.local) return {};
    if (job_completion_index == nullptr) {
        throw std::invalid_argument(fmt::format(
            "--segments {}: which segment is this? Give --segment i/{}, set JOB_COMPLETION_INDEX "
            "(a Kubernetes Indexed Job does), or add --local to run all {} here",
            *options.segments, *options.segments, *options.segments));
    }
    const auto index = parse_count(job_completion_index);
    if (!index || *index >= *options.segments) {
        throw std::invalid_argument(
            fmt::format("--segments {}: JOB_COMPLETION_INDEX=\"{}\" is not an index from 0 to {}",
                        *options.segments, job_completion_index, *options.segments - 1));
    }
    return {*index, *options.segments};
}

void apply_distributed_flags(const RunOptions& options, engine::RunSpec& run) {
    run.segment = segment_from_flags(options, std::getenv("JOB_COMPLETION_INDEX"));
    if (options.max_start_lag && !options.start_at)
        throw std::invalid_argument("--max-start-lag: applies with --start-at only");
    if (options.start_at)
        run.start_at = parse_start_at(*options.start_at, std::chrono::system_clock::now());
    if (options.max_start_lag) run.max_start_lag = parse_max_start_lag(*options.max_start_lag);
}

}  // namespace volley::apps
