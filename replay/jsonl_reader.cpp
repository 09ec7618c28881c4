// Our JSONL capture format (docs/replay.md "JSONL").
#include "replay/http_message.hpp"
#include "replay/input_file.hpp"
#include "replay/json_text.hpp"
#include "replay/readers.hpp"
#include "replay/time_text.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cmath>

namespace volley::replay {
namespace json = boost::json;

namespace {

// Unix time by magnitude: seconds below 1e11, ms below 1e14, µs below 1e17, else ns; the unit
// is chosen first, then the value range-checked before it is multiplied (time_text.hpp).
CaptureTime epoch_ns(const json::value& ts) {
    if (ts.is_string()) return parse_iso8601_ns(ts.get_string());
    if (ts.is_uint64()) return CaptureTime::beyond_range();  // above INT64_MAX: beyond any unit
    if (ts.is_int64()) {
        const std::int64_t raw = ts.get_int64();
        if (raw < 0) return CaptureTime::unreadable();
        if (raw < 100'000'000'000LL) return capture_time_from_units(raw, 1'000'000'000LL);
        if (raw < 100'000'000'000'000LL) return capture_time_from_units(raw, 1'000'000LL);
        if (raw < 100'000'000'000'000'000LL) return capture_time_from_units(raw, 1'000LL);
        return capture_time_from_units(raw, 1);
    }
    if (ts.is_double()) {
        const double value = ts.get_double();
        if (!std::isfinite(value) || value < 0) return CaptureTime::unreadable();
        if (value < 1e11) return capture_time_from_double(value, 1e9);
        if (value < 1e14) return capture_time_from_double(value, 1e6);
        if (value < 1e17) return capture_time_from_double(value, 1e3);
        return capture_time_from_double(value, 1);
    }
    return CaptureTime::unreadable();
}

// Fills `out` from one parsed line; returns why it cannot, or "".
std::string record_from(const json::value& value, ReplayRecord& out) {
    const auto* object = value.if_object();
    if (!object) return "the line is not a JSON object";
    const auto* ts = object->if_contains("ts");
    if (!ts) return "missing \"ts\"";
    const CaptureTime when = epoch_ns(*ts);
    if (when.out_of_range) return "\"ts\" " + json::serialize(*ts) + " " + out_of_range_text();
    if (!when.ns) return "\"ts\" is not a Unix time (seconds, ms, us or ns) or an ISO 8601 text";
    out.ts_ns = *when.ns;
    out.method = "GET";
    if (const auto* method = object->if_contains("method")) {
        if (!method->is_string() || method->get_string().empty()) return "\"method\" is not a text";
        out.method.assign(method->get_string());
    }
    const auto* url = object->if_contains("url");
    const auto* path = object->if_contains("path");
    if (!url && !path) return "missing \"url\" or \"path\"";
    const auto* where = url ? url : path;
    if (!where->is_string()) return url ? "\"url\" is not a text" : "\"path\" is not a text";
    out.target = origin_form(where->get_string());
    out.headers.clear();
    if (const auto* headers = object->if_contains("headers")) {
        if (const auto* map = headers->if_object()) {
            for (const auto& [name, header_value] : *map) {
                if (!header_value.is_string())
                    return "header '" + std::string(name) + "' is not a text";
                if (auto why = check_header_field(name, header_value.get_string()); !why.empty())
                    return why;
                out.headers.emplace_back(std::string(name), std::string(header_value.get_string()));
            }
        } else if (const auto* list = headers->if_array()) {  // [["Name", "value"], …]
            for (const auto& item : *list) {
                const auto* pair = item.if_array();
                if (!pair || pair->size() != 2 || !(*pair)[0].is_string() ||
                    !(*pair)[1].is_string())
                    return "\"headers\" items must be [name, value] texts";
                if (auto why = check_header_field((*pair)[0].get_string(), (*pair)[1].get_string());
                    !why.empty())
                    return why;
                out.headers.emplace_back(std::string((*pair)[0].get_string()),
                                         std::string((*pair)[1].get_string()));
            }
        } else {
            return "\"headers\" is not an object";
        }
    }
    out.body.clear();
    if (const auto* body = object->if_contains("body"); body && !body->is_null()) {
        if (!body->is_string()) return "\"body\" is not a text";
        out.body.assign(body->get_string());
    }
    out.connection = 0;
    if (const auto* connection = object->if_contains("connection");
        connection && !connection->is_null()) {
        if (const auto* text = connection->if_string()) {
            out.connection = connection_id(*text);
        } else if (connection->is_int64() || connection->is_uint64()) {
            out.connection = connection_id(json::serialize(*connection));
        } else {
            return "\"connection\" is not a text or an integer";
        }
    }
    return "";
}

class JsonlReader final : public RecordReader {
public:
    JsonlReader(const std::string& path, bool strict)
        : RecordReader(path, strict),
          in_(path),
          scratch_(std::make_unique<unsigned char[]>(kScratchBytes)) {}

    bool next(ReplayRecord& out) override {
        std::uint64_t line = 0;
        bool cut_by_error = false;
        while (next_line(in_, kMaxRecordBytes, line_, line, cut_by_error)) {
            json::monotonic_resource memory(scratch_.get(), kScratchBytes);
            boost::system::error_code ec;
            std::size_t error_offset = 0;
            const json::value value = parse_json_at(parser_, line_, &memory, ec, error_offset);
            std::string error;
            if (ec && cut_by_error) {
                read_failed(in_, line, "the line is truncated");
                continue;
            }
            if (ec) {
                error =
                    "not JSON: " + ec.message() + " at column " + std::to_string(error_offset + 1);
            } else {
                error = record_from(value, out);
            }
            if (!error.empty()) {
                malformed(line_location(line), error);
                continue;
            }
            out.line = line;
            out.late = false;
            yielded(out);
            return true;
        }
        return false;
    }

private:
    static constexpr std::size_t kScratchBytes = 64 * 1024;
    InputFile in_;
    std::string line_;
    std::unique_ptr<unsigned char[]> scratch_;
    json::parser parser_;  // reused: its stack grows once
};

}  // namespace

std::unique_ptr<RecordReader> make_jsonl_reader(const std::string& path, bool strict) {
    return std::make_unique<JsonlReader>(path, strict);
}

}  // namespace volley::replay
