#include "reports/segment_file.hpp"

#include "reports/hdr_codec.hpp"
#include "reports/run_outputs.hpp"
#include "reports/summary_fields.hpp"
#include "reports/summary_json.hpp"
#include "reports/summary_protocol.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fstream>
#include <sstream>

namespace volley::reports {
namespace json = boost::json;
using detail::Fields;

namespace {

// Level 1: a segment encodes every interval on the collector thread; the size gained at level 9
// is small beside the time (any level decodes).
constexpr int kSegmentZlibLevel = 1;

json::string encode_histogram(const engine::HdrHistogram& histogram) {
    return json::string(base64_encode(encode_compressed(histogram, kSegmentZlibLevel)));
}

// Decodes into `into` (a latency_ns() histogram) so that every merged histogram has the same
// layout; a histogram of another layout or range is refused, naming where it was.
void decode_histogram_into(const Fields& fields, std::string_view key, engine::HdrHistogram& into) {
    engine::HdrHistogram decoded = engine::HdrHistogram::latency_ns();
    try {
        decoded = decode_base64(fields.text(key));
    } catch (const SummaryError&) {
        throw;
    } catch (const std::exception& e) {
        fields.fail(fields.path_of(key), fmt::format("not a histogram: {}", e.what()));
    }
    if (decoded.empty()) return;
    if (decoded.significant_figures() != into.significant_figures() ||
        decoded.lowest_discernible_value() != into.lowest_discernible_value() ||
        decoded.max() > into.highest_trackable_value()) {
        fields.fail(fields.path_of(key),
                    fmt::format("incompatible histogram: {} significant digits, lowest {}, max {} "
                                "(volley records {} digits, lowest {}, up to {})",
                                decoded.significant_figures(), decoded.lowest_discernible_value(),
                                decoded.max(), into.significant_figures(),
                                into.lowest_discernible_value(), into.highest_trackable_value()));
    }
    into.add(decoded);
}

template <std::size_t N>
json::array counts_array(const std::array<std::uint64_t, N>& counts) {
    json::array out;
    for (const auto c : counts) out.emplace_back(c);
    return out;
}

// N counts; with `optional_tail`, that many trailing counts may be missing (0): a count added
// later to the end of the array (outcome `unsent`), so older segment.json files still merge.
template <std::size_t N>
void read_counts(const Fields& fields, std::string_view key, std::array<std::uint64_t, N>& into,
                 std::size_t optional_tail = 0) {
    const auto& items = fields.array(key);
    if (items.size() > N || items.size() + optional_tail < N)
        fields.fail(fields.path_of(key),
                    fmt::format("expected {} counts, found {}", N, items.size()));
    into.fill(0);
    for (std::size_t i = 0; i < items.size(); ++i)
        into[i] = fields.count_of(items[i], fmt::format("{}[{}]", fields.path_of(key), i));
}

json::object encode_stats(const engine::IntervalStats& stats) {
    json::array requests;
    for (const auto& r : stats.per_request) {
        requests.push_back(json::object{{"response_time", encode_histogram(r.response_time)},
                                        {"service_time", encode_histogram(r.service_time)},
                                        {"outcomes", counts_array(r.outcomes)},
                                        {"served_by", counts_array(r.served_by)}});
    }
    json::array flows;
    for (const auto& f : stats.per_flow) {
        flows.push_back(json::object{{"duration", encode_histogram(f.duration)},
                                     {"started", f.started},
                                     {"completed", f.completed},
                                     {"failed", f.failed},
                                     {"dropped", f.dropped},
                                     {"interrupted", f.interrupted},
                                     {"unsent", f.unsent}});
    }
    json::array counters;
    for (const auto c : stats.counters) counters.emplace_back(c);
    json::object statuses;  // sparse: most of the 600 slots are 0
    for (std::size_t s = 0; s < stats.status_counts.size(); ++s) {
        if (stats.status_counts[s] > 0) statuses[std::to_string(s)] = stats.status_counts[s];
    }
    json::array errors;
    for (const auto& e : stats.error_samples) {
        errors.push_back(json::object{
            {"outcome", static_cast<int>(e.outcome)}, {"detail", e.detail}, {"count", e.count}});
    }
    return json::object{{"requests", std::move(requests)},
                        {"flows", std::move(flows)},
                        {"counters", std::move(counters)},
                        {"schedule_lag", encode_histogram(stats.schedule_lag)},
                        {"connection_wait", encode_histogram(stats.connection_wait)},
                        {"stream_wait", encode_histogram(stats.stream_wait)},
                        {"sent", stats.sent},
                        {"arrivals", stats.arrivals},
                        {"status_counts", std::move(statuses)},
                        {"errors", std::move(errors)}};
}

engine::IntervalStats decode_stats(const Fields& fields, const engine::StatsShape& shape) {
    engine::IntervalStats stats(shape);
    const auto& requests = fields.array("requests");
    const auto& flows = fields.array("flows");
    const auto& counters = fields.array("counters");
    if (requests.size() != shape.requests || flows.size() != shape.flows ||
        counters.size() != shape.counters) {
        fields.fail(fields.path_of("requests"),
                    fmt::format("{} requests, {} flows, {} counters; the run names {}, {}, {}",
                                requests.size(), flows.size(), counters.size(), shape.requests,
                                shape.flows, shape.counters));
    }
    const auto request_fields = fields.objects("requests", [](const Fields& f) { return f; });
    for (std::size_t i = 0; i < shape.requests; ++i) {
        const auto& f = request_fields[i];
        auto& r = stats.per_request[i];
        decode_histogram_into(f, "response_time", r.response_time);
        decode_histogram_into(f, "service_time", r.service_time);
        read_counts(f, "outcomes", r.outcomes, 1);  // 1: `unsent`, added to the end later
        read_counts(f, "served_by", r.served_by);
    }
    const auto flow_fields = fields.objects("flows", [](const Fields& f) { return f; });
    for (std::size_t i = 0; i < shape.flows; ++i) {
        const auto& f = flow_fields[i];
        auto& flow = stats.per_flow[i];
        decode_histogram_into(f, "duration", flow.duration);
        flow.started = f.count("started");
        flow.completed = f.count("completed");
        flow.failed = f.count("failed");
        flow.dropped = f.count("dropped");
        flow.interrupted = f.count("interrupted");
        flow.unsent = f.has("unsent") ? f.count("unsent") : 0;  // absent before `unsent`
    }
    for (std::size_t i = 0; i < shape.counters; ++i)
        stats.counters[i] =
            fields.count_of(counters[i], fmt::format("{}[{}]", fields.path_of("counters"), i));
    decode_histogram_into(fields, "schedule_lag", stats.schedule_lag);
    decode_histogram_into(fields, "connection_wait", stats.connection_wait);
    if (fields.has("stream_wait")) decode_histogram_into(fields, "stream_wait", stats.stream_wait);
    stats.sent = fields.count("sent");
    stats.arrivals = fields.count("arrivals");
    const auto statuses = fields.object("status_counts");
    for (const auto& [key, value] : statuses.raw()) {
        const auto path = statuses.path_of(key);
        std::size_t slot = 0;
        try {
            slot = std::stoul(std::string(key));
        } catch (const std::exception&) {
            statuses.fail(path, "expected an HTTP status");
        }
        if (slot >= stats.status_counts.size()) statuses.fail(path, "expected an HTTP status");
        stats.status_counts[slot] = statuses.count_of(value, path);
    }
    for (const auto& e : fields.objects("errors", [](const Fields& f) { return f; })) {
        const auto outcome = e.count("outcome");
        if (outcome >= engine::kOutcomeCount) e.fail(e.path_of("outcome"), "not an outcome");
        stats.note_error(static_cast<engine::Outcome>(outcome), e.text("detail"), e.count("count"));
    }
    return stats;
}

std::int64_t ns(engine::Nanos value) { return value.count(); }

engine::StopReason parse_stop_reason(const Fields& fields) {
    const auto name = fields.text("stop_reason");
    for (const auto reason : {engine::StopReason::completed, engine::StopReason::interrupted,
                              engine::StopReason::interrupted_immediately,
                              engine::StopReason::aborted, engine::StopReason::source_exhausted}) {
        if (name == stop_reason_name(reason)) return reason;
    }
    fields.fail(fields.path_of("stop_reason"), fmt::format("unknown stop reason \"{}\"", name));
}

json::object encode_start(const engine::StartRecord& start) {
    json::object out{
        {"lag_ns", ns(start.lag)},
        {"clock_sync", json::object{{"known", start.clock_sync.known},
                                    {"synchronised", start.clock_sync.synchronised},
                                    {"max_error_ms", start.clock_sync.max_error_ms},
                                    {"estimated_error_ms", start.clock_sync.estimated_error_ms}}}};
    out["start_at_ns"] = start.start_at ? json::value(std::chrono::duration_cast<engine::Nanos>(
                                                          start.start_at->time_since_epoch())
                                                          .count())
                                        : json::value(nullptr);
    return out;
}

engine::StartRecord decode_start(const Fields& fields) {
    engine::StartRecord start;
    if (const auto at = fields.number_or_null("start_at_ns")) {
        start.start_at = std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                engine::Nanos(static_cast<std::int64_t>(*at))));
    }
    start.lag = engine::Nanos(static_cast<std::int64_t>(fields.number("lag_ns")));
    const auto sync = fields.object("clock_sync");
    start.clock_sync.known = sync.flag("known");
    start.clock_sync.synchronised = sync.flag("synchronised");
    start.clock_sync.max_error_ms = sync.number("max_error_ms");
    start.clock_sync.estimated_error_ms = sync.number("estimated_error_ms");
    return start;
}

json::array texts(const std::vector<std::string>& items) {
    json::array out;
    for (const auto& item : items) out.emplace_back(item);
    return out;
}

json::value encode_observed(const std::optional<ObservedRun>& observed) {
    if (!observed) return nullptr;
    json::array sources;
    for (const auto& s : observed->sources) {
        sources.push_back(json::object{{"name", s.name},
                                       {"samples", s.samples},
                                       {"failures", s.failures},
                                       {"first_error", s.first_error},
                                       {"notes", texts(s.notes)}});
    }
    json::array series;
    for (const auto& s : observed->series) {
        json::array points;
        for (const auto& p : s.points) {
            points.push_back(p ? json::value(json::array{p->num, p->den}) : json::value(nullptr));
        }
        series.push_back(json::object{{"name", s.name},
                                      {"source", s.source},
                                      {"kind", observed_kind_name(s.kind)},
                                      {"unit", s.unit},
                                      {"points", std::move(points)}});
    }
    json::array statements;
    for (const auto& s : observed->statements) {
        statements.push_back(json::object{{"text", s.text},
                                          {"calls", s.calls},
                                          {"total_time_ms", s.total_time_ms},
                                          {"calls_per_request", s.calls_per_request},
                                          {"n_plus_one", s.n_plus_one},
                                          {"why", s.why}});
    }
    return json::object{{"sources", std::move(sources)},
                        {"series", std::move(series)},
                        {"statements", std::move(statements)},
                        {"sampler_cpu_seconds", observed->sampler_cpu_seconds}};
}

std::optional<ObservedRun> decode_observed(const Fields& top) {
    const auto fields = top.object_or_null("observed");
    if (!fields) return std::nullopt;
    ObservedRun run;
    run.sources = fields->objects("sources", [](const Fields& f) {
        return SourceStatus{f.text("name"), f.count("samples"), f.count("failures"),
                            f.text("first_error"), f.texts("notes")};
    });
    run.series = fields->objects("series", [](const Fields& f) {
        ObservedSeries series;
        series.name = f.text("name");
        series.source = f.text("source");
        const auto kind = f.text("kind");
        bool known = false;
        for (const auto k :
             {ObservedKind::gauge, ObservedKind::rate, ObservedKind::ratio, ObservedKind::peak}) {
            if (kind == observed_kind_name(k)) {
                series.kind = k;
                known = true;
            }
        }
        if (!known) f.fail(f.path_of("kind"), fmt::format("unknown kind \"{}\"", kind));
        series.unit = f.text("unit");
        const auto& points = f.array("points");
        for (std::size_t i = 0; i < points.size(); ++i) {
            if (points[i].is_null()) {
                series.points.emplace_back();
                continue;
            }
            const auto* pair = points[i].if_array();
            if (pair == nullptr || pair->size() != 2 || !(*pair)[0].is_number() ||
                !(*pair)[1].is_number()) {
                f.fail(fmt::format("{}[{}]", f.path_of("points"), i),
                       "expected null or [num, den]");
            }
            series.points.emplace_back(
                ObservedPoint{(*pair)[0].to_number<double>(), (*pair)[1].to_number<double>()});
        }
        return series;
    });
    run.statements = fields->objects("statements", [](const Fields& f) {
        return ObservedStatement{f.text("text"),
                                 f.count("calls"),
                                 f.number("total_time_ms"),
                                 f.number("calls_per_request"),
                                 f.flag("n_plus_one"),
                                 f.text("why")};
    });
    run.sampler_cpu_seconds = fields->number("sampler_cpu_seconds");
    return run;
}

json::object encode_header(const SegmentHeader& h) {
    const auto& r = h.result;
    json::object out{
        {"schema", kSegmentSchema},
        {"segment", json::object{{"index", r.segment.index}, {"count", r.segment.count}}},
        {"scenario", json::object{{"name", h.scenario_name},
                                  {"file", h.scenario_file},
                                  {"hash", h.scenario_hash},
                                  {"yaml", h.scenario_yaml}}},
        {"target", json::object{{"kind", h.target_kind},
                                {"url", h.target_url},
                                {"notices", texts(h.target_notices)},
                                {"reports_tiers", h.reports_tiers}}},
        {"interval_ns", ns(h.interval)},
        {"observed", encode_observed(h.observed)},
        {"run",
         json::object{
             {"request_names", texts(r.request_names)},
             {"flow_names", texts(r.flow_names)},
             {"counter_names", texts(r.counter_names)},
             {"started_at_ns",
              std::chrono::duration_cast<engine::Nanos>(r.started_at.time_since_epoch()).count()},
             {"measured_ns", ns(r.measured)},
             {"drain_ns", ns(r.drain)},
             {"scheduled_duration_ns", ns(r.scheduled_duration)},
             {"target_rps", r.target_rps},
             {"expected_requests", r.expected_requests},
             {"threads", r.threads},
             {"cpu_seconds", r.cpu_seconds},
             {"stop_reason", stop_reason_name(r.stop_reason)},
             {"stop_detail", r.stop_detail},
             {"closed_model", r.closed_model},
             {"slots", r.slots},
             {"start", encode_start(r.start)}}}};
    if (h.protocol) out["target"].as_object()["protocol"] = protocol_json(*h.protocol);
    return out;
}

engine::Nanos nanos(const Fields& fields, std::string_view key) {
    return engine::Nanos(static_cast<std::int64_t>(fields.number(key)));
}

SegmentHeader decode_header(const Fields& top) {
    if (top.text("schema") != kSegmentSchema) {
        top.fail("schema", fmt::format("\"{}\" is not {} (a segment.json of another volley?)",
                                       top.text("schema"), kSegmentSchema));
    }
    SegmentHeader h;
    auto& r = h.result;
    const auto segment = top.object("segment");
    r.segment.index = segment.count("index");
    r.segment.count = segment.count("count");
    if (r.segment.count == 0 || r.segment.index >= r.segment.count)
        segment.fail(segment.path_of("index"), "the index must be below the count");
    const auto scenario = top.object("scenario");
    h.scenario_name = scenario.text("name");
    h.scenario_file = scenario.text("file");
    h.scenario_hash = scenario.text("hash");
    h.scenario_yaml = scenario.text("yaml");
    const auto target = top.object("target");
    h.target_kind = target.text("kind");
    h.target_url = target.text("url");
    h.target_notices = target.texts("notices");
    h.reports_tiers = target.flag("reports_tiers");
    if (target.has("protocol"))
        h.protocol = protocol_report(read_protocol(target.object("protocol")));
    h.interval = nanos(top, "interval_ns");
    const auto run = top.object("run");
    r.request_names = run.texts("request_names");
    r.flow_names = run.texts("flow_names");
    r.counter_names = run.texts("counter_names");
    r.started_at = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            nanos(run, "started_at_ns")));
    r.measured = nanos(run, "measured_ns");
    r.drain = nanos(run, "drain_ns");
    r.scheduled_duration = nanos(run, "scheduled_duration_ns");
    r.target_rps = run.number("target_rps");
    r.expected_requests = run.number("expected_requests");
    r.threads = run.count("threads");
    r.cpu_seconds = run.number("cpu_seconds");
    r.stop_reason = parse_stop_reason(run);
    r.stop_detail = run.text("stop_detail");
    r.closed_model = run.flag("closed_model");
    r.slots = run.count("slots");
    r.start = decode_start(run.object("start"));
    h.observed = decode_observed(top);
    return h;
}

}  // namespace

json::object encode_interval(const engine::IntervalReport& report) {
    return json::object{{"index", report.index},
                        {"start_ns", ns(report.start)},
                        {"end_ns", ns(report.end)},
                        {"target_rps", report.target_rps},
                        {"cpu_seconds", report.cpu_seconds},
                        {"draining", report.draining},
                        {"stats", encode_stats(report.stats)}};
}

SegmentInterval decode_interval(const json::value& value, const engine::StatsShape& shape,
                                std::string_view where) {
    try {
        if (!value.is_object()) throw SummaryError(fmt::format("{}: expected an object", where));
        const Fields fields(value.get_object(), "", where);
        SegmentInterval interval;
        interval.index = fields.count("index");
        interval.start = nanos(fields, "start_ns");
        interval.end = nanos(fields, "end_ns");
        interval.target_rps = fields.number("target_rps");
        interval.cpu_seconds = fields.number("cpu_seconds");
        interval.draining = fields.flag("draining");
        interval.stats = decode_stats(fields.object("stats"), shape);
        return interval;
    } catch (const SummaryError& e) {
        throw SegmentFileError(e.what());
    }
}

void write_segment_file(const std::filesystem::path& dir, const SegmentHeader& header,
                        json::array intervals) {
    auto object = encode_header(header);
    object["intervals"] = std::move(intervals);
    write_file_atomically(dir / kSegmentFileName, json::serialize(object) + "\n");
}

SegmentFile read_segment_file(const std::filesystem::path& dir) {
    const auto path = dir / kSegmentFileName;
    const std::string source = path.string();
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw SegmentFileError(fmt::format(
            "{}: cannot read it: not a segment's directory, or the segment has not finished",
            source));
    }
    std::ostringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    auto value = json::parse(text.str(), ec);
    if (ec) throw SegmentFileError(fmt::format("{}: not JSON: {}", source, ec.message()));
    if (!value.is_object()) throw SegmentFileError(fmt::format("{}: expected an object", source));
    try {
        const Fields top(value.get_object(), "", source);
        SegmentFile file;
        file.path = path;
        file.header = decode_header(top);
        file.intervals = top.array("intervals");
        return file;
    } catch (const SummaryError& e) {
        throw SegmentFileError(e.what());
    }
}

std::optional<std::string> SegmentRecorder::on_interval(const engine::IntervalReport& report) {
    intervals_.push_back(encode_interval(report));
    return std::nullopt;
}

}  // namespace volley::reports
