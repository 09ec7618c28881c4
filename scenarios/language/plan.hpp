// A scenario parsed and validated once into an immutable Plan (docs/architecture.md "Data path of
// one request"). Everything the apps need to build the engine RunSpec, the target, the request
// sources and the thresholds.
#pragma once

#include "engine/runner.hpp"
#include "observe/observe_spec.hpp"
#include "replay/replay_spec.hpp"
#include "scenarios/language/journey_spec.hpp"
#include "thresholds/analysis_settings.hpp"
#include "thresholds/run_catalog.hpp"
#include "thresholds/scenario_type.hpp"
#include "thresholds/threshold_spec.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace volley::scenarios {

using engine::Nanos;

// The plan's vocabulary shared with reports/ lives in the leaf library thresholds/.
using thresholds::AnalysisSettings;
using thresholds::ScenarioType;
using thresholds::ThresholdSpec;

using Header = std::pair<std::string, std::string>;

// Which response header marks cache hits (docs/scenarios.md "target.http"). With `hit` empty the
// header's value names the tier ("L1".."L4"); otherwise a value in `hit` counts as a hit.
struct CacheHeaderSpec {
    std::string header;
    std::vector<std::string> hit;
};

// `target.http.demo`: volley's demo service (docs/demo.md), started in process on a free
// loopback port for the run; base_url then names it once it listens.
struct DemoServiceSpec {
    Nanos latency{0}, latency_jitter{0};
    double error_rate = 0;  // 0..1
    int threads = 1;
    int page_size = 10;
    int items = 50;
};

// `target.http.protocol` (docs/scenarios.md "target.http").
enum class HttpProtocolSpec : std::uint8_t { h1, h2, h2c, automatic };

struct HttpTargetSpec {
    std::string base_url;                 // http://host:port[/prefix] or https://…
    std::optional<DemoServiceSpec> demo;  // set: base_url is filled in when the service listens
    Nanos connect_timeout{std::chrono::seconds(5)};
    Nanos request_timeout{std::chrono::seconds(10)};
    std::vector<Header> headers;  // sent with every request
    bool verify = true;           // TLS certificate verification
    bool insecure = false;        // skip verification (said loudly in the report)
    std::string ca_file, client_cert, client_key, sni;
    std::optional<CacheHeaderSpec> cache;
    HttpProtocolSpec protocol = HttpProtocolSpec::h1;
    // HTTP/2: streams per connection at most, and the flow-control window volley announces
    // (per connection and per stream), bytes.
    std::uint32_t max_streams = 100;
    std::uint32_t window_bytes = std::uint32_t{16} * 1024 * 1024;
    // HTTP/2 PING health (ping_interval_ms, ping_timeout_ms): a connection that received
    // nothing for ping_interval sends a PING and is dead without its ACK within ping_timeout.
    // ping_interval 0: off; ping_timeout defaults to ping_interval.
    std::chrono::milliseconds ping_interval{0};
    std::chrono::milliseconds ping_timeout{0};
    // HTTP/1.1 pipelining: requests one connection carries at once (1: none).
    std::uint32_t pipeline = 1;
};

// `target.resolver` (docs/scenarios.md "target.resolver"); pipeline/target_factory.cpp turns
// it into a resolver::ResolverConfig.
enum class ResolverBackend { embedded, postgres };  // embedded needs no servers
enum class ResolverDataset {
    generated,  // a tree of `entities` ids with `fanout` children per entity and `depth` levels
    geo_seed,   // the small geographic seed fixture
    none,       // no data loaded (PostgreSQL already holds it)
};
struct ResolverTargetSpec {
    ResolverBackend backend = ResolverBackend::embedded;
    std::string postgres_url, redis_url;  // redis_url empty: no Redis (L2 embedded)
    std::size_t instances = 1;
    std::size_t l1_capacity = 1000;
    std::size_t pg_pool_size = 8;  // PostgreSQL connections of the group (backend: postgres)
    ResolverDataset dataset = ResolverDataset::generated;
    std::size_t entities = 10000, fanout = 10,
                depth = 6;  // generated; depth: levels, root = level 1
};

// `requests[].during: [FROM, UNTIL)` (docs/scenarios.md "requests"): profile time, counted
// from the end of warm-up. An arrival intended in [from, until) may draw the request.
struct ActiveWindow {
    Nanos from{0};
    Nanos until{0};
    [[nodiscard]] bool contains(Nanos profile_time) const {
        return profile_time >= from && profile_time < until;
    }
};

struct RequestSpec {
    std::string name;
    std::string method = "GET";
    std::string path = "/";  // may contain ${var} templates
    std::vector<Header> headers;
    std::string body;
    double weight = 1;
    std::vector<int> expect_status;      // empty: any 2xx or 3xx is ok
    std::vector<Tag> tags;               // `tags:` (journey steps: inherited from the journey)
    std::optional<ActiveWindow> during;  // mix requests only; nullopt: the whole run
};

// Variables (`variables:` in the YAML): each request draws every variable it uses once and
// renders it wherever `${name}` appears in its path, headers and body.
enum class FeederMode { sequential, random, unique };

struct ConstantVariable {
    std::string value;  // may contain ${env:NAME}; no other templates
};
// Integers from..to (inclusive) in steps; cycles. sequential: worker w of n yields items
// w, w+n, w+2n… of the sequence; random: uniform over the items.
struct RangeFeeder {
    std::int64_t from = 0, to = 0, step = 1;
    FeederMode mode = FeederMode::sequential;
};
struct ListFeeder {
    std::vector<std::string> values;
    FeederMode mode = FeederMode::sequential;
};
// A CSV file read once at load time (RFC 4180 quoting, header row required). `${var.col}`
// renders one column; `${var}` the column `column` (default: the first). unique: worker w of n
// takes rows w, w+n, … once each, then the source is exhausted.
struct CsvTable {
    std::vector<std::string> columns;
    std::vector<std::vector<std::string>> rows;  // every row has columns.size() cells
    std::vector<std::size_t> row_lines;          // per row: the 1-based line where it starts
};
struct CsvFeeder {
    std::string file;  // as resolved (relative to the scenario's directory)
    std::shared_ptr<const CsvTable> table;
    std::string column;  // default column for `${var}`
    FeederMode mode = FeederMode::sequential;
    // unique mode: when the rows run out the run ends; true (`on_exhausted: end_run`) means that
    // is the plan (the verdict is unaffected), false (`fail`, the default) fails the run.
    bool end_run_when_exhausted = false;
};
// Zipf-distributed ranks 1..n with P(k) ∝ 1/k^s, rendered as format(first + k - 1).
// `format` holds exactly one integer conversion (%d, %6d, %06d, %-6d), `%%` for a percent sign.
struct ZipfFeeder {
    std::uint64_t n = 1;
    double s = 1.0;
    std::int64_t first = 0;
    std::string format = "%d";
};
struct UuidFeeder {};  // random version-4 UUIDs
// start, start+step, … unique across workers (worker w of n yields items w, w+n, …).
struct CounterFeeder {
    std::int64_t start = 0, step = 1;
    std::string format = "%d";
};

struct VariableSpec {
    using Source = std::variant<ConstantVariable, RangeFeeder, ListFeeder, CsvFeeder, ZipfFeeder,
                                UuidFeeder, CounterFeeder>;
    std::string name;
    Source source;
};

struct OutputSpec {
    std::string dir;                   // empty: results/<name>-<UTC timestamp>
    std::vector<std::string> formats;  // empty: every format
    // The history store the run is added to after its files are written (`--store`,
    // `output.store`): a postgresql:// URL; empty: none besides the results directory itself.
    std::string store;
    std::map<std::string, std::string>
        labels;  // `--label k=v`, `output.labels`: summary.json labels
};

struct Plan {
    std::string name = "volley";
    std::string description;  // free text from the scenario, shown in reports
    ScenarioType type = ScenarioType::custom;
    std::string file;  // scenario file, empty for a command-line run
    // Identity of the test for the history and `volley compare` (loader.cpp scenario_hash): the
    // scenario as loaded, after --set, without `output`. 16 hex digits.
    std::string scenario_hash;
    // The scenario as loaded (after --set), re-emitted as YAML: what a segment of a distributed
    // run records for `volley merge` to load the same plan (reports/segment_file.hpp).
    std::string scenario_yaml;
    engine::RunSpec run;
    std::variant<HttpTargetSpec, ResolverTargetSpec> target;
    // The request mix, then every journey step (its request, named "journey.step").
    std::vector<RequestSpec> requests;
    std::size_t mix_requests = 0;  // how many of `requests` are drawn by weight on their own
    std::vector<JourneySpec> journeys;
    // What request, flow and counter indices mean (journeys); handed to reports/ as it is.
    thresholds::RunCatalog catalog;
    std::vector<VariableSpec> variables;
    std::vector<ThresholdSpec> thresholds;
    OutputSpec output;
    // `replay:` (type replay): the capture whose timeline is the load; plan.requests then
    // holds one request per route and the catch-all, for their names and expected statuses.
    std::optional<replay::ReplaySpec> replay;
    // `observe:` (docs/observe.md): what is read from the system under test once per interval.
    observe::ObserveSpec observe;
    // What the type's analysis needs (hold start, stress steps, spike phases, drift window),
    // derived from the load profile by the loader; handed to reports::RunAnalyser as it is.
    AnalysisSettings analysis;
};

// One problem found in a scenario, located in its file.
struct Diagnostic {
    std::string file;
    int line = 0;     // 1-based; 0 when not known
    int column = 0;   // 1-based
    std::string key;  // key path, e.g. "load.stages[1].rate"
    std::string message;
};
std::string format_diagnostic(const Diagnostic& diagnostic);  // "file:line:col: key: message"

// Thrown by the loaders with every problem of the input at once; apps exit 2.
class ScenarioError : public std::runtime_error {
public:
    explicit ScenarioError(std::vector<Diagnostic> diagnostics);
    [[nodiscard]] const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

private:
    std::vector<Diagnostic> diagnostics_;
};

}  // namespace volley::scenarios
