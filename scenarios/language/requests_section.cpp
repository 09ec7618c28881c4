// variables and requests (docs/scenarios.md "variables", "requests").
#include "scenarios/language/loader_sections.hpp"

#include "scenarios/language/csv.hpp"
#include "scenarios/language/feeders.hpp"
#include "scenarios/language/int_format.hpp"
#include "scenarios/language/templates.hpp"
#include "thresholds/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace volley::scenarios::detail {
namespace {

constexpr std::int64_t kIntMin = std::numeric_limits<std::int64_t>::min() / 4;
constexpr std::int64_t kIntMax = std::numeric_limits<std::int64_t>::max() / 4;

std::optional<FeederMode> read_mode(const MapReader& map, bool allow_unique) {
    const auto text = map.string("mode");
    if (!text) return std::nullopt;
    if (*text == "sequential") return FeederMode::sequential;
    if (*text == "random") return FeederMode::random;
    if (*text == "unique" && allow_unique) return FeederMode::unique;
    map.sink().error(*map.get("mode"), map.path("mode"),
                     allow_unique
                         ? fmt::format("unknown mode '{}' (sequential, random or unique)", *text)
                         : fmt::format("unknown mode '{}' (sequential or random)", *text));
    return std::nullopt;
}

void check_int_format(const MapReader& map, const std::string& format) {
    try {
        (void)IntFormat(format);
    } catch (const std::invalid_argument& error) {
        map.sink().error(*map.get("format"), map.path("format"), error.what());
    }
}

std::optional<VariableSpec::Source> read_feeder(LoadContext& context, const YAML::Node& node,
                                                const std::string& path) {
    DiagnosticSink& sink = context.sink;
    if (!node.IsMap()) return std::nullopt;
    const YAML::Node type_node = node["type"];
    if (!type_node || !type_node.IsScalar()) {
        sink.error(node, child_path(path, "type"),
                   "missing key 'type' (range, list, csv, zipf, uuid or counter)");
        return std::nullopt;
    }
    const std::string type = type_node.Scalar();
    if (type == "range") {
        const MapReader map(sink, node, path, {"type", "from", "to", "step", "mode"});
        RangeFeeder range;
        map.require("from");
        map.require("to");
        range.from = map.integer("from", kIntMin, kIntMax).value_or(0);
        range.to = map.integer("to", kIntMin, kIntMax).value_or(0);
        range.step = map.integer("step", kIntMin, kIntMax).value_or(1);
        if (range.step == 0 ||
            (range.to != range.from && (range.to > range.from) != (range.step > 0))) {
            sink.error(
                map.get("step") ? *map.get("step") : node, map.path("step"),
                fmt::format("step {} never gets from {} to {}", range.step, range.from, range.to));
        }
        range.mode = read_mode(map, false).value_or(FeederMode::sequential);
        return range;
    }
    if (type == "list") {
        const MapReader map(sink, node, path, {"type", "values", "mode"});
        ListFeeder list;
        if (map.require("values")) {
            list.values = map.string_list("values").value_or(std::vector<std::string>{});
            if (list.values.empty() && map.get("values")->IsSequence()) {
                sink.error(*map.get("values"), map.path("values"), "the list is empty");
            }
        }
        list.mode = read_mode(map, false).value_or(FeederMode::sequential);
        return list;
    }
    if (type == "csv") {
        const MapReader map(sink, node, path, {"type", "file", "column", "mode", "on_exhausted"});
        CsvFeeder csv;
        if (map.require("file")) {
            if (auto file = map.string("file")) {
                csv.file = context.resolve_file(*file);
                try {
                    csv.table = std::make_shared<const CsvTable>(read_csv_file(csv.file));
                } catch (const std::invalid_argument& error) {
                    sink.error(*map.get("file"), map.path("file"),
                               fmt::format("{}: {}", csv.file, error.what()));
                }
            }
        }
        csv.column = map.string("column").value_or("");
        csv.mode = read_mode(map, true).value_or(FeederMode::sequential);
        if (const auto on_exhausted = map.string("on_exhausted")) {
            if (*on_exhausted == "end_run" || *on_exhausted == "fail") {
                csv.end_run_when_exhausted = *on_exhausted == "end_run";
                if (csv.mode != FeederMode::unique)
                    sink.error(
                        *map.get("on_exhausted"), map.path("on_exhausted"),
                        "on_exhausted applies to mode: unique only (other modes never run out)");
            } else {
                sink.error(*map.get("on_exhausted"), map.path("on_exhausted"),
                           fmt::format("unknown value '{}' (end_run or fail)", *on_exhausted));
            }
        }
        if (csv.table && !csv.column.empty()) {
            const auto& columns = csv.table->columns;
            if (std::find(columns.begin(), columns.end(), csv.column) == columns.end()) {
                sink.error(*map.get("column"), map.path("column"),
                           fmt::format("{} has no column '{}'", csv.file, csv.column));
            }
        }
        if (!csv.table) return std::nullopt;
        return csv;
    }
    if (type == "zipf") {
        const MapReader map(sink, node, path, {"type", "n", "s", "first", "format"});
        ZipfFeeder zipf;
        if (map.require("n", "how many distinct values")) {
            zipf.n = static_cast<std::uint64_t>(map.integer("n", 1, kIntMax).value_or(1));
        }
        zipf.s = map.number("s", 0, 20).value_or(1.0);
        zipf.first = map.integer("first", kIntMin, kIntMax).value_or(0);
        if (auto format = map.string("format")) {
            check_int_format(map, *format);
            zipf.format = *format;
        }
        return zipf;
    }
    if (type == "uuid") {
        const MapReader map(sink, node, path, {"type"});
        return UuidFeeder{};
    }
    if (type == "counter") {
        const MapReader map(sink, node, path, {"type", "start", "step", "format"});
        CounterFeeder counter;
        counter.start = map.integer("start", kIntMin, kIntMax).value_or(0);
        counter.step = map.integer("step", kIntMin, kIntMax).value_or(1);
        if (counter.step == 0) sink.error(*map.get("step"), map.path("step"), "step must not be 0");
        if (auto format = map.string("format")) {
            check_int_format(map, *format);
            counter.format = *format;
        }
        return counter;
    }
    sink.error(
        type_node, child_path(path, "type"),
        fmt::format("unknown variable type '{}' (range, list, csv, zipf, uuid or counter)", type));
    return std::nullopt;
}

// How to fix a value that cannot be placed raw.
std::string placement_hint(const TemplateToken& token, Position position) {
    const std::string reference = token.kind == TemplateToken::Kind::env ? "env:" + token.text
                                  : token.field.empty()                  ? token.text
                                                        : token.text + "." + token.field;
    if (position == Position::header)
        return fmt::format(" (write ${{{}|url}} to percent-encode it)", reference);
    return fmt::format(" (write ${{{}}} without |raw to percent-encode it)", reference);
}

// The first value `variable` can render (for `column`) that cannot be placed as `encoding` at
// `position`, described with where it comes from (list item, CSV file and line), or "".
// Values drawn at run time from ranges, counters and UUIDs are digits, letters and '-'; a
// format's literal text is checked through one sample.
std::string unplaceable_value(const VariableSpec& variable, std::size_t column, Position position,
                              Encoding encoding) {
    const auto problem = [&](std::string_view value) {
        return placement_problem(value, position, encoding);
    };
    if (std::holds_alternative<ConstantVariable>(variable.source)) {
        std::string value;
        try {
            value = resolve_constant(variable);
        } catch (const std::invalid_argument&) {
            return "";  // reported where the constant is defined
        }
        if (auto why = problem(value); !why.empty())
            return fmt::format("variable '{}': the value {}", variable.name, why);
    } else if (const auto* list = std::get_if<ListFeeder>(&variable.source)) {
        for (std::size_t i = 0; i < list->values.size(); ++i) {
            if (auto why = problem(list->values[i]); !why.empty())
                return fmt::format("variable '{}': values[{}] {}", variable.name, i, why);
        }
    } else if (const auto* csv = std::get_if<CsvFeeder>(&variable.source)) {
        if (!csv->table || column >= csv->table->columns.size()) return "";
        const auto& table = *csv->table;
        for (std::size_t row = 0; row < table.rows.size(); ++row) {
            if (auto why = problem(table.rows[row][column]); !why.empty()) {
                const std::string where =
                    row < table.row_lines.size()
                        ? fmt::format("{}:{} (row {})", csv->file, table.row_lines[row], row + 1)
                        : fmt::format("{} row {}", csv->file, row + 1);
                return fmt::format("variable '{}': {}, column '{}', {}", variable.name, where,
                                   table.columns[column], why);
            }
        }
    } else {
        std::string sample;
        if (const auto* zipf = std::get_if<ZipfFeeder>(&variable.source)) {
            try {
                IntFormat(zipf->format).append(sample, zipf->first);
            } catch (const std::invalid_argument&) {
                return "";  // reported at `format`
            }
        } else if (const auto* counter = std::get_if<CounterFeeder>(&variable.source)) {
            try {
                IntFormat(counter->format).append(sample, counter->start);
            } catch (const std::invalid_argument&) {
                return "";
            }
        }
        if (auto why = problem(sample); !why.empty())
            return fmt::format("variable '{}': a value like '{}' {}", variable.name, sample, why);
    }
    return "";
}

// Checks every reference of `text` against the plan's variables and the environment, and every
// value known at load time against where it lands (`field`, `body_kind`).
}  // namespace

void check_template(DiagnosticSink& sink, const YAML::Node& node, const std::string& path,
                    const std::string& text, const Plan& plan, bool constants_only, Field field,
                    BodyKind body_kind, const std::vector<std::string>* journey_variables) {
    std::vector<TemplateToken> tokens;
    try {
        tokens = tokenize_template(text);
    } catch (const std::invalid_argument& error) {
        sink.error(node, path, error.what());
        return;
    }
    const auto positions = token_positions(tokens, field, body_kind);
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const TemplateToken& token = tokens[i];
        const Encoding encoding = encoding_for(positions[i], token.filter);
        if (token.kind != TemplateToken::Kind::text && constants_only &&
            token.filter != Filter::none) {
            sink.error(
                node, path,
                fmt::format("a constant takes no |{} filter; put it where the constant is used "
                            "(${{name|{}}})",
                            filter_name(token.filter), filter_name(token.filter)));
            continue;
        }
        if (token.kind == TemplateToken::Kind::env) {
            const auto value = resolve_env(token);
            if (!value) {
                sink.error(node, path,
                           fmt::format("environment variable {} is not set (give a "
                                       "default with ${{env:{}:-value}})",
                                       token.text, token.text));
            } else if (!constants_only) {
                if (auto why = placement_problem(*value, positions[i], encoding); !why.empty()) {
                    sink.error(node, path,
                               fmt::format("environment variable {}: the value {}{}", token.text,
                                           why, placement_hint(token, positions[i])));
                }
            }
        } else if (token.kind == TemplateToken::Kind::variable) {
            if (constants_only) {
                sink.error(node, path, "a constant may only reference ${env:NAME}");
                continue;
            }
            const auto found = std::find_if(plan.variables.begin(), plan.variables.end(),
                                            [&](const auto& v) { return v.name == token.text; });
            if (found == plan.variables.end() && journey_variables &&
                std::find(journey_variables->begin(), journey_variables->end(), token.text) !=
                    journey_variables->end()) {
                // A value an earlier step extracts: known only at run time, placed with the
                // encoding of its position.
                if (!token.field.empty()) {
                    sink.error(node, path,
                               fmt::format("'{}' is a journey variable (extracted by an earlier "
                                           "step): it has no columns",
                                           token.text));
                }
                continue;
            }
            if (found == plan.variables.end()) {
                std::string names;
                for (const auto& v : plan.variables) names += (names.empty() ? "" : ", ") + v.name;
                if (journey_variables) {
                    for (const auto& v : *journey_variables)
                        names += (names.empty() ? "" : ", ") + v;
                }
                sink.error(node, path,
                           fmt::format("undefined variable '{}' (defined{}: {})", token.text,
                                       journey_variables ? " here" : "",
                                       names.empty() ? "none; see variables:" : names));
                continue;
            }
            std::size_t column = 0;
            try {
                column = column_index(*found, token.field);
            } catch (const std::invalid_argument& error) {
                sink.error(node, path, error.what());
                continue;
            }
            if (auto why = unplaceable_value(*found, column, positions[i], encoding);
                !why.empty()) {
                sink.error(node, path, why + placement_hint(token, positions[i]));
            }
        }
    }
}

namespace {
const std::vector<std::string> kMethods = {"GET",   "HEAD",   "POST",   "PUT",
                                           "PATCH", "DELETE", "OPTIONS"};
}  // namespace

void read_variables(LoadContext& context, const YAML::Node& node, Plan& plan) {
    DiagnosticSink& sink = context.sink;
    if (!node.IsMap()) {
        sink.error(
            node, "variables",
            fmt::format("expected a map of names to variables, got {}", describe_node(node)));
        return;
    }
    std::vector<std::string> seen;
    for (const auto& entry : node) {
        const std::string name = entry.first.Scalar();
        const std::string path = child_path("variables", name);
        if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
            sink.error(entry.first, path, "duplicate variable");
            continue;
        }
        seen.push_back(name);
        if (!is_identifier(name) || name == "env") {
            sink.error(
                entry.first, path,
                fmt::format("'{}' is not a variable name (letters, digits, _; not 'env')", name));
            continue;
        }
        if (entry.second.IsScalar()) {
            check_template(sink, entry.second, path, entry.second.Scalar(), plan, true);
            plan.variables.push_back(VariableSpec{name, ConstantVariable{entry.second.Scalar()}});
            continue;
        }
        if (!entry.second.IsMap()) {
            sink.error(entry.second, path,
                       fmt::format("expected a value or a map with a type, got {}",
                                   describe_node(entry.second)));
            continue;
        }
        if (auto source = read_feeder(context, entry.second, path)) {
            plan.variables.push_back(VariableSpec{name, std::move(*source)});
        }
    }
}

std::vector<Tag> read_tags(DiagnosticSink& sink, const YAML::Node& node, const std::string& path) {
    std::vector<Tag> tags;
    auto map = read_string_map(sink, node, path);
    if (!map) return tags;
    for (const auto& [key, value] : *map) {
        if (!is_identifier(key)) {
            sink.error(node[key], child_path(path, key),
                       "a tag key is a name of letters, digits and _ (it appears in thresholds "
                       "as {key:value})");
        } else if (key == "journey" || key == "step" || key == "request") {
            sink.error(node[key], child_path(path, key),
                       fmt::format("'{}' is a scope of its own in thresholds; choose another tag "
                                   "key",
                                   key));
        } else if (value.empty() || value.find_first_of("{}, \t\r\n") != std::string::npos) {
            sink.error(node[key], child_path(path, key),
                       "a tag value is non-empty text without spaces, commas or braces");
        }
        tags.emplace_back(key, value);
    }
    return tags;
}

RequestSpec read_request_fields(LoadContext& context, const MapReader& map, const Plan& plan,
                                const std::vector<std::string>* journey_variables) {
    DiagnosticSink& sink = context.sink;
    RequestSpec request;
    if (auto method = map.string("method")) {
        std::string upper = *method;
        std::transform(upper.begin(), upper.end(), upper.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        if (std::find(kMethods.begin(), kMethods.end(), upper) == kMethods.end()) {
            sink.error(
                *map.get("method"), map.path("method"),
                fmt::format("unknown method '{}' (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS)",
                            *method));
        }
        request.method = upper;
    }
    if (map.require("path", "e.g. /entities/${id}/ancestors")) {
        if (auto target = map.string("path")) {
            const YAML::Node where = *map.get("path");
            if (target->empty() || (target->front() != '/' && target->rfind("${", 0) != 0)) {
                sink.error(where, map.path("path"),
                           fmt::format("'{}' must start with / (it is appended to the base URL)",
                                       *target));
            } else if (target->find_first_of(" \t\r\n") != std::string::npos) {
                sink.error(where, map.path("path"),
                           "spaces and line breaks must be percent-encoded (%20)");
            } else {
                check_template(sink, where, map.path("path"), *target, plan, false, Field::path,
                               BodyKind::text, journey_variables);
            }
            request.path = *target;
        }
    }
    if (auto headers_node = map.get("headers")) {
        if (auto headers = read_string_map(sink, *headers_node, map.path("headers"))) {
            if (check_headers(sink, *headers_node, map.path("headers"), *headers)) {
                for (const auto& [name, value] : *headers) {
                    check_template(sink, (*headers_node)[name],
                                   child_path(map.path("headers"), name), value, plan, false,
                                   Field::header, BodyKind::text, journey_variables);
                }
            }
            request.headers = *headers;
        }
    }
    if (auto body = map.string("body")) {
        const auto* http = std::get_if<HttpTargetSpec>(&plan.target);
        const BodyKind body_kind =
            body_kind_of(request.headers, http ? http->headers : std::vector<Header>{});
        check_template(sink, *map.get("body"), map.path("body"), *body, plan, false, Field::body,
                       body_kind, journey_variables);
        request.body = *body;
    }
    request.weight = map.number("weight", 0, 1e9).value_or(1);
    if (auto expect_node = map.get("expect")) {
        const MapReader expect(sink, *expect_node, map.path("expect"), {"status"});
        if (auto status = expect.get("status")) {
            const std::string status_path = expect.path("status");
            if (status->IsScalar()) {
                if (auto code = read_integer(sink, *status, status_path, 100, 599)) {
                    request.expect_status.push_back(static_cast<int>(*code));
                }
            } else if (status->IsSequence() && status->size() > 0) {
                for (std::size_t s = 0; s < status->size(); ++s) {
                    if (auto code = read_integer(sink, (*status)[s], index_path(status_path, s),
                                                 100, 599)) {
                        request.expect_status.push_back(static_cast<int>(*code));
                    }
                }
            } else {
                sink.error(*status, status_path,
                           "expected a status code or a list of them, e.g. [200, 404]");
            }
        }
    }
    if (auto tags_node = map.get("tags"))
        request.tags = read_tags(sink, *tags_node, map.path("tags"));
    return request;
}

namespace {

// The profile's length (warm-up excluded); 0 when the load section failed.
Nanos profile_length(const engine::RunSpec& run) {
    if (const auto* open = std::get_if<engine::OpenProfile>(&run.profile))
        return engine::total_duration(*open);
    return std::get<engine::ClosedProfile>(run.profile).duration;
}

// `during: [FROM, UNTIL]`: two durations, FROM < UNTIL <= the profile's length.
std::optional<ActiveWindow> read_during(DiagnosticSink& sink, const YAML::Node& node,
                                        const std::string& path, Nanos length) {
    if (!node.IsSequence() || node.size() != 2) {
        sink.error(node, path,
                   "expected [FROM, UNTIL]: two durations from the start of the profile (warm-up "
                   "excluded), e.g. [0s, 15s]");
        return std::nullopt;
    }
    const auto from = read_duration(sink, node[0], index_path(path, 0), {.allow_zero = true});
    const auto until = read_duration(sink, node[1], index_path(path, 1));
    if (!from || !until) return std::nullopt;
    using thresholds::format_duration;
    if (*from >= *until) {
        sink.error(node, path,
                   fmt::format("FROM ({}) must be before UNTIL ({})", format_duration(*from),
                               format_duration(*until)));
        return std::nullopt;
    }
    if (length > Nanos{0} && *until > length) {
        sink.error(node, path,
                   fmt::format("the window ends at {}, after the profile's end ({}; warm-up "
                               "excluded)",
                               format_duration(*until), format_duration(length)));
        return std::nullopt;
    }
    return ActiveWindow{*from, *until};
}

// The first stretch of [0, length) where no request is active, or nullopt.
std::optional<ActiveWindow> first_gap(const std::vector<RequestSpec>& requests, Nanos length) {
    std::vector<ActiveWindow> windows;
    for (const auto& request : requests)
        windows.push_back(request.during.value_or(ActiveWindow{Nanos{0}, length}));
    std::sort(windows.begin(), windows.end(),
              [](const auto& a, const auto& b) { return a.from < b.from; });
    Nanos covered{0};
    for (const auto& window : windows) {
        if (window.from > covered) return ActiveWindow{covered, window.from};
        covered = std::max(covered, window.until);
    }
    if (covered < length) return ActiveWindow{covered, length};
    return std::nullopt;
}

}  // namespace

void read_requests(LoadContext& context, const std::optional<YAML::Node>& node,
                   const YAML::Mark& root_mark, bool has_journeys, Plan& plan) {
    DiagnosticSink& sink = context.sink;
    if (!node && has_journeys) return;
    if (!node) {
        if (std::holds_alternative<ResolverTargetSpec>(plan.target)) {
            sink.error_at(root_mark, "requests",
                          "missing key 'requests' (e.g. GET /entities/${id}/ancestors)");
            return;
        }
        RequestSpec request;  // GET /
        request.name = "default";
        plan.requests = {request};
        return;
    }
    if (!node->IsSequence() || node->size() == 0) {
        sink.error(*node, "requests", "expected a list of requests ({method, path, …})");
        return;
    }
    const Nanos length = profile_length(plan.run);
    bool any_window = false;
    for (std::size_t i = 0; i < node->size(); ++i) {
        const std::string path = index_path("requests", i);
        const MapReader map(
            sink, (*node)[i], path,
            {"name", "method", "path", "headers", "body", "weight", "expect", "tags", "during"});
        if (!map.is_map()) continue;
        RequestSpec request = read_request_fields(context, map, plan, nullptr);
        if (auto during = map.get("during")) {
            request.during = read_during(sink, *during, map.path("during"), length);
            any_window = any_window || request.during.has_value();
        }
        if (auto name = map.string("name")) {
            if (name->empty()) sink.error(*map.get("name"), map.path("name"), "must not be empty");
            request.name = *name;
        } else {
            request.name = request.method + " " + request.path;
        }
        const auto duplicate = std::find_if(plan.requests.begin(), plan.requests.end(),
                                            [&](const auto& r) { return r.name == request.name; });
        if (duplicate != plan.requests.end()) {
            sink.error(
                map.get("name") ? *map.get("name") : (*node)[i], map.path("name"),
                fmt::format("another request is named '{}'; names must be unique", request.name));
        }
        plan.requests.push_back(std::move(request));
    }
    // Journeys are drawn at every instant, so with them no instant lacks a choice.
    if (!any_window || has_journeys || length <= Nanos{0}) return;
    if (const auto gap = first_gap(plan.requests, length)) {
        sink.error(*node, "requests",
                   fmt::format("no request is active from {} to {} of the profile (during:); "
                               "every instant of the load needs one: widen a window or add a "
                               "request without during",
                               thresholds::format_duration(gap->from),
                               thresholds::format_duration(gap->until)));
    }
}

}  // namespace volley::scenarios::detail
