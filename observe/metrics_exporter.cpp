#include "observe/metrics_exporter.hpp"

#include "engine/outcome.hpp"
#include "observe/prom_text.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <utility>

namespace volley::observe {

namespace {

constexpr double kNanosPerSecond = 1e9;

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// `{request="NAME"` without the closing brace: callers add more labels.
std::string request_label(const std::string& request) {
    return fmt::format("{{request=\"{}\"", prom::escape_label_value(request));
}

// The bucket, _sum and _count lines of one histogram; `labels` is "" or `{k="v"` (unclosed).
void histogram_lines(std::string& out, std::string_view name, const std::string& labels,
                     const SecondsHistogram& histogram) {
    const std::string open = labels.empty() ? std::string("{") : labels + ",";
    for (std::size_t i = 0; i < kLatencyBucketsSeconds.size(); ++i)
        out += fmt::format("{}_bucket{}le=\"{}\"}} {}\n", name, open, kLatencyBucketsSeconds[i],
                           histogram.at_or_below[i]);
    out += fmt::format("{}_bucket{}le=\"+Inf\"}} {}\n", name, open, histogram.count);
    const std::string closed = labels.empty() ? std::string() : labels + "}";
    out += fmt::format("{}_sum{} {}\n", name, closed, histogram.sum_seconds);
    out += fmt::format("{}_count{} {}\n", name, closed, histogram.count);
}

}  // namespace

void SecondsHistogram::add(const engine::HdrHistogram& histogram) {
    const auto total = static_cast<std::uint64_t>(histogram.total_count());
    if (total == 0) return;
    std::uint64_t seen = 0;
    std::size_t bound = 0;  // the first bound the current slot can be at or below
    for (std::size_t i = 0; i < histogram.counts_length() && seen < total; ++i) {
        const auto slot_count = static_cast<std::uint64_t>(histogram.count_at_index(i));
        if (slot_count == 0) continue;
        seen += slot_count;
        const double lowest_s =
            static_cast<double>(histogram.value_from_index(i)) / kNanosPerSecond;
        while (bound < kLatencyBucketsSeconds.size() && kLatencyBucketsSeconds[bound] < lowest_s)
            ++bound;
        for (std::size_t b = bound; b < kLatencyBucketsSeconds.size(); ++b)
            at_or_below[b] += slot_count;
    }
    count += total;
    sum_seconds += histogram.mean() * static_cast<double>(total) / kNanosPerSecond;
}

std::optional<std::uint64_t> read_own_resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t size_pages = 0, resident_pages = 0;
    if (!(statm >> size_pages >> resident_pages)) return std::nullopt;
    const long page = ::sysconf(_SC_PAGESIZE);
    if (page <= 0) return std::nullopt;
    return resident_pages * static_cast<std::uint64_t>(page);
}

MetricsExporter::MetricsExporter(std::vector<std::string> request_names,
                                 std::function<void(std::string)> publish,
                                 ResidentBytesReader resident_bytes)
    : request_names_(std::move(request_names)),
      publish_(std::move(publish)),
      resident_bytes_(std::move(resident_bytes)),
      per_request_(request_names_.size()) {
    if (resident_bytes_) resident_bytes_now_ = resident_bytes_();
    if (publish_) publish_(render());
}

std::optional<std::string> MetricsExporter::on_interval(const engine::IntervalReport& report) {
    const auto& stats = report.stats;
    std::uint64_t answered = 0;
    for (std::size_t r = 0; r < per_request_.size() && r < stats.per_request.size(); ++r) {
        const auto& in = stats.per_request[r];
        auto& mine = per_request_[r];
        for (std::size_t o = 0; o < engine::kOutcomeCount; ++o) mine.outcomes[o] += in.outcomes[o];
        mine.errors += in.errors();
        mine.response_time.add(in.response_time);
        mine.service_time.add(in.service_time);
        answered += in.completed();
        finished_ +=
            in.completed() + in.outcomes[static_cast<std::size_t>(engine::Outcome::cancelled)];
    }
    schedule_lag_.add(stats.schedule_lag);
    sent_ += stats.sent;
    const double length_s = std::chrono::duration<double>(report.end - report.start).count();
    target_rps_ = report.target_rps;
    achieved_rps_ = length_s > 0 ? static_cast<double>(answered) / length_s : 0;
    cpu_seconds_ += report.cpu_seconds;
    if (resident_bytes_) resident_bytes_now_ = resident_bytes_();
    if (publish_) publish_(render());
    return std::nullopt;
}

std::string MetricsExporter::render() const {
    std::string out;
    out.reserve(4096 + per_request_.size() * 4096);
    header(out, "volley_requests_total", "counter",
           "Requests by request name and outcome (ok, http_4xx, http_5xx, timeout, "
           "connect_error, reset, tls_error, protocol_error, not_found, dropped, cancelled, "
           "unsent).");
    for (std::size_t r = 0; r < per_request_.size(); ++r)
        for (std::size_t o = 0; o < engine::kOutcomeCount; ++o)
            out += fmt::format("volley_requests_total{},outcome=\"{}\"}} {}\n",
                               request_label(request_names_[r]), engine::kOutcomeNames[o],
                               per_request_[r].outcomes[o]);
    header(out, "volley_errors_total", "counter",
           "Answered requests whose outcome was not ok, by request name.");
    for (std::size_t r = 0; r < per_request_.size(); ++r)
        out += fmt::format("volley_errors_total{}}} {}\n", request_label(request_names_[r]),
                           per_request_[r].errors);
    header(out, "volley_response_time_seconds", "histogram",
           "Response time (completion - intended start), seconds.");
    for (std::size_t r = 0; r < per_request_.size(); ++r)
        histogram_lines(out, "volley_response_time_seconds", request_label(request_names_[r]),
                        per_request_[r].response_time);
    header(out, "volley_service_time_seconds", "histogram",
           "Service time (completion - actual send), seconds.");
    for (std::size_t r = 0; r < per_request_.size(); ++r)
        histogram_lines(out, "volley_service_time_seconds", request_label(request_names_[r]),
                        per_request_[r].service_time);
    header(out, "volley_schedule_lag_seconds", "histogram",
           "The generator's own lateness: when a worker got to an arrival - its intended start.");
    histogram_lines(out, "volley_schedule_lag_seconds", "", schedule_lag_);
    header(out, "volley_in_flight", "gauge", "Requests sent and not yet answered.");
    out += fmt::format("volley_in_flight {}\n", sent_ > finished_ ? sent_ - finished_ : 0);
    header(out, "volley_target_rps", "gauge",
           "The schedule's mean target rate over the last interval, requests per second (0 in "
           "the closed model).");
    out += fmt::format("volley_target_rps {}\n", target_rps_);
    header(out, "volley_achieved_rps", "gauge",
           "Requests answered per second over the last interval.");
    out += fmt::format("volley_achieved_rps {}\n", achieved_rps_);
    header(out, "volley_process_cpu_seconds_total", "counter",
           "CPU time (user + system) volley used while measuring, seconds.");
    out += fmt::format("volley_process_cpu_seconds_total {}\n", cpu_seconds_);
    if (resident_bytes_now_) {
        header(out, "volley_process_resident_memory_bytes", "gauge",
               "Resident memory of the volley process, bytes.");
        out += fmt::format("volley_process_resident_memory_bytes {}\n", *resident_bytes_now_);
    }
    return out;
}

}  // namespace volley::observe
