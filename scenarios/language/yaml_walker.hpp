// Strict, located reading of a YAML tree: every problem becomes a Diagnostic naming
// file:line:column and the key path; reading goes on so that one pass reports them all.
#pragma once

#include "engine/clock.hpp"
#include "scenarios/language/plan.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace volley::scenarios {

// Collects the diagnostics of one scenario. Values set by `--set key=value` are located at
// the override ("--set key=value") instead of a file position.
class DiagnosticSink {
public:
    explicit DiagnosticSink(std::string file) : file_(std::move(file)) {}

    // `node` must be defined; its mark (0-based) is reported 1-based.
    void error(const YAML::Node& node, const std::string& key, std::string message);
    void error_at(const YAML::Mark& mark, const std::string& key, std::string message);
    void error_unlocated(const std::string& key, std::string message);
    // A problem with an override itself; `source` names it as the user gave it ("--set a.b=1",
    // or a command-line flag such as "-r/--rate") and becomes the diagnostic's file.
    void override_error(const std::string& source, const std::string& key, std::string message);
    // Records that `key_path` was set by `source` ("--set a.b=1", "-r/--rate"): problems at or
    // below key_path are reported there. With `source_names_key` (a flag stands for the key), a
    // problem at exactly key_path is reported without the key.
    void note_override(std::string key_path, std::string source, bool source_names_key = false);

    [[nodiscard]] const std::string& file() const { return file_; }
    [[nodiscard]] bool empty() const { return diagnostics_.empty(); }
    [[nodiscard]] std::vector<Diagnostic>& diagnostics() { return diagnostics_; }
    // The location a node at `key` is reported at, as (file, line, column).
    [[nodiscard]] Diagnostic locate(const YAML::Mark& mark, const std::string& key) const;

private:
    std::string file_;
    std::vector<Diagnostic> diagnostics_;
    struct NotedOverride {
        std::string key_path, source;
        bool source_names_key = false;
    };
    std::vector<NotedOverride> overrides_;
};

// "load" + "rate" -> "load.rate"; "" + "name" -> "name".
[[nodiscard]] std::string child_path(const std::string& parent, std::string_view key);
// "requests" + 2 -> "requests[2]".
[[nodiscard]] std::string index_path(const std::string& parent, std::size_t index);

// What kind of value a node holds, for messages ("a map", "a list", "a value", "nothing").
[[nodiscard]] std::string_view describe_node(const YAML::Node& node);

// Typed readers: on a wrong or impossible value they report and return nullopt.
struct DurationRule {
    bool allow_zero = false;
};
[[nodiscard]] std::optional<std::string> read_string(DiagnosticSink& sink, const YAML::Node& node,
                                                     const std::string& path);
[[nodiscard]] std::optional<engine::Nanos> read_duration(DiagnosticSink& sink,
                                                         const YAML::Node& node,
                                                         const std::string& path,
                                                         DurationRule rule = {});
// Why `rps` is refused: above engine::kMaxRateRps, what one load generator can produce.
[[nodiscard]] std::string rate_ceiling_text(double rps);
// Requests per second; `allow_zero` for start rates and baselines that may be 0; above
// engine::kMaxRateRps refused (rate_ceiling_text).
[[nodiscard]] std::optional<double> read_rate(DiagnosticSink& sink, const YAML::Node& node,
                                              const std::string& path, bool allow_zero = false);
[[nodiscard]] std::optional<std::int64_t> read_integer(DiagnosticSink& sink, const YAML::Node& node,
                                                       const std::string& path, std::int64_t min,
                                                       std::int64_t max);
// A number strictly above `above` (and at most `at_most`).
[[nodiscard]] std::optional<double> read_number(DiagnosticSink& sink, const YAML::Node& node,
                                                const std::string& path, double above,
                                                double at_most);
[[nodiscard]] std::optional<bool> read_bool(DiagnosticSink& sink, const YAML::Node& node,
                                            const std::string& path);
// One string or a list of strings.
[[nodiscard]] std::optional<std::vector<std::string>> read_string_list(DiagnosticSink& sink,
                                                                       const YAML::Node& node,
                                                                       const std::string& path);
// A map of string to string (headers), keeping the file's order.
[[nodiscard]] std::optional<std::vector<std::pair<std::string, std::string>>> read_string_map(
    DiagnosticSink& sink, const YAML::Node& node, const std::string& path);

// One YAML map read against its schema: keys outside `known` are reported at construction
// (with a "did you mean" hint), as are duplicate keys and a node that is not a map.
class MapReader {
public:
    struct Options {
        bool collect_unknown = false;  // keep unknown keys (see unknown()) instead of reporting
    };
    MapReader(DiagnosticSink& sink, const YAML::Node& node, std::string path,
              std::initializer_list<std::string_view> known, Options options);
    MapReader(DiagnosticSink& sink, const YAML::Node& node, std::string path,
              std::initializer_list<std::string_view> known)
        : MapReader(sink, node, std::move(path), known, Options{}) {}

    [[nodiscard]] bool is_map() const { return is_map_; }
    [[nodiscard]] bool has(std::string_view key) const;
    // The value of `key`, if present (a null value counts as present).
    [[nodiscard]] std::optional<YAML::Node> get(std::string_view key) const;
    [[nodiscard]] std::string path(std::string_view key) const { return child_path(path_, key); }
    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] const YAML::Node& node() const { return node_; }
    [[nodiscard]] DiagnosticSink& sink() const { return sink_; }
    // Unknown keys kept with Options::collect_unknown: (key, value node).
    [[nodiscard]] const std::vector<std::pair<std::string, YAML::Node>>& unknown() const {
        return unknown_;
    }

    // Reports "missing key" at the map when `key` is absent; returns whether it is present.
    bool require(std::string_view key, std::string_view what = {}) const;

    [[nodiscard]] std::optional<std::string> string(std::string_view key) const;
    [[nodiscard]] std::optional<engine::Nanos> duration(std::string_view key,
                                                        DurationRule rule = {}) const;
    [[nodiscard]] std::optional<double> rate(std::string_view key, bool allow_zero = false) const;
    [[nodiscard]] std::optional<std::int64_t> integer(std::string_view key, std::int64_t min,
                                                      std::int64_t max) const;
    [[nodiscard]] std::optional<double> number(std::string_view key, double above,
                                               double at_most) const;
    [[nodiscard]] std::optional<bool> boolean(std::string_view key) const;
    [[nodiscard]] std::optional<std::vector<std::string>> string_list(std::string_view key) const;

private:
    DiagnosticSink& sink_;
    YAML::Node node_;
    std::string path_;
    bool is_map_ = false;
    std::vector<std::pair<std::string, YAML::Node>> entries_;  // known keys, in file order
    std::vector<std::pair<std::string, YAML::Node>> unknown_;
};

// The known key closest to `key` within a small edit distance, or empty.
[[nodiscard]] std::string_view closest_key(std::string_view key,
                                           std::initializer_list<std::string_view> known);

}  // namespace volley::scenarios
