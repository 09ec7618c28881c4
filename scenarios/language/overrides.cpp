#include "scenarios/language/overrides.hpp"

#include <fmt/format.h>

#include <charconv>
#include <optional>
#include <variant>

namespace volley::scenarios {
namespace {

using Segment = std::variant<std::string, std::size_t>;  // map key or list index

// "load.stages[1].rate" -> {"load", "stages", 1, "rate"}; nullopt when malformed.
std::optional<std::vector<Segment>> split_path(std::string_view path) {
    std::vector<Segment> segments;
    std::size_t position = 0;
    bool expect_key = true;
    while (position < path.size()) {
        if (path[position] == '[') {
            const auto close = path.find(']', position);
            if (close == std::string_view::npos || segments.empty()) return std::nullopt;
            std::size_t index = 0;
            const char* begin = path.data() + position + 1;
            const char* end = path.data() + close;
            const auto result = std::from_chars(begin, end, index);
            if (begin == end || result.ec != std::errc{} || result.ptr != end) return std::nullopt;
            segments.emplace_back(index);
            position = close + 1;
            expect_key = false;
            continue;
        }
        if (path[position] == '.') {
            if (segments.empty() || expect_key) return std::nullopt;
            ++position;
            expect_key = true;
            continue;
        }
        if (!expect_key) return std::nullopt;  // "a[0]b"
        std::size_t end = position;
        while (end < path.size() && path[end] != '.' && path[end] != '[') ++end;
        segments.emplace_back(std::string(path.substr(position, end - position)));
        position = end;
        expect_key = false;
    }
    if (segments.empty() || expect_key) return std::nullopt;
    return segments;
}

// flag_override()'s text: kFlagMark flag kFlagMark ('L' literal | 'Y' YAML) key.path=value.
constexpr char kFlagMark = '\x1e';

struct OverrideText {
    std::string source;      // "--set text" or the flag
    bool names_key = false;  // a flag: its own key is not repeated in diagnostics
    bool literal = false;
    std::string assignment;  // key.path=value
};

OverrideText decode(const std::string& text) {
    if (text.size() > 2 && text.front() == kFlagMark) {
        const auto close = text.find(kFlagMark, 1);
        if (close != std::string::npos && close + 1 < text.size()) {
            return OverrideText{text.substr(1, close - 1), true, text[close + 1] == 'L',
                                text.substr(close + 2)};
        }
    }
    return OverrideText{"--set " + text, false, false, text};
}

YAML::Node parse_value(const std::string& text) {
    try {
        YAML::Node parsed = YAML::Load(text);
        if (parsed.IsMap() || parsed.IsSequence()) return parsed;
    } catch (const YAML::Exception&) {
        // Not YAML: the text itself is the value.
    }
    return YAML::Node(text);
}

std::string render(const std::vector<Segment>& segments, std::size_t count) {
    std::string out;
    for (std::size_t i = 0; i < count; ++i) {
        if (const auto* key = std::get_if<std::string>(&segments[i])) {
            if (!out.empty()) out += '.';
            out += *key;
        } else {
            out += fmt::format("[{}]", std::get<std::size_t>(segments[i]));
        }
    }
    return out;
}

void apply_one(YAML::Node& root, const std::string& encoded, DiagnosticSink& sink) {
    const OverrideText decoded = decode(encoded);
    const std::string& text = decoded.assignment;
    const std::string& source = decoded.source;
    const auto equals = text.find('=');
    if (equals == std::string::npos) {
        sink.override_error(source, "", "expected key.path=value");
        return;
    }
    const std::string path = text.substr(0, equals);
    const std::string value_text = text.substr(equals + 1);
    const auto segments = split_path(path);
    if (!segments || !std::holds_alternative<std::string>(segments->front())) {
        sink.override_error(source, path,
                            fmt::format("'{}' is not a key path (e.g. load.stages[1].rate)", path));
        return;
    }
    const bool remove = !decoded.literal && (value_text == "~" || value_text == "null");
    const auto value = [&] {
        return decoded.literal ? YAML::Node(value_text) : parse_value(value_text);
    };

    // target.http and target.resolver are alternatives: setting one drops the other.
    if (segments->size() >= 2 && std::get<std::string>((*segments)[0]) == "target" &&
        root.IsMap() && root["target"].IsMap()) {
        if (const auto* kind = std::get_if<std::string>(&(*segments)[1])) {
            YAML::Node target = root["target"];
            if (*kind == "http" && target["resolver"]) target.remove("resolver");
            if (*kind == "resolver" && target["http"]) target.remove("http");
        }
    }

    YAML::Node current = root;
    for (std::size_t i = 0; i + 1 < segments->size(); ++i) {
        const Segment& segment = (*segments)[i];
        const bool next_is_index = std::holds_alternative<std::size_t>((*segments)[i + 1]);
        const YAML::NodeType::value container =
            next_is_index ? YAML::NodeType::Sequence : YAML::NodeType::Map;
        if (const auto* key = std::get_if<std::string>(&segment)) {
            if (!current.IsMap() && !current.IsNull()) {
                sink.override_error(source, path,
                                    fmt::format("{} is not a map", render(*segments, i)));
                return;
            }
            YAML::Node child = current[*key];
            if (!child.IsDefined() || child.IsNull()) {
                if (remove) return;  // nothing to remove
                current[*key] = YAML::Node(container);
            }
            YAML::Node next = current[*key];
            current.reset(next);
        } else {
            const std::size_t index = std::get<std::size_t>(segment);
            if (!current.IsSequence() || index >= current.size()) {
                sink.override_error(
                    source, path, fmt::format("{} has no item [{}]", render(*segments, i), index));
                return;
            }
            YAML::Node next = current[index];
            current.reset(next);
        }
    }
    const Segment& last = segments->back();
    if (const auto* key = std::get_if<std::string>(&last)) {
        if (!current.IsMap() && !current.IsNull()) {
            sink.override_error(
                source, path,
                fmt::format("{} is not a map", render(*segments, segments->size() - 1)));
            return;
        }
        if (remove)
            current.remove(*key);
        else
            current[*key] = value();
    } else {
        const std::size_t index = std::get<std::size_t>(last);
        const std::string parent = render(*segments, segments->size() - 1);
        if (!current.IsSequence() && !(current.IsNull() && index == 0)) {
            sink.override_error(source, path, fmt::format("{} is not a list", parent));
            return;
        }
        if (remove) {
            sink.override_error(source, path, "list items cannot be removed with --set");
            return;
        }
        if (index < current.size())
            current[index] = value();
        else if (index == current.size())
            current.push_back(value());
        else {
            sink.override_error(source, path,
                                fmt::format("{} has {} items; [{}] would leave a gap", parent,
                                            current.size(), index));
            return;
        }
    }
    sink.note_override(render(*segments, segments->size()), source, decoded.names_key);
}

}  // namespace

void apply_overrides(YAML::Node& root, const std::vector<std::string>& overrides,
                     DiagnosticSink& sink) {
    for (const auto& text : overrides) apply_one(root, text, sink);
}

std::string flag_override(std::string_view flag, std::string_view key_path, std::string_view value,
                          bool literal) {
    return fmt::format("{}{}{}{}{}={}", kFlagMark, flag, kFlagMark, literal ? 'L' : 'Y', key_path,
                       value);
}

std::string override_key_path(std::string_view text) {
    const std::string assignment = decode(std::string(text)).assignment;
    return assignment.substr(0, assignment.find('='));
}

}  // namespace volley::scenarios
