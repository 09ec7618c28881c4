#include "reports/bottleneck.hpp"
#include "reports/json_numbers.hpp"

#include "reports/number_format.hpp"

#include <boost/json/array.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace volley::reports {
namespace json = boost::json;
using engine::Outcome;

namespace {

constexpr double kLagLimit_ms = 1;          // generator: schedule lag p99 above this
constexpr double kCpuShareOfThreads = 0.9;  // generator: CPU >= this x threads
constexpr double kWaitLimit_ms = 1;         // connections: a request "waited" above this
constexpr double kWaitedShare = 0.01;       // connections: at least this share waited
constexpr double kHeadroom = 1.25;          // connections: suggested = needed x this
constexpr double kGrowthFactor = 2;         // target: service time at least doubled …
constexpr double kGrowthMin_ms = 1;         // … and grew by at least this much
constexpr double kRateSpread = 1.5;         // target: the rates compared differ at least this much
constexpr double kTargetErrorShare = 0.05;  // target: target-side errors at least this share
constexpr double kAchievedShare = 0.95;     // target: achieved below this share of the target

double seconds(engine::Nanos n) { return std::chrono::duration<double>(n).count(); }
double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

json::object point_json(const RatePoint& p) {
    return json::object{{"target_rps", tidy(p.target_rps)}, {"start_s", tidy(p.start_s)},
                        {"responses", p.responses},         {"p50_ms", tidy(p.p50_ms)},
                        {"p99_ms", tidy(p.p99_ms)},         {"mean_ms", tidy(p.mean_ms)}};
}

// "p99 grew from 2.10 ms at 20.0/s to 310.0 ms at 80.0/s", or "" when it did not grow.
std::string growth_sentence(const std::optional<RatePoint>& low,
                            const std::optional<RatePoint>& high) {
    if (!low || !high || high->target_rps < kRateSpread * low->target_rps) return {};
    const auto grew = [](double from, double to) {
        return to >= kGrowthFactor * from && to - from >= kGrowthMin_ms;
    };
    const auto sentence = [&](const char* which, double from, double to) {
        return fmt::format("service time {} grew from {} ms at {}/s to {} ms at {}/s", which,
                           format_ms(from), format_rps(low->target_rps), format_ms(to),
                           format_rps(high->target_rps));
    };
    if (grew(low->p99_ms, high->p99_ms)) return sentence("p99", low->p99_ms, high->p99_ms);
    if (grew(low->p50_ms, high->p50_ms)) return sentence("p50", low->p50_ms, high->p50_ms);
    return {};
}

std::string joined(const std::vector<std::string>& parts) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        out += i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ";
        out += parts[i];
    }
    return out;
}

}  // namespace

RatePoint rate_point(const engine::IntervalStats& stats, double target_rps, double start_s) {
    const auto all = stats.combined();
    const auto& h = all.service_time;
    RatePoint p;
    p.target_rps = target_rps;
    p.start_s = start_s;
    p.responses = static_cast<std::uint64_t>(h.total_count());
    if (!h.empty()) {
        p.p50_ms = ms(h.value_at_percentile(50));
        p.p99_ms = ms(h.value_at_percentile(99));
        p.mean_ms = h.mean() / 1e6;
    }
    return p;
}

void RatePoints::note(const RatePoint& point) {
    if (point.target_rps <= 0 || point.responses < kMinResponses) return;
    if (!lowest_ || point.target_rps < lowest_->target_rps) lowest_ = point;
    if (!highest_ || point.target_rps >= highest_->target_rps) highest_ = point;
}

json::object bottleneck_analysis(const engine::RunResult& result, const BottleneckInputs& inputs) {
    const auto all = result.totals.combined();
    const double measured_s = seconds(result.measured);
    const double scheduled_s = seconds(result.scheduled_duration);
    const double length_s = scheduled_s > 0 ? std::min(measured_s, scheduled_s) : measured_s;
    const bool open = !result.closed_model && result.target_rps > 0;

    // Generator.
    const double lag_p99_ms = ms(result.totals.schedule_lag.value_at_percentile(99));
    const double cpu_util = measured_s > 0 ? result.cpu_seconds / measured_s : 0;
    const auto threads = static_cast<double>(std::max<std::size_t>(1, result.threads));

    // Connections. A target that queues requests itself (HTTP/2: waiting for a free stream)
    // reports that wait apart (stream_wait); whichever wait is longer at p99 is the run's
    // "waiting for a connection", so a peer's stream limit reads as a shortage of connections.
    const auto& slot_wait = result.totals.connection_wait;
    const auto& stream_wait = result.totals.stream_wait;
    const bool streams_waited = !stream_wait.empty() && stream_wait.value_at_percentile(99) >
                                                            slot_wait.value_at_percentile(99);
    const auto& wait = streams_waited ? stream_wait : slot_wait;
    const double waited_share =
        wait.empty() ? 0
                     : std::max(0.0, 1 - wait.percentile_at_or_below(
                                             static_cast<std::int64_t>(kWaitLimit_ms * 1e6)) /
                                             100);
    const auto dropped = all.outcomes[static_cast<std::size_t>(Outcome::dropped)];
    std::optional<double> needed;
    double needed_rps = 0, needed_mean_ms = 0;
    if (open) {
        if (inputs.high) {
            needed_rps = inputs.high->target_rps;
            needed_mean_ms = inputs.high->mean_ms;
        } else if (!all.service_time.empty()) {
            needed_rps = result.target_rps;
            needed_mean_ms = all.service_time.mean() / 1e6;
        }
        if (needed_rps > 0 && needed_mean_ms > 0) needed = needed_rps * needed_mean_ms / 1000;
    }
    const auto available = static_cast<double>(result.slots);

    // Target.
    const std::string growth = growth_sentence(inputs.low, inputs.high);
    const auto completed = all.completed();
    std::uint64_t target_errors = 0;
    for (auto o : {Outcome::http_5xx, Outcome::timeout, Outcome::reset, Outcome::connect_error,
                   Outcome::tls_error, Outcome::protocol_error})
        target_errors += all.outcomes[static_cast<std::size_t>(o)];
    const double target_error_share =
        completed > 0 ? static_cast<double>(target_errors) / static_cast<double>(completed) : 0;
    std::optional<double> achieved_ratio;
    if (open && length_s > 0)
        achieved_ratio = static_cast<double>(result.totals.arrivals) / length_s / result.target_rps;

    json::object evidence;
    evidence["lag_p99_ms"] = tidy(lag_p99_ms);
    evidence["cpu_util"] = tidy(cpu_util);
    evidence["threads"] = result.threads;
    evidence["connection_wait_ms"] = json::object{{"p50", ms(wait.value_at_percentile(50))},
                                                  {"p99", ms(wait.value_at_percentile(99))},
                                                  {"max", ms(wait.max())}};
    evidence["wait_kind"] = streams_waited ? "stream" : "connection";
    evidence["waited_share"] = tidy(waited_share);
    evidence["dropped"] = dropped;
    evidence["connections_needed"] = tidy_or_null(needed);
    evidence["connections_available"] = result.slots;
    evidence["service_time"] = inputs.low && inputs.high
                                   ? json::value(json::object{{"low", point_json(*inputs.low)},
                                                              {"high", point_json(*inputs.high)}})
                                   : json::value(nullptr);
    evidence["target_error_share"] = tidy(target_error_share);
    evidence["achieved_ratio"] = tidy_or_null(achieved_ratio);

    // The candidates, then who is blamed: a saturated generator CPU distorts every other figure
    // and wins outright; a late generator (lag only) is blamed over another side only when it
    // added at least as much delay as that side did (connection wait p99, service p99 growth) —
    // a generator a few ms late does not explain requests that waited seconds for a connection.
    // Target-side errors are not a matter of timing: they beat a lag-only generator.
    const bool cpu_saturated = cpu_util >= kCpuShareOfThreads * threads;
    const bool late = lag_p99_ms > kLagLimit_ms;
    const bool waited = waited_share >= kWaitedShare || dropped > 0;
    const bool short_of_connections = open && needed && *needed > available;
    const bool connections_fire = waited && short_of_connections;
    const double wait_p99_ms = ms(wait.value_at_percentile(99));
    const double growth_ms =
        inputs.low && inputs.high ? inputs.high->p99_ms - inputs.low->p99_ms : 0;
    const bool errors_fire = target_error_share >= kTargetErrorShare;
    const bool shortfall_fire =
        achieved_ratio && *achieved_ratio < kAchievedShare && !short_of_connections && dropped == 0;
    const bool target_fire = !growth.empty() || errors_fire || shortfall_fire;

    // A saturated generator CPU is named first; then connections and target, unless the
    // generator's own lateness explains them better; then a late generator.
    const bool connections_named = connections_fire && !(late && lag_p99_ms >= wait_p99_ms);
    const bool target_named =
        target_fire && !(late && !errors_fire && lag_p99_ms >= std::max(growth_ms, 0.0));
    std::string kind = "none";
    if (!cpu_saturated && connections_named) {
        kind = "connections";
    } else if (!cpu_saturated && target_named) {
        kind = "target";
    } else if (cpu_saturated || late) {
        kind = "generator";
    }
    evidence["late_generator"] = late;

    std::string text, suggestion;
    if (kind == "generator") {
        std::vector<std::string> reasons;
        if (late)
            reasons.push_back(fmt::format("schedule lag p99 was {} ms (limit {} ms)",
                                          format_ms(lag_p99_ms), format_ms(kLagLimit_ms)));
        if (cpu_saturated)
            reasons.push_back(fmt::format("its CPU was {} cores with {} worker thread(s)",
                                          format_number(cpu_util), format_count(threads)));
        text = fmt::format(
            "The load generator was the bottleneck: {}. These figures show the generator's limit, "
            "not the target's.",
            joined(reasons));
        suggestion =
            "Give the generator more worker threads (-t N, or load.threads in YAML) or a less busy "
            "machine, or split the load over several generators (--segment i/n on each, then "
            "volley merge; docs/distributed.md), then run again.";
    } else if (kind == "connections") {
        const auto wanted = static_cast<std::uint64_t>(std::ceil(*needed * kHeadroom));
        text = fmt::format(
            "The connections were the bottleneck: at {}/s with a mean service time of {} ms the "
            "target needs {} "
            "requests in flight (Little's law), but the run had {} connections; {} of requests "
            "waited more than {} "
            "ms for a free one (p99 {} ms){}.",
            format_rps(needed_rps), format_ms(needed_mean_ms), format_number(*needed),
            format_count(available), format_percent(waited_share), format_ms(kWaitLimit_ms),
            format_ms(wait_p99_ms), dropped > 0 ? fmt::format(", {} were dropped", dropped) : "");
        suggestion =
            fmt::format("Run with -c {} (YAML: {}: {}).", wanted, inputs.connections_key, wanted);
    } else if (kind == "target") {
        std::vector<std::string> reasons;
        if (!growth.empty()) reasons.push_back(growth);
        if (errors_fire)
            reasons.push_back(fmt::format(
                "{} of answered requests were target-side errors (5xx, timeouts, resets, "
                "connection failures)",
                format_percent(target_error_share)));
        if (shortfall_fire)
            reasons.push_back(
                fmt::format("it achieved {} of the target rate with enough connections",
                            format_percent(*achieved_ratio)));
        text = fmt::format("The target was the bottleneck: {}.", joined(reasons));
        suggestion = growth.empty()
                         ? "Look at the target: its errors and timeouts are in the errors section."
                         : "The target slows down under this rate: the figures describe its limit.";
    } else {
        text = fmt::format(
            "No bottleneck found: the generator kept up (schedule lag p99 {} ms), connections "
            "sufficed and the target's service time did not grow with the rate.",
            format_ms(lag_p99_ms));
    }
    if (late && kind != "generator") {
        text += fmt::format(
            " The generator was also a little late (schedule lag p99 {} ms), less than the delay "
            "above.",
            format_ms(lag_p99_ms));
    }
    return json::object{{"kind", kind},
                        {"text", text},
                        {"suggestion", suggestion},
                        {"evidence", std::move(evidence)}};
}

}  // namespace volley::reports
