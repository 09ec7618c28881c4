// nginx/Apache access logs (docs/replay.md "Access logs").
#include "replay/http_message.hpp"
#include "replay/input_file.hpp"
#include "replay/readers.hpp"
#include "replay/time_text.hpp"

#include <charconv>
#include <deque>
#include <map>
#include <stdexcept>

namespace volley::replay {
namespace {

constexpr std::string_view kCombined =
    R"($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent")";
constexpr std::string_view kCommon =
    R"($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent)";
constexpr std::int64_t kSecondNs = 1'000'000'000;
// Records held back to spread whole seconds: at most this many (the oldest seconds go first).
constexpr std::size_t kMaxSpreadRecords = 200'000;

enum class TimeField { local, iso8601, msec };

struct Token {
    bool variable = false;
    std::string text;  // literal text, or the variable name without '$'
};

struct LogFormat {
    std::vector<Token> tokens;
    TimeField time = TimeField::local;
    std::size_t time_token = 0;
};

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Parses the format; throws std::invalid_argument saying what is missing.
LogFormat compile(const std::string& written) {
    const std::string_view format = written.empty() || written == "combined" ? kCombined
                                    : written == "common"                    ? kCommon
                                                          : std::string_view(written);
    LogFormat out;
    for (std::size_t i = 0; i < format.size();) {
        if (format[i] == '$') {
            const bool braced = i + 1 < format.size() && format[i + 1] == '{';
            std::size_t j = i + (braced ? 2 : 1);
            const std::size_t start = j;
            while (j < format.size() && is_name_char(format[j])) ++j;
            if (j == start || (braced && (j >= format.size() || format[j] != '}')))
                throw std::invalid_argument("a '$' is not followed by a variable name");
            if (!out.tokens.empty() && out.tokens.back().variable)
                throw std::invalid_argument(
                    "two variables without text between them cannot be told apart");
            out.tokens.push_back({true, std::string(format.substr(start, j - start))});
            i = j + (braced ? 1 : 0);
        } else {
            if (out.tokens.empty() || out.tokens.back().variable) out.tokens.push_back({false, {}});
            out.tokens.back().text.push_back(format[i++]);
        }
    }
    bool has_time = false, has_request = false, has_method = false, has_uri = false;
    for (std::size_t i = 0; i < out.tokens.size(); ++i) {
        const auto& token = out.tokens[i];
        if (!token.variable) continue;
        const auto& name = token.text;
        if (name == "time_local" || name == "time_iso8601" || name == "msec") {
            has_time = true;
            out.time_token = i;
            out.time = name == "time_local"     ? TimeField::local
                       : name == "time_iso8601" ? TimeField::iso8601
                                                : TimeField::msec;
        }
        has_request = has_request || name == "request";
        has_method = has_method || name == "request_method";
        has_uri = has_uri || name == "request_uri" || name == "uri";
    }
    if (!has_time)
        throw std::invalid_argument("the format has no $time_local, $time_iso8601 or $msec");
    if (!has_request && !(has_method && has_uri))
        throw std::invalid_argument(
            "the format has no $request (or $request_method with $request_uri)");
    return out;
}

// "1760104536.125" (seconds with up to 9 decimals) -> ns, exactly, range-checked.
CaptureTime parse_decimal_seconds_ns(std::string_view text) {
    const auto dot = text.find('.');
    const std::string_view whole = text.substr(0, dot);
    std::int64_t seconds = 0;
    const auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
    if (whole.empty() || whole.front() == '-' || end != whole.data() + whole.size() ||
        (ec != std::errc() && ec != std::errc::result_out_of_range))
        return CaptureTime::unreadable();
    std::int64_t fraction_ns = 0;
    if (dot != std::string_view::npos) {
        const std::string_view digits = text.substr(dot + 1);
        if (digits.empty() || digits.size() > 9) return CaptureTime::unreadable();
        std::int64_t scale = kSecondNs;
        for (const char c : digits) {
            if (c < '0' || c > '9') return CaptureTime::unreadable();
            scale /= 10;
            fraction_ns += (c - '0') * scale;
        }
    }
    if (ec == std::errc::result_out_of_range) return CaptureTime::beyond_range();
    return capture_time_from_units(seconds, kSecondNs, fraction_ns);
}

// Undoes nginx (\xHH) and Apache (\", \\, \xhh) escaping.
std::string unescape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) {
            const char next = text[i + 1];
            unsigned value = 0;
            if (next == 'x' && i + 3 < text.size() &&
                std::from_chars(text.data() + i + 2, text.data() + i + 4, value, 16).ptr ==
                    text.data() + i + 4) {
                out.push_back(static_cast<char>(value));
                i += 3;
                continue;
            }
            if (next == '"' || next == '\\') {
                out.push_back(next);
                ++i;
                continue;
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

// "user_agent" -> "User-Agent".
std::string header_name(std::string_view variable) {
    std::string out;
    bool upper = true;
    for (const char c : variable) {
        if (c == '_') {
            out.push_back('-');
            upper = true;
        } else {
            out.push_back(upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
            upper = false;
        }
    }
    return out;
}

// Position of `literal` at or after `from`; inside quotes an escaped quote does not count.
std::size_t find_literal(std::string_view line, std::string_view literal, std::size_t from,
                         bool quoted) {
    for (auto at = line.find(literal, from); at != std::string_view::npos;
         at = line.find(literal, at + 1)) {
        if (!quoted || literal.front() != '"') return at;
        std::size_t backslashes = 0;
        while (at > backslashes + from && line[at - backslashes - 1] == '\\') ++backslashes;
        if (backslashes % 2 == 0) return at;
    }
    return std::string_view::npos;
}

class AccessLogReader final : public RecordReader {
public:
    AccessLogReader(const std::string& path, LogFormat format, bool strict)
        : RecordReader(path, strict),
          format_(std::move(format)),
          in_(path),
          values_(format_.tokens.size()) {}

    bool next(ReplayRecord& out) override {
        while (ready_.empty()) {
            if (!read_one()) {
                flush_through(INT64_MAX);
                if (ready_.empty()) return false;
            }
        }
        out = std::move(ready_.front());
        ready_.pop_front();
        yielded(out);
        return true;
    }

private:
    // Reads one line into the spreading buffer (or ready_); false at the end of the file.
    bool read_one() {
        std::uint64_t line = 0;
        bool cut_by_error = false;
        if (!next_line(in_, kMaxRecordBytes, line_, line, cut_by_error)) return false;
        ReplayRecord record;
        std::string error = parse(record);
        if (error.empty() && cut_by_error) {
            read_failed(in_, line, "the line is truncated");
            return true;
        }
        if (!error.empty()) {
            malformed(line_location(line), error);
            return true;
        }
        record.line = line;
        if (format_.time == TimeField::msec) {
            ready_.push_back(std::move(record));
        } else {
            add_whole_second(std::move(record));
        }
        return true;
    }

    std::string parse(ReplayRecord& out) {
        const std::string_view line = line_;
        std::size_t pos = 0;
        const auto& tokens = format_.tokens;
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            if (!tokens[i].variable) {
                if (line.compare(pos, tokens[i].text.size(), tokens[i].text) != 0)
                    return "the line does not follow the log format (at column " +
                           std::to_string(pos + 1) + ")";
                pos += tokens[i].text.size();
                continue;
            }
            std::size_t end = 0;
            if (i + 1 < tokens.size()) {
                const bool quoted =
                    i > 0 && !tokens[i - 1].text.empty() && tokens[i - 1].text.back() == '"';
                end = find_literal(line, tokens[i + 1].text, pos, quoted);
                if (end == std::string_view::npos)
                    return "the line does not follow the log format (no '" + tokens[i + 1].text +
                           "' after column " + std::to_string(pos + 1) + ")";
            } else {
                end = std::min(line.size(), line.find(' ', pos));  // extra fields may follow
            }
            values_[i] = line.substr(pos, end - pos);
            pos = end;
        }
        return fill(out);
    }

    std::string fill(ReplayRecord& out) {
        const std::string_view time = values_[format_.time_token];
        CaptureTime when;
        if (format_.time == TimeField::local) when = parse_clf_time_ns(time);
        if (format_.time == TimeField::iso8601) when = parse_iso8601_ns(time);
        if (format_.time == TimeField::msec) when = parse_decimal_seconds_ns(time);
        if (when.out_of_range) return "the time '" + std::string(time) + "' " + out_of_range_text();
        if (!when.ns) return "the time '" + std::string(time) + "' cannot be read";
        out.ts_ns = *when.ns;
        out.method.clear();
        out.target.clear();
        out.headers.clear();
        out.body.clear();
        std::string uri, args;
        std::string_view connection, remote_addr, remote_port;
        for (std::size_t i = 0; i < format_.tokens.size(); ++i) {
            const auto& token = format_.tokens[i];
            if (!token.variable) continue;
            const std::string_view value = values_[i];
            const std::string& name = token.text;
            if (name == "request") {
                const std::string request = unescape(value);
                const auto first = request.find(' ');
                if (first == std::string::npos || first == 0)
                    return "the request '" + request + "' is not 'METHOD /path HTTP/x.y'";
                const auto second = request.find(' ', first + 1);
                const std::string target =
                    request.substr(first + 1, second == std::string::npos ? std::string::npos
                                                                          : second - first - 1);
                out.method = request.substr(0, first);
                if (target.empty() ||
                    (target.front() != '/' && target.find("://") == std::string::npos))
                    return "the request '" + request + "' is not 'METHOD /path HTTP/x.y'";
                for (const char c : out.method) {
                    if (c < 'A' || c > 'Z') return "the request '" + request + "' has no method";
                }
                out.target = origin_form(target);
            } else if (name == "request_method") {
                out.method = unescape(value);
            } else if (name == "request_uri" || name == "uri") {
                uri = unescape(value);
            } else if (name == "args" || name == "query_string") {
                if (value != "-") args = unescape(value);
            } else if (name == "connection") {
                connection = value;
            } else if (name == "remote_addr") {
                remote_addr = value;
            } else if (name == "remote_port") {
                remote_port = value;
            } else if (name == "request_body") {
                if (value != "-") out.body = unescape(value);
            } else if (name.rfind("http_", 0) == 0 && value != "-" && !value.empty()) {
                std::string header = header_name(std::string_view(name).substr(5));
                std::string header_value = unescape(value);
                if (auto why = check_header_field(header, header_value); !why.empty()) return why;
                out.headers.emplace_back(std::move(header), std::move(header_value));
            }
        }
        // nginx's $connection is the connection's serial number; the client's address and port
        // name a connection too (the address alone names a client, not a connection).
        if (!connection.empty() && connection != "-") {
            out.connection = connection_id(connection);
        } else if (!remote_port.empty() && remote_port != "-") {
            out.connection =
                connection_id(std::string(remote_addr) + ":" + std::string(remote_port));
        } else {
            out.connection = 0;
        }
        if (out.target.empty()) {
            if (uri.empty() || out.method.empty()) return "no request method and path in the line";
            out.target = origin_form(uri);
            if (!args.empty() && uri.find('?') == std::string::npos) out.target += "?" + args;
        }
        return "";
    }

    void add_whole_second(ReplayRecord record) {
        const std::int64_t second =
            record.ts_ns - ((record.ts_ns % kSecondNs) + kSecondNs) % kSecondNs;
        pending_[second].push_back(std::move(record));
        ++pending_records_;
        // Log lines are written when requests complete, so a second's lines may trail for a
        // moment: a second is complete once a line two seconds later arrived.
        flush_through(second - 2 * kSecondNs);
        while (pending_records_ > kMaxSpreadRecords) flush_through(pending_.begin()->first);
    }

    // Spreads every held second up to `last_second` evenly inside it.
    void flush_through(std::int64_t last_second) {
        while (!pending_.empty() && pending_.begin()->first <= last_second) {
            auto& group = pending_.begin()->second;
            const auto count = static_cast<std::int64_t>(group.size());
            for (std::int64_t j = 0; j < count; ++j) {
                auto& record = group[static_cast<std::size_t>(j)];
                record.ts_ns = pending_.begin()->first + j * kSecondNs / count;
                ready_.push_back(std::move(record));
            }
            pending_records_ -= group.size();
            pending_.erase(pending_.begin());
        }
    }

    LogFormat format_;
    InputFile in_;
    std::string line_;
    std::vector<std::string_view> values_;                       // per token, views into line_
    std::map<std::int64_t, std::vector<ReplayRecord>> pending_;  // whole second (ns) -> its records
    std::size_t pending_records_ = 0;
    std::deque<ReplayRecord> ready_;
};

}  // namespace

std::string check_log_format(const std::string& log_format) {
    try {
        (void)compile(log_format);
        return "";
    } catch (const std::invalid_argument& error) {
        return error.what();
    }
}

std::unique_ptr<RecordReader> make_access_log_reader(const std::string& path,
                                                     const std::string& log_format, bool strict) {
    return std::make_unique<AccessLogReader>(path, compile(log_format), strict);
}

}  // namespace volley::replay
