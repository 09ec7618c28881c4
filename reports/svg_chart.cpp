#include "reports/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "reports/number_format.hpp"
#include "reports/text_escape.hpp"

namespace volley::reports {
namespace {

struct SeriesStyle {
    const char* colour;
    const char* dash;  // SVG stroke-dasharray, "" for solid
};

// Distinct in colour and, for black-and-white print, in dash pattern.
constexpr SeriesStyle palette[] = {
    {"#1f77b4", ""},        {"#d62728", "7 3"}, {"#2ca02c", "2 2"},
    {"#ff7f0e", "9 3 2 3"}, {"#9467bd", "4 4"}, {"#6b6b6b", "1 3"},
};
constexpr int palette_size = static_cast<int>(std::size(palette));

const SeriesStyle& style_of(int index) {
    return palette[((index % palette_size) + palette_size) % palette_size];
}

struct PlotArea {
    double left = 66, top = 36, right = 0, bottom = 0;  // pixel edges inside the viewBox
};

struct Range {
    double low = 0, high = 1;
};

// The tick list for one axis: explicit ticks, or nice ticks spanning the data range.
std::vector<AxisTick> axis_ticks(const ChartAxis& axis, Range& range) {
    if (!axis.ticks.empty()) return axis.ticks;
    auto* format = axis.tick_format != nullptr ? axis.tick_format : &format_tick;
    std::vector<AxisTick> ticks;
    for (double value : nice_ticks(range.low, range.high, 5)) {
        ticks.push_back({value, format(value)});
    }
    if (!axis.min) range.low = ticks.front().value;
    if (!axis.max) range.high = ticks.back().value;
    return ticks;
}

Range data_range(const ChartAxis& axis, const std::vector<ChartSeries>& series, bool along_x) {
    double low = std::numeric_limits<double>::infinity();
    double high = -low;
    for (const auto& s : series) {
        for (const auto& p : s.points) {
            const double v = along_x ? p.x : p.y;
            if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
            low = std::min(low, v);
            high = std::max(high, v);
        }
    }
    Range range{axis.min.value_or(std::isfinite(low) ? low : 0.0),
                axis.max.value_or(std::isfinite(high) ? high : 1.0)};
    if (!(range.high > range.low)) range.high = range.low + 1.0;
    return range;
}

// Keeps first, lowest, highest and last point of each pixel column (in x order).
std::vector<ChartPoint> decimate(const std::vector<ChartPoint>& points, Range x, double pixels) {
    if (points.size() <= static_cast<std::size_t>(2 * pixels)) return points;
    std::vector<ChartPoint> kept;
    std::size_t i = 0;
    while (i < points.size()) {
        if (!std::isfinite(points[i].y)) {
            kept.push_back(points[i++]);
            continue;
        }
        const auto column = std::floor((points[i].x - x.low) / (x.high - x.low) * pixels);
        std::size_t end = i;
        std::size_t lowest = i, highest = i;
        while (end < points.size() && std::isfinite(points[end].y) &&
               std::floor((points[end].x - x.low) / (x.high - x.low) * pixels) == column) {
            if (points[end].y < points[lowest].y) lowest = end;
            if (points[end].y > points[highest].y) highest = end;
            ++end;
        }
        std::vector<std::size_t> picks{i, lowest, highest, end - 1};
        std::sort(picks.begin(), picks.end());
        picks.erase(std::unique(picks.begin(), picks.end()), picks.end());
        for (auto pick : picks) kept.push_back(points[pick]);
        i = end;
    }
    return kept;
}

std::string coordinate(double v) { return fmt::format("{:.1f}", v); }

}  // namespace

std::vector<double> nice_ticks(double low, double high, int approximate_count) {
    if (!std::isfinite(low) || !std::isfinite(high)) return {0.0, 1.0};
    if (high < low) std::swap(low, high);
    if (high == low) high = low + 1.0;
    const double raw_step = (high - low) / std::max(1, approximate_count);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw_step)));
    double step = magnitude;
    for (double factor : {1.0, 2.0, 5.0, 10.0}) {
        step = factor * magnitude;
        if (step >= raw_step) break;
    }
    // Multiples of step by integer index, so no rounding error accumulates.
    const auto first = static_cast<long long>(std::floor(low / step + 1e-9));
    const auto last = static_cast<long long>(std::ceil(high / step - 1e-9));
    std::vector<double> ticks;
    for (long long i = first; i <= last; ++i) ticks.push_back(static_cast<double>(i) * step);
    return ticks;
}

std::string render_line_chart(const LineChart& chart) {
    const double width = chart.width, height = chart.height;
    PlotArea area;
    area.right = width - 18;
    area.bottom = height - 46;
    Range x_range = data_range(chart.x, chart.series, true);
    Range y_range = data_range(chart.y, chart.series, false);
    const auto x_ticks = axis_ticks(chart.x, x_range);
    const auto y_ticks = axis_ticks(chart.y, y_range);

    const auto px = [&](double x) {
        const double f = (x - x_range.low) / (x_range.high - x_range.low);
        return area.left + std::clamp(f, 0.0, 1.0) * (area.right - area.left);
    };
    const auto py = [&](double y) {
        const double f = (y - y_range.low) / (y_range.high - y_range.low);
        return area.bottom - std::clamp(f, 0.0, 1.0) * (area.bottom - area.top);
    };

    std::string svg = fmt::format(R"(<svg viewBox="0 0 {} {}" role="img" aria-label="{}" )"
                                  R"(font-family="system-ui, sans-serif" font-size="11">)"
                                  "<title>{}</title>\n",
                                  chart.width, chart.height, escape_markup(chart.title),
                                  escape_markup(chart.title));
    svg += fmt::format(R"(<rect x="0" y="0" width="{}" height="{}" fill="#ffffff"/>)"
                       "\n",
                       chart.width, chart.height);

    // Grid and tick labels.
    for (const auto& tick : y_ticks) {
        if (tick.value < y_range.low - 1e-9 || tick.value > y_range.high + 1e-9) continue;
        const auto y = coordinate(py(tick.value));
        svg += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#e3e6ea"/>)"
                           R"(<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle" )"
                           R"(fill="#444">{}</text>)"
                           "\n",
                           coordinate(area.left), y, coordinate(area.right), y,
                           coordinate(area.left - 6), y, escape_markup(tick.label));
    }
    for (const auto& tick : x_ticks) {
        if (tick.value < x_range.low - 1e-9 || tick.value > x_range.high + 1e-9) continue;
        const auto x = coordinate(px(tick.value));
        svg += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#e3e6ea"/>)"
                           R"(<text x="{}" y="{}" text-anchor="middle" fill="#444">{}</text>)"
                           "\n",
                           x, coordinate(area.top), x, coordinate(area.bottom), x,
                           coordinate(area.bottom + 15), escape_markup(tick.label));
    }
    // Axes and their labels.
    svg += fmt::format(
        R"(<path d="M{} {}V{}H{}" fill="none" stroke="#555"/>)"
        "\n"
        R"(<text x="{}" y="{}" text-anchor="middle" fill="#222">{}</text>)"
        "\n"
        R"svg(<text transform="translate(14 {}) rotate(-90)" text-anchor="middle" fill="#222">{}</text>)svg"
        "\n",
        coordinate(area.left), coordinate(area.top), coordinate(area.bottom),
        coordinate(area.right), coordinate((area.left + area.right) / 2), coordinate(height - 8),
        escape_markup(chart.x.label), coordinate((area.top + area.bottom) / 2),
        escape_markup(chart.y.label));

    // Markers (stage boundaries).
    for (const auto& marker : chart.markers) {
        if (marker.x < x_range.low || marker.x > x_range.high) continue;
        const auto x = coordinate(px(marker.x));
        svg += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#8a8f98" )"
                           R"(stroke-dasharray="3 3"/><text x="{}" y="{}" fill="#555" )"
                           R"(font-size="10">{}</text>)"
                           "\n",
                           x, coordinate(area.top - 4), x, coordinate(area.bottom),
                           coordinate(px(marker.x) + 3), coordinate(area.top + 8),
                           escape_markup(marker.label));
    }

    // Lines.
    bool any_point = false;
    for (const auto& series : chart.series) {
        const auto& style = style_of(series.style);
        std::string path;
        bool pen_down = false;
        for (const auto& p : decimate(series.points, x_range, area.right - area.left)) {
            if (!std::isfinite(p.x) || !std::isfinite(p.y)) {
                pen_down = false;
                continue;
            }
            path += fmt::format("{}{} {}", pen_down ? "L" : "M", coordinate(px(p.x)),
                                coordinate(py(p.y)));
            pen_down = true;
            any_point = true;
        }
        if (path.empty()) continue;
        svg += fmt::format(R"(<path d="{}" fill="none" stroke="{}" stroke-width="1.6" )"
                           R"(stroke-linejoin="round"{}/>)"
                           "\n",
                           path, style.colour,
                           *style.dash ? fmt::format(R"( stroke-dasharray="{}")", style.dash) : "");
    }
    if (!any_point) {
        svg += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle" fill="#777">no data</text>)"
                           "\n",
                           coordinate((area.left + area.right) / 2),
                           coordinate((area.top + area.bottom) / 2));
    }

    // Legend along the top, one entry per series.
    double legend_x = area.left;
    for (const auto& series : chart.series) {
        const auto& style = style_of(series.style);
        svg +=
            fmt::format(R"(<line x1="{}" y1="14" x2="{}" y2="14" stroke="{}" stroke-width="2"{}/>)"
                        R"(<text x="{}" y="18" fill="#222">{}</text>)"
                        "\n",
                        coordinate(legend_x), coordinate(legend_x + 22), style.colour,
                        *style.dash ? fmt::format(R"( stroke-dasharray="{}")", style.dash) : "",
                        coordinate(legend_x + 27), escape_markup(series.name));
        legend_x += 40 + 6.5 * static_cast<double>(series.name.size());
    }
    svg += "</svg>";
    return svg;
}

}  // namespace volley::reports
