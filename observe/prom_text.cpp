#include "observe/prom_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>

namespace volley::observe::prom {

namespace {

bool is_name_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
bool is_label_start(char c) { return c != ':' && is_name_start(c); }
bool is_label_char(char c) { return c != ':' && is_name_char(c); }
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// A character as the error messages show it: printable as is, anything else as \xNN.
std::string shown(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) return fmt::format("'{}'", c);
    return fmt::format("'\\x{:02x}'", u);
}

}  // namespace

// Go's strconv.ParseFloat as Prometheus uses it: decimal and exponent forms, an optional sign,
// Inf/Infinity/NaN in any case.
std::optional<double> parse_value(std::string_view text) {
    if (text.empty()) return std::nullopt;
    bool negative = false;
    std::string_view body = text;
    if (body.front() == '+' || body.front() == '-') {
        negative = body.front() == '-';
        body.remove_prefix(1);
    }
    if (equals_ignoring_case(body, "inf") || equals_ignoring_case(body, "infinity"))
        return negative ? -std::numeric_limits<double>::infinity()
                        : std::numeric_limits<double>::infinity();
    if (equals_ignoring_case(body, "nan")) return std::numeric_limits<double>::quiet_NaN();
    if (body.empty() || body.front() == '+' || body.front() == '-') return std::nullopt;
    double value = 0;
    const auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), value);
    if (ec != std::errc{} || end != body.data() + body.size()) return std::nullopt;
    return negative ? -value : value;
}

namespace {

std::optional<MetricType> parse_type(std::string_view text) {
    for (auto type : {MetricType::counter, MetricType::gauge, MetricType::histogram,
                      MetricType::summary, MetricType::untyped})
        if (text == type_name(type)) return type;
    return std::nullopt;
}

// One line under the cursor; every failure throws PromTextError with the line's number.
class LineReader {
public:
    LineReader(std::string_view line, std::size_t number) : line_(line), number_(number) {}

    [[noreturn]] void fail(const std::string& why) const {
        constexpr std::size_t kShown = 40;
        const std::string_view excerpt = line_.substr(0, kShown);
        throw PromTextError(
            number_, fmt::format("{} in \"{}{}\"", why, excerpt, line_.size() > kShown ? "…" : ""));
    }
    [[nodiscard]] bool at_end() const { return pos_ >= line_.size(); }
    [[nodiscard]] char peek() const { return at_end() ? '\0' : line_[pos_]; }
    [[nodiscard]] std::string found() const {
        return at_end() ? std::string("the end of the line") : shown(peek());
    }
    void skip_blanks() {
        while (!at_end() && is_blank(line_[pos_])) ++pos_;
    }
    std::string_view rest() const { return line_.substr(std::min(pos_, line_.size())); }

    std::string_view metric_name(std::string_view what) {
        if (!is_name_start(peek())) fail(fmt::format("expected {}, found {}", what, found()));
        const std::size_t start = pos_;
        while (!at_end() && is_name_char(line_[pos_])) ++pos_;
        return line_.substr(start, pos_ - start);
    }
    std::string_view token() {
        const std::size_t start = pos_;
        while (!at_end() && !is_blank(line_[pos_])) ++pos_;
        return line_.substr(start, pos_ - start);
    }
    void expect(char c) {
        if (peek() != c) fail(fmt::format("expected '{}', found {}", c, found()));
        ++pos_;
    }

    Labels labels() {
        Labels labels;
        expect('{');
        for (;;) {
            skip_blanks();
            if (peek() == '}') break;
            if (!is_label_start(peek()))
                fail(fmt::format("expected a label name or '}}', found {}", found()));
            const std::size_t start = pos_;
            while (!at_end() && is_label_char(line_[pos_])) ++pos_;
            std::string name(line_.substr(start, pos_ - start));
            skip_blanks();
            expect('=');
            skip_blanks();
            expect('"');
            labels.emplace_back(std::move(name), label_value());
            skip_blanks();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            if (peek() != '}') fail(fmt::format("expected ',' or '}}', found {}", found()));
        }
        ++pos_;
        return labels;
    }

private:
    // After the opening quote: the value up to the closing one, with \\, \" and \n unescaped.
    std::string label_value() {
        std::string value;
        for (;;) {
            if (at_end()) fail("label value without its closing '\"'");
            const char c = line_[pos_++];
            if (c == '"') return value;
            if (c != '\\') {
                value.push_back(c);
                continue;
            }
            const char escaped = peek();
            if (escaped == '\\' || escaped == '"')
                value.push_back(escaped);
            else if (escaped == 'n')
                value.push_back('\n');
            else
                fail(fmt::format("bad escape in a label value: '\\' before {}", found()));
            ++pos_;
        }
    }

    std::string_view line_;
    std::size_t number_;
    std::size_t pos_ = 0;
};

class Parser {
public:
    Exposition parse(std::string_view text) {
        std::size_t number = 0;
        while (!text.empty()) {
            ++number;
            const auto newline = text.find('\n');
            const std::string_view line = text.substr(0, newline);
            text =
                newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
            parse_line(LineReader(line, number));
        }
        return std::move(out_);
    }

private:
    struct FamilyState {
        std::size_t index = 0;
        bool typed = false;   // a # TYPE line named it
        bool helped = false;  // a # HELP line named it
    };

    void parse_line(LineReader line) {
        line.skip_blanks();
        if (line.at_end()) return;
        if (line.peek() == '#') {
            comment(line);
            return;
        }
        sample(line);
    }

    void comment(LineReader& line) {
        line.expect('#');
        line.skip_blanks();
        const std::string_view keyword = line.token();
        if (keyword != "HELP" && keyword != "TYPE") return;  // any other comment
        line.skip_blanks();
        const std::string name(line.metric_name("a metric name"));
        if (!line.at_end() && !is_blank(line.peek()))
            line.fail(
                fmt::format("expected a blank after the metric name, found {}", line.found()));
        line.skip_blanks();
        auto& state = family_state(name);
        auto& family = out_.families[state.index];
        if (keyword == "HELP") {
            if (state.helped) line.fail(fmt::format("a second # HELP line for {}", name));
            state.helped = true;
            family.help = unescape_help(line.rest());
            return;
        }
        const std::string_view type_text = line.token();
        const auto type = parse_type(type_text);
        if (!type)
            line.fail(fmt::format(
                "unknown metric type '{}' (counter, gauge, histogram, summary, untyped)",
                type_text));
        line.skip_blanks();
        if (!line.at_end()) line.fail(fmt::format("unexpected {} after the type", line.found()));
        if (state.typed) line.fail(fmt::format("a second # TYPE line for {}", name));
        if (!family.samples.empty())
            line.fail(fmt::format("# TYPE line for {} after its samples", name));
        state.typed = true;
        family.type = *type;
    }

    static std::string unescape_help(std::string_view text) {
        std::string help;
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (text[i] == '\\' && i + 1 < text.size() &&
                (text[i + 1] == '\\' || text[i + 1] == 'n')) {
                help.push_back(text[i + 1] == 'n' ? '\n' : '\\');
                ++i;
            } else {
                help.push_back(text[i]);
            }
        }
        while (!help.empty() && is_blank(help.back())) help.pop_back();
        return help;
    }

    void sample(LineReader& line) {
        Sample sample;
        sample.name = std::string(line.metric_name("a metric name or '#'"));
        line.skip_blanks();
        if (line.peek() == '{') sample.labels = line.labels();
        line.skip_blanks();
        const std::string_view value_text = line.token();
        if (value_text.empty()) line.fail(fmt::format("{} has no value", sample.name));
        const auto value = parse_value(value_text);
        if (!value)
            line.fail(fmt::format("{}: the value '{}' is not a number", sample.name, value_text));
        sample.value = *value;
        line.skip_blanks();
        if (!line.at_end()) {
            const std::string_view stamp = line.token();
            std::int64_t ms = 0;
            const auto [end, ec] = std::from_chars(stamp.data(), stamp.data() + stamp.size(), ms);
            if (ec != std::errc{} || end != stamp.data() + stamp.size())
                line.fail(fmt::format("{}: the timestamp '{}' is not an integer (milliseconds)",
                                      sample.name, stamp));
            sample.timestamp_ms = ms;
            line.skip_blanks();
            if (!line.at_end())
                line.fail(fmt::format("unexpected {} after the timestamp", line.found()));
        }
        auto& family = out_.families[family_of(sample.name)];
        if (family.type == MetricType::histogram && sample.name == family.name + "_bucket") {
            const auto le = sample.label("le");
            if (!le) line.fail(fmt::format("{} has no 'le' label", sample.name));
            if (!parse_value(*le))
                line.fail(fmt::format("{}: le=\"{}\" is not a number", sample.name, *le));
        }
        family.samples.push_back(std::move(sample));
    }

    FamilyState& family_state(const std::string& name) {
        const auto it = states_.find(name);
        if (it != states_.end()) return it->second;
        out_.families.push_back(MetricFamily{name, MetricType::untyped, "", {}});
        return states_[name] = FamilyState{out_.families.size() - 1, false, false};
    }

    // The family a sample name belongs to: its own, a histogram's or summary's by suffix, or a
    // new untyped one.
    std::size_t family_of(const std::string& sample_name) {
        if (const auto it = states_.find(sample_name); it != states_.end()) return it->second.index;
        for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
            if (!sample_name.ends_with(suffix)) continue;
            const auto base =
                states_.find(sample_name.substr(0, sample_name.size() - suffix.size()));
            if (base == states_.end()) continue;
            const auto type = out_.families[base->second.index].type;
            if (type == MetricType::histogram ||
                (type == MetricType::summary && suffix != "_bucket"))
                return base->second.index;
        }
        return family_state(sample_name).index;
    }

    Exposition out_;
    std::map<std::string, FamilyState, std::less<>> states_;
};

}  // namespace

std::string_view type_name(MetricType type) {
    switch (type) {
        case MetricType::counter: return "counter";
        case MetricType::gauge: return "gauge";
        case MetricType::histogram: return "histogram";
        case MetricType::summary: return "summary";
        case MetricType::untyped: return "untyped";
    }
    return "untyped";
}

std::optional<std::string_view> Sample::label(std::string_view label_name) const {
    for (const auto& [key, text] : labels)
        if (key == label_name) return std::string_view(text);
    return std::nullopt;
}

const MetricFamily* Exposition::find(std::string_view name) const {
    for (const auto& family : families)
        if (family.name == name) return &family;
    return nullptr;
}

PromTextError::PromTextError(std::size_t line, const std::string& why)
    : std::runtime_error(fmt::format("line {}: {}", line, why)), line_(line) {}

Exposition parse_text(std::string_view text) { return Parser().parse(text); }

std::optional<double> histogram_quantile(double q, std::vector<Bucket> buckets) {
    if (std::isnan(q) || q < 0 || q > 1) return std::nullopt;
    if (buckets.empty()) return std::nullopt;
    std::sort(buckets.begin(), buckets.end(),
              [](const Bucket& a, const Bucket& b) { return a.upper_bound < b.upper_bound; });
    if (!std::isinf(buckets.back().upper_bound) || buckets.back().upper_bound < 0)
        return std::nullopt;
    // coalesceBuckets: equal bounds add up.
    std::vector<Bucket> merged;
    for (const auto& bucket : buckets) {
        if (!merged.empty() && merged.back().upper_bound == bucket.upper_bound)
            merged.back().count += bucket.count;
        else
            merged.push_back(bucket);
    }
    // ensureMonotonic: a cumulative count never falls (scrapes of buckets are not atomic).
    for (std::size_t i = 1; i < merged.size(); ++i)
        merged[i].count = std::max(merged[i].count, merged[i - 1].count);
    if (merged.size() < 2) return std::nullopt;
    const double observations = merged.back().count;
    if (observations == 0) return std::nullopt;
    double rank = q * observations;
    std::size_t b = 0;
    while (b < merged.size() - 1 && merged[b].count < rank) ++b;
    if (b == merged.size() - 1) return merged[merged.size() - 2].upper_bound;
    if (b == 0 && merged[0].upper_bound <= 0) return merged[0].upper_bound;
    double start = 0;
    const double end = merged[b].upper_bound;
    double count = merged[b].count;
    if (b > 0) {
        start = merged[b - 1].upper_bound;
        count -= merged[b - 1].count;
        rank -= merged[b - 1].count;
    }
    return start + (end - start) * (rank / count);
}

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out.push_back(c);
    }
    return out;
}

}  // namespace volley::observe::prom
