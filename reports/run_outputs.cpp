#include "reports/run_outputs.hpp"

#include "reports/hgrm.hpp"
#include "reports/html_report.hpp"
#include "reports/junit_report.hpp"
#include "reports/markdown_report.hpp"
#include "reports/summary_journeys.hpp"
#include "reports/summary_json.hpp"
#include "reports/timeseries_csv.hpp"

#include <boost/json/parse.hpp>

#include <fmt/format.h>

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <fstream>
#include <stdexcept>

namespace volley::reports {

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
    auto temp = path;
    temp += fmt::format(".tmp{}", ::getpid());
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        out.flush();
        if (!out) throw std::runtime_error(fmt::format("cannot write {}", temp.string()));
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec)
        throw std::runtime_error(
            fmt::format("cannot rename {} to {}: {}", temp.string(), path.string(), ec.message()));
}

std::string hlog_tag_for(std::string_view request_name) {
    std::string tag;
    for (char c : request_name)
        tag.push_back(c == ',' || c == ' ' || c == '\r' || c == '\n' || c == '\t' ? '_' : c);
    return tag.empty() ? std::string("_") : tag;
}

HlogRecorder::HlogRecorder(std::filesystem::path path,
                           const std::vector<std::string>& request_names,
                           const thresholds::RunCatalog& catalog,
                           std::optional<double> start_time_s)
    : path_(std::move(path)), start_time_s_(start_time_s) {
    for (const auto& name : request_names) tags_.push_back(hlog_tag_for(name));
    for (const auto& journey : catalog.journeys)
        journey_tags_.push_back(hlog_tag_for("journey:" + journey.name));
    for (const auto& tag : distinct_tags(catalog)) {
        merged_tags_.push_back({hlog_tag_for(fmt::format("tag:{}={}", tag.first, tag.second)),
                                requests_with_tag(catalog, tag)});
    }
}

std::optional<std::string> HlogRecorder::on_interval(const engine::IntervalReport& report) {
    const double start_s = std::chrono::duration<double>(report.start).count();
    const double length_s = std::chrono::duration<double>(report.end - report.start).count();
    if (!writer_) {
        // The log's StartTime is the end of warm-up on the wall clock.
        const double now_s =
            std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        const double start_time_s =
            start_time_s_.value_or(now_s - std::chrono::duration<double>(report.end).count());
        writer_ = std::make_unique<HlogWriter>(
            path_, start_time_s,
            std::vector<std::string>{
                fmt::format("[Logged with volley {}; values in nanoseconds; response time "
                            "from the intended start (open model), corrected: no]",
                            VOLLEY_VERSION)});
    }
    const auto all = report.stats.combined();
    writer_->write_interval(std::nullopt, start_s, length_s, all.response_time, 1e6);
    for (std::size_t i = 0; i < tags_.size() && i < report.stats.per_request.size(); ++i)
        writer_->write_interval(tags_[i], start_s, length_s,
                                report.stats.per_request[i].response_time, 1e6);
    for (std::size_t f = 0; f < journey_tags_.size() && f < report.stats.per_flow.size(); ++f)
        writer_->write_interval(journey_tags_[f], start_s, length_s,
                                report.stats.per_flow[f].duration, 1e6);
    for (const auto& merged : merged_tags_) {
        merged_.reset();
        for (const std::size_t i : merged.requests) {
            if (i < report.stats.per_request.size())
                merged_.add(report.stats.per_request[i].response_time);
        }
        writer_->write_interval(merged.tag, start_s, length_s, merged_, 1e6);
    }
    writer_->flush();
    return std::nullopt;
}

std::vector<std::string> formats_to_write(std::vector<std::string> formats) {
    const auto has = [&](std::string_view f) {
        return std::find(formats.begin(), formats.end(), f) != formats.end();
    };
    if (has("hgrm") && !has("hlog")) formats.emplace_back("hlog");
    return formats;
}

std::string render_hgrm_from_hlog(const std::filesystem::path& hlog) {
    // Summed while reading: a long run's log is never held whole.
    const auto all = accumulate_file(hlog, std::nullopt);
    if (!all)
        return percentile_distribution(engine::HdrHistogram::latency_ns(), 5,
                                       1e6);  // no interval logged
    return percentile_distribution(*all, 5, 1e6);
}

std::filesystem::path write_summary_json(const std::filesystem::path& dir,
                                         const boost::json::object& summary) {
    write_file_atomically(dir / "summary.json", to_pretty_json(summary));
    return dir / "summary.json";
}

std::vector<std::filesystem::path> write_reports(const std::filesystem::path& dir,
                                                 const RunSummary& summary,
                                                 const std::vector<std::string>& formats) {
    const auto wanted = [&](std::string_view f) {
        return formats.empty() || std::find(formats.begin(), formats.end(), f) != formats.end();
    };
    std::vector<std::filesystem::path> written;
    auto write = [&](const char* name, const std::string& text) {
        write_file_atomically(dir / name, text);
        written.push_back(dir / name);
    };
    if (wanted("md")) write("report.md", render_markdown(summary));
    if (wanted("html")) write("report.html", render_html(summary));
    if (wanted("junit")) write("junit.xml", render_junit(summary));
    if (wanted("csv")) write("timeseries.csv", render_timeseries_csv(summary));
    const auto hlog = dir / "latency.hlog";
    const bool hgrm_asked = std::find(formats.begin(), formats.end(), "hgrm") != formats.end();
    if (hgrm_asked && !std::filesystem::exists(hlog)) {
        throw std::runtime_error(
            fmt::format("hgrm is made from latency.hlog, which {} does not hold (the run was "
                        "made without hlog)",
                        dir.string()));
    }
    if (hgrm_asked || (formats.empty() && std::filesystem::exists(hlog)))
        write("latency.hgrm", render_hgrm_from_hlog(hlog));
    return written;
}

boost::json::object read_summary(const std::filesystem::path& dir) {
    const auto path = std::filesystem::is_directory(dir) ? dir / "summary.json" : dir;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(fmt::format("cannot read {}", path.string()));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    boost::system::error_code ec;
    auto value = boost::json::parse(text, ec);
    if (ec || !value.is_object())
        throw std::runtime_error(
            fmt::format("{} is not valid JSON: {}", path.string(), ec.message()));
    auto& summary = value.as_object();
    const auto* schema = summary.if_contains("schema");
    if (!schema || !schema->is_string() || schema->get_string() != kSummarySchema)
        throw std::runtime_error(
            fmt::format("{} is not a volley summary (schema {})", path.string(), kSummarySchema));
    return std::move(summary);
}

}  // namespace volley::reports
