#include "scenarios/language/yaml_walker.hpp"

#include "scenarios/language/units.hpp"
#include "scenarios/language/utf8_text.hpp"

#include "engine/schedule.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace volley::scenarios {
namespace {

bool covers(const std::string& override_path, const std::string& key) {
    if (key.size() < override_path.size() ||
        key.compare(0, override_path.size(), override_path) != 0) {
        return false;
    }
    return key.size() == override_path.size() || key[override_path.size()] == '.' ||
           key[override_path.size()] == '[';
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] =
                std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// Reports a scalar whose text is not valid UTF-8 (names reach reports, hlog tags and XML).
bool is_utf8_text(DiagnosticSink& sink, const YAML::Node& node, const std::string& path) {
    const std::string& text = node.Scalar();
    const auto bad = first_invalid_utf8(text);
    if (!bad) return true;
    sink.error(node, path,
               fmt::format("is not valid UTF-8 (byte 0x{:02X} at offset {}); scenario text must "
                           "be UTF-8",
                           static_cast<unsigned char>(text[*bad]), *bad));
    return false;
}

// The scalar text of `node`, or nullopt after reporting what was found instead.
std::optional<std::string> scalar(DiagnosticSink& sink, const YAML::Node& node,
                                  const std::string& path, std::string_view expected) {
    if (node.IsScalar()) {
        if (!is_utf8_text(sink, node, path)) return std::nullopt;
        return node.Scalar();
    }
    sink.error(node, path, fmt::format("expected {}, got {}", expected, describe_node(node)));
    return std::nullopt;
}

}  // namespace

// ---- DiagnosticSink ------------------------------------------------------------------------

Diagnostic DiagnosticSink::locate(const YAML::Mark& mark, const std::string& key) const {
    // The latest override wins: it replaced what earlier ones set.
    for (auto it = overrides_.rbegin(); it != overrides_.rend(); ++it) {
        const NotedOverride& noted = *it;
        if (!covers(noted.key_path, key)) continue;
        const bool own_key = noted.source_names_key && key == noted.key_path;
        return Diagnostic{noted.source, 0, 0, own_key ? std::string() : key, {}};
    }
    if (mark.is_null()) return Diagnostic{file_, 0, 0, key, {}};
    return Diagnostic{file_, mark.line + 1, mark.column + 1, key, {}};
}

void DiagnosticSink::error(const YAML::Node& node, const std::string& key, std::string message) {
    error_at(node.IsDefined() ? node.Mark() : YAML::Mark::null_mark(), key, std::move(message));
}

void DiagnosticSink::error_at(const YAML::Mark& mark, const std::string& key, std::string message) {
    Diagnostic diagnostic = locate(mark, key);
    diagnostic.message = std::move(message);
    diagnostics_.push_back(std::move(diagnostic));
}

void DiagnosticSink::error_unlocated(const std::string& key, std::string message) {
    error_at(YAML::Mark::null_mark(), key, std::move(message));
}

void DiagnosticSink::override_error(const std::string& source, const std::string& key,
                                    std::string message) {
    diagnostics_.push_back(Diagnostic{source, 0, 0, key, std::move(message)});
}

void DiagnosticSink::note_override(std::string key_path, std::string source,
                                   bool source_names_key) {
    overrides_.push_back(NotedOverride{std::move(key_path), std::move(source), source_names_key});
}

// ---- helpers -------------------------------------------------------------------------------

std::string child_path(const std::string& parent, std::string_view key) {
    if (parent.empty()) return std::string(key);
    return fmt::format("{}.{}", parent, key);
}

std::string index_path(const std::string& parent, std::size_t index) {
    return fmt::format("{}[{}]", parent, index);
}

std::string_view describe_node(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return "nothing";
    if (node.IsMap()) return "a map";
    if (node.IsSequence()) return "a list";
    return "a value";
}

std::string_view closest_key(std::string_view key, std::initializer_list<std::string_view> known) {
    std::string_view best;
    std::size_t best_distance = 3;  // suggest only within distance 2
    const std::string key_lower = lower(key);
    for (std::string_view candidate : known) {
        const std::size_t distance = edit_distance(key_lower, candidate);
        if (distance < best_distance) {
            best_distance = distance;
            best = candidate;
        }
    }
    return best;
}

// ---- typed readers -------------------------------------------------------------------------

std::optional<std::string> read_string(DiagnosticSink& sink, const YAML::Node& node,
                                       const std::string& path) {
    return scalar(sink, node, path, "a string");
}

std::optional<engine::Nanos> read_duration(DiagnosticSink& sink, const YAML::Node& node,
                                           const std::string& path, DurationRule rule) {
    const auto text = scalar(sink, node, path, "a duration (e.g. 30s)");
    if (!text) return std::nullopt;
    try {
        const engine::Nanos value = parse_duration(*text);
        if (value.count() == 0 && !rule.allow_zero) {
            sink.error(node, path, "must be longer than 0");
            return std::nullopt;
        }
        return value;
    } catch (const std::invalid_argument& error) {
        sink.error(node, path, error.what());
        return std::nullopt;
    }
}

std::string rate_ceiling_text(double rps) {
    return fmt::format(
        "{} is more than one load generator can produce: at most {} (one arrival every 100 ns; "
        "docs/scenarios.md \"load\")",
        format_rate(rps), fmt::format("{:.0f}/s", engine::kMaxRateRps));
}

std::optional<double> read_rate(DiagnosticSink& sink, const YAML::Node& node,
                                const std::string& path, bool allow_zero) {
    const auto text = scalar(sink, node, path, "a rate (e.g. 100/s)");
    if (!text) return std::nullopt;
    try {
        const double rps = parse_rate_rps(*text);
        if (rps == 0 && !allow_zero) {
            sink.error(node, path, "must be more than 0/s");
            return std::nullopt;
        }
        if (rps > engine::kMaxRateRps) {
            sink.error(node, path, rate_ceiling_text(rps));
            return std::nullopt;
        }
        return rps;
    } catch (const std::invalid_argument& error) {
        sink.error(node, path, error.what());
        return std::nullopt;
    }
}

std::optional<std::int64_t> read_integer(DiagnosticSink& sink, const YAML::Node& node,
                                         const std::string& path, std::int64_t min,
                                         std::int64_t max) {
    const auto text = scalar(sink, node, path, "a whole number");
    if (!text) return std::nullopt;
    std::int64_t value = 0;
    const char* begin = text->data();
    const char* end = begin + text->size();
    if (begin != end && *begin == '+') ++begin;
    const auto result = std::from_chars(begin, end, value);
    if (text->empty() || result.ec != std::errc{} || result.ptr != end) {
        sink.error(node, path, fmt::format("'{}' is not a whole number", *text));
        return std::nullopt;
    }
    if (value < min || value > max) {
        if (max >= (std::int64_t{1} << 53)) {
            sink.error(node, path, fmt::format("must be at least {}, not {}", min, value));
        } else {
            sink.error(node, path,
                       fmt::format("must be between {} and {}, not {}", min, max, value));
        }
        return std::nullopt;
    }
    return value;
}

std::optional<double> read_number(DiagnosticSink& sink, const YAML::Node& node,
                                  const std::string& path, double above, double at_most) {
    const auto text = scalar(sink, node, path, "a number");
    if (!text) return std::nullopt;
    double value = 0;
    try {
        value = parse_number(*text);
    } catch (const std::invalid_argument& error) {
        sink.error(node, path, error.what());
        return std::nullopt;
    }
    if (!(value > above)) {
        sink.error(node, path, fmt::format("must be more than {:g}, not {}", above, *text));
        return std::nullopt;
    }
    if (value > at_most) {
        sink.error(node, path, fmt::format("must be at most {:g}, not {}", at_most, *text));
        return std::nullopt;
    }
    return value;
}

std::optional<bool> read_bool(DiagnosticSink& sink, const YAML::Node& node,
                              const std::string& path) {
    const auto text = scalar(sink, node, path, "true or false");
    if (!text) return std::nullopt;
    const std::string value = lower(*text);
    if (value == "true" || value == "yes") return true;
    if (value == "false" || value == "no") return false;
    sink.error(node, path, fmt::format("expected true or false, got '{}'", *text));
    return std::nullopt;
}

std::optional<std::vector<std::string>> read_string_list(DiagnosticSink& sink,
                                                         const YAML::Node& node,
                                                         const std::string& path) {
    if (node.IsScalar()) return std::vector<std::string>{node.Scalar()};
    if (!node.IsSequence()) {
        sink.error(node, path,
                   fmt::format("expected a list of strings, got {}", describe_node(node)));
        return std::nullopt;
    }
    std::vector<std::string> out;
    bool ok = true;
    for (std::size_t i = 0; i < node.size(); ++i) {
        auto value = read_string(sink, node[i], index_path(path, i));
        if (value)
            out.push_back(std::move(*value));
        else
            ok = false;
    }
    if (!ok) return std::nullopt;
    return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> read_string_map(
    DiagnosticSink& sink, const YAML::Node& node, const std::string& path) {
    if (!node.IsMap()) {
        sink.error(node, path,
                   fmt::format("expected a map of names to values, got {}", describe_node(node)));
        return std::nullopt;
    }
    std::vector<std::pair<std::string, std::string>> out;
    bool ok = true;
    for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
            sink.error(entry.first, path, "keys must be plain names");
            ok = false;
            continue;
        }
        if (!is_utf8_text(sink, entry.first, path)) {
            ok = false;
            continue;
        }
        const std::string key = entry.first.Scalar();
        auto value = read_string(sink, entry.second, child_path(path, key));
        if (value)
            out.emplace_back(key, std::move(*value));
        else
            ok = false;
    }
    if (!ok) return std::nullopt;
    return out;
}

// ---- MapReader -----------------------------------------------------------------------------

MapReader::MapReader(DiagnosticSink& sink, const YAML::Node& node, std::string path,
                     std::initializer_list<std::string_view> known, Options options)
    : sink_(sink), node_(node), path_(std::move(path)) {
    if (!node.IsMap()) {
        sink_.error(node, path_, fmt::format("expected a map, got {}", describe_node(node)));
        return;
    }
    is_map_ = true;
    std::vector<std::string> seen;
    for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
            sink_.error(entry.first, path_, "keys must be plain names");
            continue;
        }
        const std::string key = entry.first.Scalar();
        const std::string key_path = child_path(path_, key);
        if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
            sink_.error(entry.first, key_path, "duplicate key");
            continue;
        }
        seen.push_back(key);
        const bool is_known = std::find(known.begin(), known.end(), key) != known.end();
        if (is_known) {
            entries_.emplace_back(key, entry.second);
        } else if (options.collect_unknown && closest_key(key, known).empty()) {
            unknown_.emplace_back(key, entry.second);
        } else {
            const std::string_view hint = closest_key(key, known);
            std::string list;
            for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
            if (!hint.empty()) {
                sink_.error(entry.first, key_path,
                            fmt::format("unknown key '{}' (did you mean '{}'?)", key, hint));
            } else {
                sink_.error(entry.first, key_path,
                            fmt::format("unknown key '{}' (known keys: {})", key, list));
            }
        }
    }
}

bool MapReader::has(std::string_view key) const {
    return std::any_of(entries_.begin(), entries_.end(),
                       [&](const auto& entry) { return entry.first == key; });
}

std::optional<YAML::Node> MapReader::get(std::string_view key) const {
    for (const auto& entry : entries_) {
        if (entry.first == key) return entry.second;
    }
    return std::nullopt;
}

bool MapReader::require(std::string_view key, std::string_view what) const {
    if (has(key)) return true;
    if (!is_map_) return false;  // already reported
    const std::string message = what.empty() ? fmt::format("missing key '{}'", key)
                                             : fmt::format("missing key '{}' ({})", key, what);
    sink_.error(node_, path(key), message);
    return false;
}

std::optional<std::string> MapReader::string(std::string_view key) const {
    const auto node = get(key);
    return node ? read_string(sink_, *node, path(key)) : std::nullopt;
}

std::optional<engine::Nanos> MapReader::duration(std::string_view key, DurationRule rule) const {
    const auto node = get(key);
    return node ? read_duration(sink_, *node, path(key), rule) : std::nullopt;
}

std::optional<double> MapReader::rate(std::string_view key, bool allow_zero) const {
    const auto node = get(key);
    return node ? read_rate(sink_, *node, path(key), allow_zero) : std::nullopt;
}

std::optional<std::int64_t> MapReader::integer(std::string_view key, std::int64_t min,
                                               std::int64_t max) const {
    const auto node = get(key);
    return node ? read_integer(sink_, *node, path(key), min, max) : std::nullopt;
}

std::optional<double> MapReader::number(std::string_view key, double above, double at_most) const {
    const auto node = get(key);
    return node ? read_number(sink_, *node, path(key), above, at_most) : std::nullopt;
}

std::optional<bool> MapReader::boolean(std::string_view key) const {
    const auto node = get(key);
    return node ? read_bool(sink_, *node, path(key)) : std::nullopt;
}

std::optional<std::vector<std::string>> MapReader::string_list(std::string_view key) const {
    const auto node = get(key);
    return node ? read_string_list(sink_, *node, path(key)) : std::nullopt;
}

}  // namespace volley::scenarios
