// HistogramLogProcessor's percentile report of an interval log, docs/hdr.md §14.
#include "reports/hlog_report.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <istream>
#include <stdexcept>

#include "reports/hdr_codec.hpp"
#include "reports/hgrm.hpp"
#include "reports/hlog.hpp"

namespace volley::reports {
namespace {

using engine::HdrHistogram;

constexpr double kSecondsPerYear = 365 * 24 * 3600.0;

void check_options(const HlogReportOptions& options) {
    if (options.percentiles_ticks_per_half < 1) {
        throw std::invalid_argument("percentiles output ticks per half must be >= 1");
    }
    if (!std::isfinite(options.output_value_unit_ratio) || options.output_value_unit_ratio <= 0) {
        throw std::invalid_argument("output value unit ratio must be finite and > 0");
    }
    if (std::isnan(options.start_s) || std::isnan(options.end_s) ||
        options.end_s < options.start_s) {
        throw std::invalid_argument("the window end must not be before its start");
    }
    if (options.expected_interval < 0) {
        throw std::invalid_argument("the expected interval must be >= 0");
    }
}

// Java's AbstractHistogram.add() on an auto-resizing accumulator: when the other's max does not
// fit, the accumulator is re-sized to cover exactly that max (same L and S), then added to.
void add_resizing(HdrHistogram& sum, const HdrHistogram& other) {
    const std::int64_t highest_recordable =
        sum.highest_equivalent_value(sum.value_from_index(sum.counts_length() - 1));
    if (other.max() > highest_recordable) {
        HdrHistogram grown(sum.lowest_discernible_value(), other.max(), sum.significant_figures());
        grown.add(sum);
        sum = std::move(grown);
    }
    sum.add(other);
}

// HistogramLogReader's time state: StartTime and BaseTime as headers set them, or deduced from
// the first interval line (docs/hdr.md §9.2).
struct LogClock {
    std::optional<double> start_time_s;
    std::optional<double> base_time_s;

    // Offset of an interval line's start from StartTime, seconds (Java's arithmetic).
    double offset_of(double timestamp_s) {
        if (!start_time_s) start_time_s = timestamp_s;
        if (!base_time_s) {
            base_time_s = timestamp_s < *start_time_s - kSecondsPerYear ? *start_time_s : 0.0;
        }
        const double absolute_start_s = timestamp_s + *base_time_s;
        return absolute_start_s - *start_time_s;
    }
};

void note_tag(HlogReport& report, const std::optional<std::string_view>& tag) {
    if (!tag) {
        report.untagged_seen = true;
    } else if (std::find(report.tags_seen.begin(), report.tags_seen.end(), *tag) ==
               report.tags_seen.end()) {
        report.tags_seen.emplace_back(*tag);
    }
}

bool selected(const HlogReportOptions& options, const std::optional<std::string_view>& tag) {
    return options.tag ? (tag && *tag == *options.tag) : !tag;
}

}  // namespace

HlogReport read_hlog_report(std::istream& in, const HlogReportOptions& options) {
    check_options(options);
    HlogReport report;
    LogClock clock;
    std::string text;
    std::size_t line_number = 0;
    while (std::getline(in, text)) {
        ++line_number;
        const bool terminated = !in.eof();
        try {
            const HlogLine line = parse_hlog_line(text);
            if (line.kind == HlogLine::Kind::start_time) clock.start_time_s = line.seconds;
            if (line.kind == HlogLine::Kind::base_time) clock.base_time_s = line.seconds;
            if (line.kind != HlogLine::Kind::interval) continue;
            note_tag(report, line.tag);
            const double offset_s = clock.offset_of(line.start_s);
            if (offset_s < options.start_s) continue;
            if (offset_s > options.end_s) break;  // Java stops at the first line past the end
            if (!selected(options, line.tag)) continue;
            HdrHistogram interval = decode_base64(line.histogram_base64);
            if (options.expected_interval > 0) {
                interval = interval.copy_corrected(options.expected_interval);
            }
            if (!report.accumulated) {
                report.accumulated.emplace(interval.lowest_discernible_value(),
                                           interval.highest_trackable_value(),
                                           interval.significant_figures());
                if (*clock.start_time_s != 0.0) report.start_time_s = clock.start_time_s;
            } else if (!report.start_time_s && *clock.start_time_s != 0.0) {
                report.start_time_s = clock.start_time_s;
            }
            add_resizing(*report.accumulated, interval);
            ++report.intervals;
        } catch (const std::exception& e) {
            const std::string where = "hlog line " + std::to_string(line_number) + ": ";
            if (!terminated) {
                report.warnings.push_back(where + e.what() + " (unterminated last line skipped)");
                break;
            }
            throw std::runtime_error(where + e.what());
        }
    }
    if (in.bad()) throw std::runtime_error("hlog: read error");
    return report;
}

HlogReport read_hlog_report(const std::filesystem::path& path, const HlogReportOptions& options) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path.string());
    try {
        return read_hlog_report(in, options);
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(path.string() + ": " + e.what());
    }
}

std::string render_hlog_report(const HlogReport& report, const HlogReportOptions& options) {
    if (!report.accumulated) {
        std::string present;
        if (report.untagged_seen) present = "untagged lines";
        for (const std::string& tag : report.tags_seen) {
            present += (present.empty() ? "Tag=" : ", Tag=") + tag;
        }
        const std::string which =
            options.tag ? "no interval with Tag=" + *options.tag : "no untagged interval";
        throw std::runtime_error(which + " in the window (the log has " +
                                 (present.empty() ? std::string("no interval lines") : present) +
                                 ")");
    }
    std::string out;
    if (report.start_time_s) {
        out += "#[StartTime: " + format_fixed_java(*report.start_time_s, 3) +
               " (seconds since epoch), " + java_utc_date_text(*report.start_time_s) + "]\n";
    }
    out +=
        options.csv
            ? percentile_distribution_csv(*report.accumulated, options.percentiles_ticks_per_half,
                                          options.output_value_unit_ratio)
            : percentile_distribution(*report.accumulated, options.percentiles_ticks_per_half,
                                      options.output_value_unit_ratio);
    return out;
}

}  // namespace volley::reports
