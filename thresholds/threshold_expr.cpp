#include "thresholds/threshold_expr.hpp"

#include "thresholds/units.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace volley::thresholds {
namespace {

[[noreturn]] void fail(std::string_view expr, std::string_view why) {
    throw std::invalid_argument(fmt::format("'{}': {}", expr, why));
}

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.';
}

struct MetricName {
    std::string_view word;
    ThresholdMetric metric;
};
constexpr MetricName kMetricWords[] = {
    {"avg", ThresholdMetric::avg},
    {"min", ThresholdMetric::min},
    {"max", ThresholdMetric::max},
    {"error_rate", ThresholdMetric::error_rate},
    {"throughput", ThresholdMetric::throughput},
    {"dropped", ThresholdMetric::dropped},
    {"cache_hit_rate", ThresholdMetric::cache_hit_rate},
    {"capacity", ThresholdMetric::capacity},
    {"breaking_point", ThresholdMetric::breaking_point},
    {"recovery", ThresholdMetric::recovery},
    {"checks", ThresholdMetric::checks},
    {"journeys_failed", ThresholdMetric::journeys_failed},
};

constexpr std::string_view kMetricList =
    "p(N), avg, min, max, error_rate, throughput, dropped, cache_hit_rate, served_by.L1..L4, "
    "capacity, breaking_point, recovery, drift(p99), checks, duration_p(N), journeys_failed, "
    "observed.SERIES";

// Parses the percentile inside `p(...)` / `duration_p(...)`; `open` is the length up to and
// including the opening parenthesis.
double take_percentile(std::string_view expr, std::string_view& rest, std::size_t open) {
    const auto close = rest.find(')');
    if (close == std::string_view::npos) {
        fail(expr, fmt::format("{} needs a closing parenthesis", rest.substr(0, open)));
    }
    const std::string_view number = trim(rest.substr(open, close - open));
    double percentile = 0;
    try {
        percentile = parse_number(number);
    } catch (const std::invalid_argument&) {
        fail(expr, fmt::format("percentile '{}' is not a number (write e.g. p(99.9))", number));
    }
    if (!(percentile > 0 && percentile <= 100)) {
        fail(expr, fmt::format("percentile {} is outside (0, 100]", number));
    }
    rest.remove_prefix(close + 1);
    return percentile;
}

// Parses the metric at the front of `rest` and removes it.
void take_metric(std::string_view expr, std::string_view& rest, ThresholdExpr& out) {
    if (starts_with(rest, "p(")) {
        out.metric = ThresholdMetric::percentile;
        out.percentile = take_percentile(expr, rest, 2);
        return;
    }
    if (starts_with(rest, "duration_p(")) {
        out.metric = ThresholdMetric::journey_duration;
        out.percentile = take_percentile(expr, rest, 11);
        return;
    }
    if (starts_with(rest, "drift(")) {
        const auto close = rest.find(')');
        if (close == std::string_view::npos) fail(expr, "drift( needs a closing parenthesis");
        const std::string_view of = trim(rest.substr(6, close - 6));
        if (of != "p99")
            fail(expr, fmt::format("drift of '{}' is not measured (write drift(p99))", of));
        out.metric = ThresholdMetric::drift_p99;
        rest.remove_prefix(close + 1);
        return;
    }
    if (starts_with(rest, "observed.")) {
        std::size_t end = 9;
        while (end < rest.size() && (is_word_char(rest[end]) || rest[end] == ':')) ++end;
        const std::string_view series = rest.substr(9, end - 9);
        if (series.empty() || series.back() == '.' || series.front() == '.') {
            fail(expr,
                 "observed needs a series: observed.redis.hit_rate, "
                 "observed.postgres.queries_per_request, observed.prom.NAME …");
        }
        out.metric = ThresholdMetric::observed;
        out.observed = std::string(series);
        rest.remove_prefix(end);
        return;
    }
    std::size_t length = 0;
    while (length < rest.size() && is_word_char(rest[length])) ++length;
    const std::string_view word = rest.substr(0, length);
    if (word.empty()) fail(expr, fmt::format("expected a metric ({})", kMetricList));
    if (starts_with(word, "served_by.")) {
        const std::string_view tier = word.substr(10);
        if (tier != "L1" && tier != "L2" && tier != "L3" && tier != "L4") {
            fail(expr, fmt::format("unknown tier '{}' (tiers: L1, L2, L3, L4)", tier));
        }
        out.metric = ThresholdMetric::served_by;
        out.tier = std::string(tier);
        rest.remove_prefix(length);
        return;
    }
    for (const auto& candidate : kMetricWords) {
        if (word == candidate.word) {
            out.metric = candidate.metric;
            rest.remove_prefix(length);
            return;
        }
    }
    if (word == "observed") fail(expr, "observed needs a series: observed.redis.hit_rate");
    if (word == "served_by") fail(expr, "served_by needs a tier: served_by.L1 .. served_by.L4");
    if (word == "drift") fail(expr, "drift needs what drifts: drift(p99)");
    if (word == "duration_p" || word == "duration") {
        fail(expr, "a journey duration needs a percentile: duration_p(95)");
    }
    if (word.size() >= 2 && word[0] == 'p' && word[1] >= '0' && word[1] <= '9') {
        fail(expr,
             fmt::format("unknown metric '{}' (write percentiles as p({}))", word, word.substr(1)));
    }
    fail(expr, fmt::format("unknown metric '{}' (metrics: {})", word, kMetricList));
}

constexpr std::string_view kScopeForms =
    "request:NAME, journey:NAME, step:JOURNEY.STEP or TAG:VALUE";

ThresholdScope parse_scope(std::string_view expr, std::string_view inside, ThresholdMetric metric) {
    ThresholdScope scope;
    const auto colon = inside.find(':');
    if (colon == std::string_view::npos) {
        if (metric != ThresholdMetric::checks) {
            fail(expr,
                 fmt::format("scope '{{{}}}' needs a key: write {{{}}}", inside, kScopeForms));
        }
        scope.kind = ThresholdScopeKind::check;
        scope.name = std::string(inside);
        return scope;
    }
    const std::string_view key = trim(inside.substr(0, colon));
    const std::string_view name = trim(inside.substr(colon + 1));
    if (key.empty()) fail(expr, fmt::format("scope '{{{}}}' has no key before ':'", inside));
    if (name.empty()) fail(expr, fmt::format("scope '{{{}}}' has no name after ':'", inside));
    scope.name = std::string(name);
    if (key == "request") {
        scope.kind = ThresholdScopeKind::request;
    } else if (key == "journey") {
        scope.kind = ThresholdScopeKind::journey;
    } else if (key == "step") {
        scope.kind = ThresholdScopeKind::step;
    } else if (key == "check") {
        scope.kind = ThresholdScopeKind::check;
    } else {
        scope.kind = ThresholdScopeKind::tag;
        scope.key = std::string(key);
    }
    return scope;
}

// Which scopes each metric takes (see the grammar in the header).
void check_scope_fits(std::string_view expr, const ThresholdExpr& out) {
    const auto kind = out.scope.kind;
    if (kind == ThresholdScopeKind::all) return;
    const std::string written = scope_text(out.scope);
    if (is_analysis_metric(out.metric)) {
        fail(expr, fmt::format("{} is a finding about the whole run: it takes no scope ('{{{}}}')",
                               metric_name(out.metric), written));
    }
    if (out.metric == ThresholdMetric::journey_duration ||
        out.metric == ThresholdMetric::journeys_failed) {
        if (kind != ThresholdScopeKind::journey) {
            fail(expr, fmt::format("{} is measured per journey: its scope is {{journey:NAME}}, "
                                   "not '{{{}}}'",
                                   metric_name(out.metric), written));
        }
        return;
    }
    if (out.metric == ThresholdMetric::observed) {
        if (kind == ThresholdScopeKind::check || kind == ThresholdScopeKind::journey ||
            kind == ThresholdScopeKind::step) {
            fail(expr, fmt::format("an observed series takes a label scope such as "
                                   "{{request:NAME}} or {{pattern:P}}, not '{{{}}}'",
                                   written));
        }
        return;
    }
    if (kind == ThresholdScopeKind::check && out.metric != ThresholdMetric::checks) {
        fail(expr, fmt::format("only checks take a check scope ('{{{}}}'); write {{{}}}", written,
                               kScopeForms));
    }
}

// Parses an optional `{...}` scope at the front of `rest` and removes it.
void take_scope(std::string_view expr, std::string_view& rest, ThresholdExpr& out) {
    rest = trim(rest);
    if (!starts_with(rest, "{")) return;
    const auto close = rest.find('}');
    if (close == std::string_view::npos) fail(expr, "the scope's '{' needs a closing '}'");
    const std::string_view inside = trim(rest.substr(1, close - 1));
    if (inside.empty()) fail(expr, fmt::format("empty scope '{{}}' (write {{{}}})", kScopeForms));
    if (inside.find('{') != std::string_view::npos) fail(expr, "a scope holds no '{'");
    out.scope = parse_scope(expr, inside, out.metric);
    rest.remove_prefix(close + 1);
    check_scope_fits(expr, out);
}

void take_comparator(std::string_view expr, std::string_view& rest, ThresholdExpr& out) {
    struct Op {
        std::string_view text;
        ThresholdComparator cmp;
    };
    // Two-character operators first.
    constexpr Op ops[] = {{"<=", ThresholdComparator::less_equal},
                          {">=", ThresholdComparator::greater_equal},
                          {"==", ThresholdComparator::equal},
                          {"<", ThresholdComparator::less},
                          {">", ThresholdComparator::greater}};
    for (const auto& op : ops) {
        if (starts_with(rest, op.text)) {
            out.cmp = op.cmp;
            rest.remove_prefix(op.text.size());
            return;
        }
    }
    if (starts_with(rest, "=")) fail(expr, "use == for equality");
    if (starts_with(rest, "!=")) fail(expr, "!= is not supported (use <, <=, >, >=, ==)");
    fail(expr, "expected a comparator (<, <=, >, >=, ==) after the metric");
}

double time_value_ns(std::string_view expr, std::string_view value) {
    if (value == "0") return 0;
    // A bare number gets the dedicated message; parse_duration would say "no unit" too, but
    // this names the threshold.
    bool bare = !value.empty();
    for (char c : value) bare = bare && ((c >= '0' && c <= '9') || c == '.');
    if (bare) {
        fail(expr, fmt::format("a time needs a unit (write e.g. {}ms or {}s)", value, value));
    }
    try {
        return static_cast<double>(parse_duration(value).count());
    } catch (const std::invalid_argument& error) {
        fail(expr, error.what());
    }
}

double ratio_value(std::string_view expr, std::string_view value) {
    double ratio = 0;
    try {
        ratio = parse_percent_ratio(value);
    } catch (const std::invalid_argument&) {
        bool numeric = true;
        try {
            (void)parse_number(value);
        } catch (const std::invalid_argument&) {
            numeric = false;
        }
        fail(expr, numeric ? fmt::format("'{}' needs a percent sign (ratios are percentages: "
                                         "write e.g. 1% for one in a hundred)",
                                         value)
                           : fmt::format("'{}' is not a percentage (write e.g. 1%)", value));
    }
    if (ratio > 1) fail(expr, fmt::format("{} is more than 100%", value));
    return ratio;
}

// A rate in requests/second ("500/s", "30000/m"); `without_unit` is the error for a bare number.
void take_rate(std::string_view expr, std::string_view value, const std::string& without_unit,
               ThresholdExpr& out) {
    if (value.find('/') == std::string_view::npos && value != "0") fail(expr, without_unit);
    try {
        out.value = parse_rate_rps(value);
    } catch (const std::invalid_argument& error) {
        fail(expr, error.what());
    }
    out.unit = ThresholdUnit::rps;
}

// An observed figure's limit (see the grammar in the header) in its series' unit.
void take_observed_value(std::string_view expr, std::string_view value, ThresholdExpr& out) {
    if (value.back() == '%') {
        out.unit = ThresholdUnit::ratio;
        out.value = ratio_value(expr, value);
        return;
    }
    const bool slope =
        out.observed.size() > 6 && out.observed.compare(out.observed.size() - 6, 6, "_slope") == 0;
    std::string_view amount = value;
    double per_second = 0;  // 0: no per-time written
    if (const auto slash = value.rfind('/'); slash != std::string_view::npos) {
        const std::string_view per = trim(value.substr(slash + 1));
        if (per == "s")
            per_second = 1;
        else if (per == "m")
            per_second = 1.0 / 60;
        else if (per == "h")
            per_second = 1.0 / 3600;
        else
            fail(expr, fmt::format("unknown per-time '/{}' (write /s, /m or /h)", per));
        amount = trim(value.substr(0, slash));
    }
    struct Size {
        std::string_view suffix;
        double bytes;
    };
    constexpr Size sizes[] = {
        {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"kB", 1e3},
        {"KB", 1e3},     {"MB", 1e6},        {"GB", 1e9},           {"B", 1}};
    double scale = 1;
    for (const auto& size : sizes) {
        if (amount.size() > size.suffix.size() &&
            amount.substr(amount.size() - size.suffix.size()) == size.suffix) {
            scale = size.bytes;
            amount = trim(amount.substr(0, amount.size() - size.suffix.size()));
            break;
        }
    }
    double number = 0;
    try {
        number = parse_number(amount);
    } catch (const std::invalid_argument&) {
        fail(expr,
             fmt::format("'{}' is not a number, a size (10MB) or a rate (1000/s, 10MB/h)", value));
    }
    if (slope && per_second == 0) {
        fail(expr, fmt::format("a slope is a change per time: write e.g. {}/h", value));
    }
    // A slope is kept per hour, any other per-time figure per second.
    const double per = per_second == 0 ? 1 : (slope ? per_second * 3600 : per_second);
    out.unit = ThresholdUnit::observed;
    out.value = number * scale * per;
}

void take_value(std::string_view expr, std::string_view value, ThresholdExpr& out) {
    if (value.empty()) fail(expr, "missing value after the comparator");
    switch (out.metric) {
        case ThresholdMetric::observed: take_observed_value(expr, value, out); return;
        case ThresholdMetric::percentile:
        case ThresholdMetric::avg:
        case ThresholdMetric::min:
        case ThresholdMetric::max:
        case ThresholdMetric::recovery:
        case ThresholdMetric::journey_duration:
            out.unit = ThresholdUnit::ns;
            out.value = time_value_ns(expr, value);
            return;
        case ThresholdMetric::capacity:
        case ThresholdMetric::breaking_point:
            take_rate(expr, value,
                      fmt::format("{} is a rate: write e.g. {}/s", metric_name(out.metric), value),
                      out);
            return;
        case ThresholdMetric::drift_p99: {
            if (value.back() != '%') {
                out.unit = ThresholdUnit::ns;
                out.value = time_value_ns(expr, value);
                return;
            }
            std::string_view number = trim(value.substr(0, value.size() - 1));
            const bool negative = !number.empty() && number.front() == '-';
            if (negative) number.remove_prefix(1);
            try {
                out.value = parse_percent_ratio(std::string(number) + "%") * (negative ? -1 : 1);
            } catch (const std::invalid_argument&) {
                fail(expr, fmt::format("'{}' is not a percentage (write e.g. 20%)", value));
            }
            out.unit = ThresholdUnit::change_ratio;
            return;
        }
        case ThresholdMetric::error_rate:
        case ThresholdMetric::cache_hit_rate:
        case ThresholdMetric::served_by:
        case ThresholdMetric::checks:
        case ThresholdMetric::journeys_failed:
            out.unit = ThresholdUnit::ratio;
            out.value = ratio_value(expr, value);
            return;
        case ThresholdMetric::dropped:
            if (value.back() == '%') {
                out.unit = ThresholdUnit::ratio;
                out.value = ratio_value(expr, value);
                return;
            }
            try {
                out.value = parse_number(value);
            } catch (const std::invalid_argument&) {
                fail(expr, fmt::format("dropped compares to a count (== 0) or a percentage of "
                                       "scheduled requests (< 0.1%), not '{}'",
                                       value));
            }
            if (out.value < 0 || out.value != std::floor(out.value)) {
                fail(expr, fmt::format("a count must be a whole number >= 0, not '{}'", value));
            }
            out.unit = ThresholdUnit::count;
            return;
        case ThresholdMetric::throughput: {
            constexpr std::string_view target_word = "target";
            if (value.size() > target_word.size() &&
                value.substr(value.size() - target_word.size()) == target_word) {
                const std::string_view percent =
                    trim(value.substr(0, value.size() - target_word.size()));
                try {
                    out.value = parse_percent_ratio(percent);
                } catch (const std::invalid_argument&) {
                    fail(expr, fmt::format("'{}' must be a percentage of the target, e.g. "
                                           "95% target",
                                           value));
                }
                out.unit = ThresholdUnit::fraction_of_target;
                return;
            }
            if (value.back() == '%') {
                fail(expr, fmt::format("a throughput percentage is relative to the target: "
                                       "write '{} target'",
                                       value));
            }
            take_rate(expr, value,
                      fmt::format("throughput needs a rate unit (write e.g. {}/s) or a share of "
                                  "the target (95% target)",
                                  value),
                      out);
            return;
        }
    }
}

std::string format_number(double value) { return fmt::format("{:g}", value); }

}  // namespace

ThresholdExpr parse_threshold_expr(std::string_view text) {
    const std::string_view expr = trim(text);
    if (expr.empty()) throw std::invalid_argument("empty threshold expression");
    ThresholdExpr out;
    std::string_view rest = expr;
    take_metric(expr, rest, out);
    take_scope(expr, rest, out);
    rest = trim(rest);
    take_comparator(expr, rest, out);
    take_value(expr, trim(rest), out);
    return out;
}

std::string_view metric_name(ThresholdMetric metric) {
    switch (metric) {
        case ThresholdMetric::percentile: return "p";
        case ThresholdMetric::avg: return "avg";
        case ThresholdMetric::min: return "min";
        case ThresholdMetric::max: return "max";
        case ThresholdMetric::error_rate: return "error_rate";
        case ThresholdMetric::throughput: return "throughput";
        case ThresholdMetric::dropped: return "dropped";
        case ThresholdMetric::cache_hit_rate: return "cache_hit_rate";
        case ThresholdMetric::served_by: return "served_by";
        case ThresholdMetric::capacity: return "capacity";
        case ThresholdMetric::breaking_point: return "breaking_point";
        case ThresholdMetric::recovery: return "recovery";
        case ThresholdMetric::drift_p99: return "drift_p99";
        case ThresholdMetric::checks: return "checks";
        case ThresholdMetric::journey_duration: return "duration_p";
        case ThresholdMetric::journeys_failed: return "journeys_failed";
        case ThresholdMetric::observed: return "observed";
    }
    return "?";
}

bool is_analysis_metric(ThresholdMetric metric) { return !analysis_metric_type(metric).empty(); }

bool is_judged_at_end(ThresholdMetric metric) {
    return is_analysis_metric(metric) || metric == ThresholdMetric::observed;
}

std::string_view analysis_metric_type(ThresholdMetric metric) {
    switch (metric) {
        case ThresholdMetric::capacity:
        case ThresholdMetric::breaking_point: return "stress";
        case ThresholdMetric::recovery: return "spike";
        case ThresholdMetric::drift_p99: return "soak";
        default: return "";
    }
}

std::string_view comparator_text(ThresholdComparator cmp) {
    switch (cmp) {
        case ThresholdComparator::less: return "<";
        case ThresholdComparator::less_equal: return "<=";
        case ThresholdComparator::greater: return ">";
        case ThresholdComparator::greater_equal: return ">=";
        case ThresholdComparator::equal: return "==";
    }
    return "?";
}

bool compare(double actual, ThresholdComparator cmp, double limit) {
    switch (cmp) {
        case ThresholdComparator::less: return actual < limit;
        case ThresholdComparator::less_equal: return actual <= limit;
        case ThresholdComparator::greater: return actual > limit;
        case ThresholdComparator::greater_equal: return actual >= limit;
        case ThresholdComparator::equal: return actual == limit;
    }
    return false;
}

double badness(double actual, ThresholdComparator cmp, double limit) {
    switch (cmp) {
        case ThresholdComparator::less:
        case ThresholdComparator::less_equal: return actual - limit;
        case ThresholdComparator::greater:
        case ThresholdComparator::greater_equal: return limit - actual;
        case ThresholdComparator::equal: return std::abs(actual - limit);
    }
    return 0;
}

std::string format_threshold_expr(const ThresholdExpr& expr) {
    std::string metric;
    if (expr.metric == ThresholdMetric::percentile) {
        metric = fmt::format("p({})", format_number(expr.percentile));
    } else if (expr.metric == ThresholdMetric::served_by) {
        metric = fmt::format("served_by.{}", expr.tier);
    } else if (expr.metric == ThresholdMetric::journey_duration) {
        metric = fmt::format("duration_p({})", format_number(expr.percentile));
    } else if (expr.metric == ThresholdMetric::drift_p99) {
        metric = "drift(p99)";
    } else if (expr.metric == ThresholdMetric::observed) {
        metric = "observed." + expr.observed;
    } else {
        metric = std::string(metric_name(expr.metric));
    }
    std::string value;
    switch (expr.unit) {
        case ThresholdUnit::ns:
            value = format_duration(Nanos{static_cast<std::int64_t>(std::llround(expr.value))});
            break;
        case ThresholdUnit::ratio: value = format_number(expr.value * 100) + "%"; break;
        case ThresholdUnit::rps: value = format_number(expr.value) + "/s"; break;
        case ThresholdUnit::count: value = format_number(expr.value); break;
        case ThresholdUnit::fraction_of_target:
            value = format_number(expr.value * 100) + "% target";
            break;
        case ThresholdUnit::change_ratio: value = format_number(expr.value * 100) + "%"; break;
        case ThresholdUnit::observed:
            value = format_number(expr.value);
            if (expr.observed.ends_with("_slope")) value += "/h";
            break;
    }
    if (expr.scope.kind != ThresholdScopeKind::all) {
        metric += fmt::format("{{{}}}", scope_text(expr.scope));
    }
    return fmt::format("{} {} {}", metric, comparator_text(expr.cmp), value);
}

std::string scope_text(const ThresholdScope& scope) {
    switch (scope.kind) {
        case ThresholdScopeKind::all: return "";
        case ThresholdScopeKind::request: return "request:" + scope.name;
        case ThresholdScopeKind::journey: return "journey:" + scope.name;
        case ThresholdScopeKind::step: return "step:" + scope.name;
        case ThresholdScopeKind::tag: return scope.key + ":" + scope.name;
        case ThresholdScopeKind::check:
            // A name with a colon would read as a key: it keeps the explicit form.
            return scope.name.find(':') == std::string::npos ? scope.name : "check:" + scope.name;
    }
    return "";
}

}  // namespace volley::thresholds
