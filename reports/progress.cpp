#include "reports/progress.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "reports/number_format.hpp"
#include "reports/text_escape.hpp"

namespace volley::reports {
namespace {

std::size_t code_points(const std::string& text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

// The first `columns` code points of text, ending in "…" when it was cut.
std::string fit(const std::string& text, std::size_t columns) {
    if (code_points(text) <= columns) return text;
    if (columns == 0) return {};
    std::string out;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool starts_code_point = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
        if (starts_code_point && ++kept > columns - 1) break;
        out += text[i];
    }
    return out + "…";
}

std::string time_part(const ProgressState& state) {
    if (state.total_s <= 0) return format_clock(state.elapsed_s);
    const double done = std::clamp(state.elapsed_s / state.total_s, 0.0, 1.0);
    return fmt::format("{}/{} {:.0f}%", format_clock(state.elapsed_s), format_clock(state.total_s),
                       std::floor(done * 100.0));
}

}  // namespace

std::string format_progress_line(const ProgressState& state) {
    const auto rate =
        state.target_rps > 0
            ? fmt::format("{}/{} rps", format_rps(state.achieved_rps), format_rps(state.target_rps))
            : fmt::format("{} rps", format_rps(state.achieved_rps));
    std::string line = fmt::format(
        "{}  {}  p99 {}  errors {}  dropped {}", time_part(state), rate,
        state.p99_ms ? format_ms(*state.p99_ms) + " ms" : std::string(missing_value_text),
        state.errors, state.dropped);
    line = fit(line, progress_line_max_columns);
    const auto label = strip_control_characters(state.stage_label);
    const std::size_t used = code_points(line);
    if (!label.empty() && used + 3 < progress_line_max_columns) {
        line += "  " + fit(label, progress_line_max_columns - used - 2);
    }
    return line;
}

}  // namespace volley::reports
