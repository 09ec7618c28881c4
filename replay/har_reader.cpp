// HAR 1.2 recordings (docs/replay.md "HAR"): parsed whole, then streamed from memory.
#include "replay/http_message.hpp"
#include "replay/input_file.hpp"
#include "replay/json_text.hpp"
#include "replay/readers.hpp"
#include "replay/time_text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

namespace volley::replay {
namespace json = boost::json;

namespace {

std::string percent_encode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else if (c == ' ') {
            out.push_back('+');
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        }
    }
    return out;
}

const json::string* text_at(const json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    return value ? value->if_string() : nullptr;
}

enum class EntryKind { request, not_http, malformed };

// One entry -> record; `error` says why it is malformed.
EntryKind read_entry(const json::value& entry, ReplayRecord& out, std::string& error) {
    const auto* object = entry.if_object();
    if (!object) return error = "the entry is not an object", EntryKind::malformed;
    const auto* started = text_at(*object, "startedDateTime");
    if (!started) return error = "missing startedDateTime", EntryKind::malformed;
    const CaptureTime when = parse_iso8601_ns(*started);
    if (when.out_of_range)
        return error = "startedDateTime '" + std::string(*started) + "' " + out_of_range_text(),
               EntryKind::malformed;
    if (!when.ns) return error = "startedDateTime is not ISO 8601", EntryKind::malformed;
    const auto* request_value = object->if_contains("request");
    const auto* request = request_value ? request_value->if_object() : nullptr;
    if (!request) return error = "missing request", EntryKind::malformed;
    const auto* method = text_at(*request, "method");
    const auto* url = text_at(*request, "url");
    if (!method || method->empty() || !url)
        return error = "the request has no method or url", EntryKind::malformed;
    const std::string_view url_text = *url;
    if (url_text.substr(0, 7) != "http://" && url_text.substr(0, 8) != "https://")
        return EntryKind::not_http;
    out.ts_ns = *when.ns;
    // HAR 1.2 `connection`: the id of the TCP/IP connection the entry went over (optional).
    const auto* connection = text_at(*object, "connection");
    out.connection = connection ? connection_id(*connection) : 0;
    out.method.assign(*method);
    out.target = origin_form(url_text);
    out.headers.clear();
    if (const auto* headers_value = request->if_contains("headers")) {
        const auto* headers = headers_value->if_array();
        if (!headers) return error = "request.headers is not a list", EntryKind::malformed;
        for (const auto& header_value : *headers) {
            const auto* header = header_value.if_object();
            const auto* name = header ? text_at(*header, "name") : nullptr;
            const auto* value = header ? text_at(*header, "value") : nullptr;
            if (!name || !value)
                return error = "a header has no name or value", EntryKind::malformed;
            if (!name->empty() && name->front() == ':') continue;  // HTTP/2 pseudo-headers
            if (auto why = check_header_field(*name, *value); !why.empty())
                return error = why, EntryKind::malformed;
            out.headers.emplace_back(std::string(*name), std::string(*value));
        }
    }
    out.body.clear();
    if (const auto* post_value = request->if_contains("postData")) {
        const auto* post = post_value->if_object();
        if (!post) return error = "request.postData is not an object", EntryKind::malformed;
        if (const auto* text = text_at(*post, "text")) {
            out.body.assign(*text);
        } else if (const auto* params_value = post->if_contains("params");
                   params_value && params_value->is_array()) {
            for (const auto& param_value : params_value->get_array()) {
                const auto* param = param_value.if_object();
                const auto* name = param ? text_at(*param, "name") : nullptr;
                if (!name) return error = "a postData param has no name", EntryKind::malformed;
                const auto* value = text_at(*param, "value");
                if (!out.body.empty()) out.body.push_back('&');
                out.body += percent_encode(*name) + "=" +
                            percent_encode(value ? std::string_view(*value) : "");
            }
        }
    }
    return EntryKind::request;
}

class HarReader final : public RecordReader {
public:
    HarReader(std::shared_ptr<const HarCapture> capture, const std::string& path)
        : RecordReader(path, false), capture_(std::move(capture)) {
        auto& counts = mutable_counts();
        counts.non_requests = capture_->counts.non_requests;
        counts.malformed = capture_->counts.malformed;
        counts.first_malformed = capture_->counts.first_malformed;
    }

    bool next(ReplayRecord& out) override {
        if (next_ >= capture_->records.size()) return false;
        out = capture_->records[next_++];
        yielded(out);
        return true;
    }

private:
    std::shared_ptr<const HarCapture> capture_;
    std::size_t next_ = 0;
};

}  // namespace

std::shared_ptr<const HarCapture> read_har(const std::string& path, bool strict) {
    InputFile in(path);
    std::string text;
    const bool fits = in.read_rest(text, kMaxHarBytes);
    if (in.failed()) throw ReplayInputError(path, "", in.error());
    if (!fits) {
        throw ReplayInputError(
            path, "",
            "a HAR file is parsed whole and may be at most 512 MiB; convert it to "
            "JSONL to replay it streaming");
    }
    // InputFile has skipped a byte-order mark; the position counts from after it.
    boost::system::error_code ec;
    std::size_t error_offset = 0;
    json::parser parser;
    const json::value root = parse_json_at(parser, text, {}, ec, error_offset);
    if (ec)
        throw ReplayInputError(path, text_position(text, error_offset),
                               "not valid JSON: " + ec.message());
    text.clear();
    text.shrink_to_fit();
    const auto* log = root.is_object() ? root.as_object().if_contains("log") : nullptr;
    const auto* entries_value =
        log && log->is_object() ? log->as_object().if_contains("entries") : nullptr;
    if (!entries_value || !entries_value->is_array())
        throw ReplayInputError(path, "", "not a HAR file (no log.entries list)");

    auto capture = std::make_shared<HarCapture>();
    const auto& entries = entries_value->get_array();
    for (std::size_t i = 0; i < entries.size(); ++i) {
        ReplayRecord record;
        std::string error;
        const std::string location = "log.entries[" + std::to_string(i) + "]";
        switch (read_entry(entries[i], record, error)) {
            case EntryKind::request:
                record.line = i;
                capture->records.push_back(std::move(record));
                break;
            case EntryKind::not_http: ++capture->counts.non_requests; break;
            case EntryKind::malformed:
                if (strict) throw ReplayInputError(path, location, error);
                ++capture->counts.malformed;
                if (capture->counts.first_malformed.size() < ReaderCounts::kMaxListed)
                    capture->counts.first_malformed.push_back({location, error});
                break;
        }
    }
    std::stable_sort(
        capture->records.begin(), capture->records.end(),
        [](const ReplayRecord& a, const ReplayRecord& b) { return a.ts_ns < b.ts_ns; });
    return capture;
}

std::unique_ptr<RecordReader> make_har_reader(std::shared_ptr<const HarCapture> capture,
                                              const std::string& path) {
    return std::make_unique<HarReader>(std::move(capture), path);
}

}  // namespace volley::replay
