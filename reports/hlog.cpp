// HdrHistogram interval log (.hlog) 1.3 writer and reader, docs/hdr.md §9.
#include "reports/hlog.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <istream>
#include <ostream>
#include <stdexcept>

#include "reports/hdr_codec.hpp"
#include "reports/hgrm.hpp"

namespace volley::reports {
namespace {

using engine::HdrHistogram;

constexpr std::size_t kMaxHeaderLineLength = 126;  // the C reader's buffer (§9.1)
constexpr std::string_view kVersionLine = "#[Histogram log format version 1.3]";
constexpr std::string_view kLegend =
    "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"";
constexpr std::string_view kStartTimePrefix = "#[StartTime: ";
constexpr std::string_view kBaseTimePrefix = "#[BaseTime: ";
constexpr std::string_view kVersionPrefix = "#[Histogram log format version ";
constexpr std::string_view kTagPrefix = "Tag=";
constexpr double kSecondsPerYear = 365 * 24 * 3600.0;
// Start times must leave Java's Date (and std::chrono's civil calendar) a 4-digit year.
constexpr double kLatestStartTimeS = 253402300799.0;  // 9999-12-31T23:59:59Z

// Seconds with 3 decimals as Java's String.format(Locale.US, "%.3f") writes them.
std::string seconds_text(double seconds) { return format_fixed_java(seconds, 3); }

void require(bool condition, const std::string& message) {
    if (!condition) throw std::invalid_argument("hlog: " + message);
}

std::string number_text(double value) {
    char text[32];
    const auto result = std::to_chars(text, text + sizeof text, value);
    return std::string(text, result.ptr);
}

[[noreturn]] void malformed(const std::string& what) { throw std::runtime_error(what); }

double parse_number(std::string_view field, const char* name) {
    double value = 0.0;
    const auto result = std::from_chars(field.data(), field.data() + field.size(), value);
    if (field.empty() || result.ec != std::errc() || result.ptr != field.data() + field.size() ||
        !std::isfinite(value)) {
        malformed(std::string(name) + " \"" + std::string(field) + "\" is not a number");
    }
    return value;
}

// The number right after `prefix`, up to the first ' ', ',' or ']'.
double parse_header_number(std::string_view line, std::string_view prefix, const char* name) {
    std::string_view rest = line.substr(prefix.size());
    rest = rest.substr(0, rest.find_first_of(" ,]"));
    return parse_number(rest, name);
}

std::vector<std::string_view> split_fields(std::string_view line) {
    std::vector<std::string_view> fields;
    while (true) {
        const std::size_t comma = line.find(',');
        fields.push_back(line.substr(0, comma));
        if (comma == std::string_view::npos) return fields;
        line.remove_prefix(comma + 1);
    }
}

// The interval fields of a line that is not a comment, legend or blank.
HlogLine parse_interval_line(std::string_view line) {
    std::vector<std::string_view> fields = split_fields(line);
    HlogLine parsed;
    parsed.kind = HlogLine::Kind::interval;
    if (fields.front().starts_with(kTagPrefix)) {
        parsed.tag = fields.front().substr(kTagPrefix.size());
        if (parsed.tag->empty()) malformed("empty Tag=");
        fields.erase(fields.begin());
    }
    if (fields.size() != 4) {
        malformed(
            "expected [Tag=T,]StartTimestamp,Interval_Length,Interval_Max,"
            "Interval_Compressed_Histogram but found " +
            std::to_string(fields.size()) + " fields after the tag");
    }
    parsed.start_s = parse_number(fields[0], "StartTimestamp");
    parsed.length_s = parse_number(fields[1], "Interval_Length");
    parsed.interval_max = parse_number(fields[2], "Interval_Max");
    parsed.histogram_base64 = fields[3];
    return parsed;
}

bool is_blank(std::string_view line) {
    return line.find_first_not_of(" \t\r\n\v\f") == std::string_view::npos;
}

}  // namespace

bool is_valid_hlog_tag(std::string_view tag) {
    return !tag.empty() && tag.find_first_of(", \t\r\n\v\f") == std::string_view::npos;
}

std::string java_utc_date_text(double seconds_since_epoch) {
    using namespace std::chrono;
    static constexpr const char* kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    // Java: new Date((long) (seconds * 1000)); the date shows the whole second at or before it.
    const auto ms = static_cast<std::int64_t>(seconds_since_epoch * 1000.0);
    const sys_seconds time = floor<seconds>(sys_time<milliseconds>{milliseconds{ms}});
    const sys_days day = floor<days>(time);
    const year_month_day date{day};
    const hh_mm_ss clock{time - day};
    char text[64];
    std::snprintf(
        text, sizeof text, "%s %s %02u %02d:%02d:%02d UTC %d", kWeekdays[weekday{day}.c_encoding()],
        kMonths[static_cast<unsigned>(date.month()) - 1], static_cast<unsigned>(date.day()),
        static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
        static_cast<int>(clock.seconds().count()), static_cast<int>(date.year()));
    return text;
}

HlogLine parse_hlog_line(std::string_view text) {
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    HlogLine line;
    line.text = text;
    if (is_blank(text)) return line;
    if (text.starts_with('#')) {
        if (text.starts_with(kStartTimePrefix)) {
            line.kind = HlogLine::Kind::start_time;
            line.seconds = parse_header_number(text, kStartTimePrefix, "StartTime");
        } else if (text.starts_with(kBaseTimePrefix)) {
            line.kind = HlogLine::Kind::base_time;
            line.seconds = parse_header_number(text, kBaseTimePrefix, "BaseTime");
        } else if (text.starts_with(kVersionPrefix)) {
            line.kind = HlogLine::Kind::format_version;
            const std::string_view rest = text.substr(kVersionPrefix.size());
            line.text = rest.substr(0, rest.find(']'));
        } else {
            line.kind = HlogLine::Kind::comment;
            line.text = text.substr(1);
        }
        return line;
    }
    if (text.starts_with("\"StartTimestamp\"") || text.starts_with("\"Timestamp\"")) {
        line.kind = HlogLine::Kind::legend;
        return line;
    }
    return parse_interval_line(text);
}

// ------------------------------------------------------------------------------------ writer

HlogWriter::HlogWriter(std::ostream& out, double start_time_s,
                       const std::vector<std::string>& comments)
    : out_(&out), start_time_s_(start_time_s) {
    write_header(comments);
}

HlogWriter::HlogWriter(const std::filesystem::path& path, double start_time_s,
                       const std::vector<std::string>& comments)
    : owned_file_(std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc)),
      out_(owned_file_.get()),
      start_time_s_(start_time_s) {
    if (!*owned_file_) throw std::runtime_error("hlog: cannot create " + path.string());
    write_header(comments);
}

void HlogWriter::write_header(const std::vector<std::string>& comments) {
    require(
        std::isfinite(start_time_s_) && start_time_s_ >= 0.0 && start_time_s_ <= kLatestStartTimeS,
        "start time must be seconds since the epoch (0 .. year 9999), got " +
            number_text(start_time_s_));
    std::string header;
    for (const std::string& comment : comments) {
        require(comment.find_first_of("\r\n") == std::string::npos,
                "comment lines must not contain line breaks");
        const bool bracketed = comment.starts_with('[') && comment.ends_with(']');
        std::string line = bracketed ? "#" + comment : "#[" + comment + "]";
        require(line.size() <= kMaxHeaderLineLength,
                "comment line longer than 126 characters: " + line);
        header += line + '\n';
    }
    header += kVersionLine;
    header += '\n';
    const std::string start = seconds_text(start_time_s_);
    header += std::string(kStartTimePrefix) + start + " (seconds since epoch), " +
              java_utc_date_text(start_time_s_) + "]\n";
    header += std::string(kBaseTimePrefix) + start + " (seconds since epoch)]\n";
    header += kLegend;
    header += '\n';
    *out_ << header;
    check_stream("writing the header");
}

void HlogWriter::write_interval(std::optional<std::string_view> tag, double start_s_relative,
                                double length_s, const HdrHistogram& histogram,
                                double max_value_unit_ratio) {
    if (tag)
        require(is_valid_hlog_tag(*tag), "invalid tag \"" + std::string(*tag) +
                                             "\" (must be non-empty, no ',' or whitespace)");
    require(std::isfinite(start_s_relative) && start_s_relative >= 0.0,
            "interval start must be finite and >= 0, got " + number_text(start_s_relative));
    require(std::isfinite(length_s) && length_s >= 0.0,
            "interval length must be finite and >= 0, got " + number_text(length_s));
    require(std::isfinite(max_value_unit_ratio) && max_value_unit_ratio > 0.0,
            "max_value_unit_ratio must be finite and > 0");
    const std::string_view key = tag.value_or(std::string_view{});
    auto last = last_start_by_tag_.find(key);
    require(last == last_start_by_tag_.end() || start_s_relative >= last->second,
            "interval start " + number_text(start_s_relative) +
                " is earlier than the previous line of the same tag");

    std::string line;
    if (tag) line += std::string(kTagPrefix) + std::string(*tag) + ',';
    line += seconds_text(start_s_relative) + ',' + seconds_text(length_s) + ',' +
            format_fixed_java(static_cast<double>(histogram.max()) / max_value_unit_ratio, 3) +
            ',' + encode_compressed_base64(histogram) + '\n';
    *out_ << line;
    check_stream("writing an interval");
    if (last == last_start_by_tag_.end()) {
        last_start_by_tag_.emplace(std::string(key), start_s_relative);
    } else {
        last->second = start_s_relative;
    }
}

void HlogWriter::flush() {
    out_->flush();
    check_stream("flushing");
}

void HlogWriter::check_stream(const char* what) const {
    if (!*out_) throw std::runtime_error(std::string("hlog: stream failed while ") + what);
}

// ------------------------------------------------------------------------------------ reader

std::vector<std::string> HlogContents::tags() const {
    std::vector<std::string> found;
    for (const HlogInterval& interval : intervals) {
        if (interval.tag && std::find(found.begin(), found.end(), *interval.tag) == found.end()) {
            found.push_back(*interval.tag);
        }
    }
    return found;
}

HlogContents read_hlog(std::istream& in) { return read_hlog(in, {}); }

HlogContents read_hlog(std::istream& in, const std::function<bool(const HlogInterval&)>& keep) {
    HlogContents log;
    std::optional<double> first_timestamp;
    std::optional<double> start_time;
    std::optional<double> base_time;
    std::string line;
    std::size_t line_number = 0;
    while (std::getline(in, line)) {
        ++line_number;
        const bool terminated = !in.eof();
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const std::string_view text = line;
        const std::string where = "hlog line " + std::to_string(line_number) + ": ";
        try {
            const HlogLine parsed = parse_hlog_line(text);
            switch (parsed.kind) {
                case HlogLine::Kind::blank:
                case HlogLine::Kind::legend: continue;
                case HlogLine::Kind::start_time: start_time = parsed.seconds; continue;
                case HlogLine::Kind::base_time: base_time = parsed.seconds; continue;
                case HlogLine::Kind::format_version:
                    log.format_version = std::string(parsed.text);
                    continue;
                case HlogLine::Kind::comment: log.comments.emplace_back(parsed.text); continue;
                case HlogLine::Kind::interval: break;
            }
            HlogInterval interval{
                parsed.tag ? std::optional<std::string>(*parsed.tag) : std::nullopt, parsed.start_s,
                parsed.length_s, parsed.interval_max, decode_base64(parsed.histogram_base64)};
            if (!first_timestamp) first_timestamp = interval.start_s;
            if (!keep || keep(interval)) log.intervals.push_back(std::move(interval));
        } catch (const std::runtime_error& e) {
            if (!terminated) {
                log.warnings.push_back(where + e.what() + " (unterminated last line skipped)");
                break;
            }
            throw std::runtime_error(where + e.what());
        }
    }
    if (in.bad()) throw std::runtime_error("hlog: read error");

    // §9.2: how Java's HistogramLogReader resolves StartTime and BaseTime.
    if (start_time) {
        log.start_time_s = *start_time;
    } else if (first_timestamp) {
        log.start_time_s = *first_timestamp + base_time.value_or(0.0);
    }
    if (base_time) {
        log.base_time_s = *base_time;
    } else if (first_timestamp && *first_timestamp < log.start_time_s - kSecondsPerYear) {
        log.base_time_s = log.start_time_s;
    }
    for (HlogInterval& interval : log.intervals) {
        const double absolute_start_s = log.base_time_s + interval.start_s;
        interval.histogram.start_time_ms = std::llround(absolute_start_s * 1000.0);
        interval.histogram.end_time_ms =
            std::llround((absolute_start_s + interval.length_s) * 1000.0);
    }
    return log;
}

HlogContents read_hlog(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("hlog: cannot open " + path.string());
    return read_hlog(in);
}

std::optional<HdrHistogram> accumulate_file(const std::filesystem::path& path,
                                            std::optional<std::string_view> tag) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("hlog: cannot open " + path.string());
    std::optional<HdrHistogram> sum;
    (void)read_hlog(in, [&](const HlogInterval& interval) {
        if (tag ? (interval.tag && *interval.tag == *tag) : !interval.tag) {
            if (sum)
                sum->add(interval.histogram);
            else
                sum = interval.histogram;
        }
        return false;  // summed, not kept
    });
    return sum;
}

std::optional<HdrHistogram> accumulate(const HlogContents& log,
                                       std::optional<std::string_view> tag) {
    std::optional<HdrHistogram> sum;
    for (const HlogInterval& interval : log.intervals) {
        const bool selected = tag ? (interval.tag && *interval.tag == *tag) : !interval.tag;
        if (!selected) continue;
        if (sum) {
            sum->add(interval.histogram);
        } else {
            sum = interval.histogram;
        }
    }
    return sum;
}

}  // namespace volley::reports
