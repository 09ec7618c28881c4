// The Prometheus text exposition format 0.0.4 (docs/observe-sources.md "prometheus"): a parser
// into metric families, and Prometheus's own histogram_quantile over classic buckets. Used by the
// scrape source (observe/prometheus_source.hpp) and by the tests of volley's own /metrics
// (observe/metrics_exporter.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace volley::observe::prom {

enum class MetricType { counter, gauge, histogram, summary, untyped };

[[nodiscard]] std::string_view type_name(MetricType type);

using Labels = std::vector<std::pair<std::string, std::string>>;  // as written, values unescaped

struct Sample {
    std::string name;  // the sample's own name: `x_bucket`, `x_sum`, `x_count` of a histogram x
    Labels labels;
    double value = 0;  // NaN and ±Inf as written
    std::optional<std::int64_t> timestamp_ms;

    // The value of label `label_name`, nullopt when the sample has none.
    [[nodiscard]] std::optional<std::string_view> label(std::string_view label_name) const;
};

struct MetricFamily {
    std::string name;
    MetricType type = MetricType::untyped;  // untyped when no # TYPE line named it
    std::string help;
    std::vector<Sample> samples;
};

struct Exposition {
    std::vector<MetricFamily> families;  // in the order of their first line

    [[nodiscard]] const MetricFamily* find(std::string_view name) const;
};

// Text that does not follow the format. what() = "line N: why" (N counted from 1), so that a
// caller can say "URL is not Prometheus text: line 1: …".
class PromTextError : public std::runtime_error {
public:
    PromTextError(std::size_t line, const std::string& why);
    [[nodiscard]] std::size_t line() const { return line_; }

private:
    std::size_t line_;
};

// Parses a whole exposition. Samples join the family a # TYPE line declared for their name (a
// histogram's `_bucket`, `_sum` and `_count`, a summary's `_sum` and `_count` and quantiles);
// samples of a name no # TYPE line declared form an untyped family of that name. Refused: a
// line that is neither a comment nor a sample, a bad name or label, an unterminated or badly
// escaped label value, a value that is not a float, a timestamp that is not an integer, a
// second # TYPE for a family or one after its samples, a histogram bucket without `le`.
[[nodiscard]] Exposition parse_text(std::string_view text);

// One classic bucket: the count of observations <= upper_bound (cumulative).
struct Bucket {
    double upper_bound = 0;
    double count = 0;
};

// Prometheus's histogram_quantile(q, …) over one set of cumulative buckets, exactly as
// Prometheus 2.x computes it (promql/quantile.go bucketQuantile): sorted by bound, the +Inf
// bucket required, counts made monotonic, linear interpolation inside the bucket where the
// rank falls (the first bucket starts at 0), the highest finite bound when the rank falls in the
// +Inf bucket. nullopt where Prometheus answers NaN: no +Inf bucket, fewer than two buckets, no
// observations, q outside [0, 1].
[[nodiscard]] std::optional<double> histogram_quantile(double q, std::vector<Bucket> buckets);

// A sample value or `le` as Prometheus reads it (Go's strconv.ParseFloat): decimal and exponent
// forms with an optional sign, Inf/+Inf/-Inf/NaN in any case; nullopt for anything else.
[[nodiscard]] std::optional<double> parse_value(std::string_view text);

// Writes `value` as a label value between quotes: \ -> \\, " -> \", newline -> \n.
[[nodiscard]] std::string escape_label_value(std::string_view value);

}  // namespace volley::observe::prom
