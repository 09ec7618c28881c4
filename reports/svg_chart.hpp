#pragma once
// A small inline-SVG line chart: axes with "nice" ticks, a grid, a legend, vertical markers
// (stage boundaries) and lines that break at gaps. Output is one self-contained <svg> element
// (no script, no external reference, colours as attributes) that scales to its container.
// All text passed in is raw; the chart escapes it.

#include <optional>
#include <string>
#include <vector>

namespace volley::reports {

struct ChartPoint {
    double x = 0;
    double y = 0;  // NaN = no value here: the line breaks
};

struct ChartSeries {
    std::string name;                // legend text
    std::vector<ChartPoint> points;  // in increasing x
    int style = 0;                   // palette index: colour and dash pattern (distinct in print)
};

struct ChartMarker {
    double x = 0;       // data x where a vertical line is drawn
    std::string label;  // short text written beside the line's top
};

struct AxisTick {
    double value = 0;
    std::string label;
};

struct ChartAxis {
    std::string label;            // e.g. "time (s)", "response time (ms)"
    std::optional<double> min;    // data minimum when absent
    std::optional<double> max;    // data maximum rounded up to a nice tick when absent
    std::vector<AxisTick> ticks;  // explicit ticks; when empty, 1-2-5 ticks are chosen
    std::string (*tick_format)(double) = nullptr;  // label of automatic ticks (format_tick if null)
};

struct LineChart {
    std::string title;  // accessible name (<title>, aria-label); the page shows its own caption
    ChartAxis x;
    ChartAxis y;
    std::vector<ChartSeries> series;
    std::vector<ChartMarker> markers;
    int width = 880;  // viewBox units
    int height = 300;
};

// The chart as an <svg> element. With no finite point, the plot area says "no data".
// Series with more points than twice the plot width are reduced per pixel column to the
// first, lowest, highest and last point, so spikes stay visible and the file stays small.
std::string render_line_chart(const LineChart& chart);

// Ticks at multiples of a 1, 2 or 5 × 10^k step covering [low, high] with about
// `approximate_count` intervals; the first tick is ≤ low and the last ≥ high.
std::vector<double> nice_ticks(double low, double high, int approximate_count);

}  // namespace volley::reports
