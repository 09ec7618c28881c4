// The observe seam (docs/architecture.md "Seams"): a source of figures about the system under test,
// sampled once per interval by the Observer on its own thread (observe/observer.hpp), never on
// the request path. Implementations: PrometheusSource, RedisSource, PostgresSource,
// ProcessSource (observe/*_source.hpp); fakes in tests/fakes/fake_observe_source.hpp.
#pragma once

#include "reports/observed.hpp"

#include <chrono>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace volley::observe {

// What the run did in the interval a sample closes: the denominators of per-request figures.
struct SampleContext {
    double interval_s = 0;        // the interval's length, seconds (0 for the baseline)
    std::uint64_t completed = 0;  // requests completed (answered) in the interval
    // Completed requests per request index (the run's request_names), same interval.
    std::span<const std::uint64_t> completed_per_request;
    std::span<const std::string> request_names;
    // Each request's tags (key, value), indexed like the names; empty when the run has none.
    std::span<const std::vector<std::pair<std::string, std::string>>> request_tags{};
};

// What one sample of one source yields for the interval it closes.
struct SourceSample {
    std::vector<reports::ObservedValue> values;
    // PostgreSQL: each statement's calls and time in the interval (deltas), by its normalised text.
    struct StatementDelta {
        std::string text;
        std::uint64_t calls = 0;
        double time_ms = 0;
    };
    std::vector<StatementDelta> statements;
    // What the source cannot measure, said once ("pg_stat_statements is not installed: …"); the
    // Observer keeps each distinct note once.
    std::vector<std::string> notes;
};

// A sample that failed: the source is down, refused, or answered something it cannot read.
class SourceError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class ObserveSource {
public:
    virtual ~ObserveSource() = default;
    // "redis", "postgres", "process", "prometheus URL": names the source in the reports.
    [[nodiscard]] virtual std::string name() const = 0;
    // Reads the source now. The first successful read is the baseline: counters are remembered
    // and only gauges are returned; later reads return counters as the change since the previous
    // successful read. Throws SourceError (or any std::exception) when the read fails; the next
    // successful read is then a new baseline for counters. Called from one thread only; must
    // return within `timeout` of the ObserveSpec (sockets and queries carry that timeout).
    virtual SourceSample sample(const SampleContext& context) = 0;
};

}  // namespace volley::observe
