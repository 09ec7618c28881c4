// GoReplay capture files (docs/replay.md "GoReplay").
#include "replay/http_message.hpp"
#include "replay/input_file.hpp"
#include "replay/readers.hpp"
#include "replay/time_text.hpp"

#include <charconv>
#include <optional>

namespace volley::replay {
namespace {

struct GorHeader {
    int type = 0;
    std::int64_t timestamp_ns = 0;
    std::string_view connection;  // the optional fifth field, "" when absent
    std::string_view timestamp_text;
    bool timestamp_out_of_range = false;  // digits, but not a time of the years 1900 to 2100
};

// "1 8a3f…c2 1700000000123456789 0" (the latency field is missing in old captures), or with
// a fifth field naming the client connection, as `volley record` writes it: "… 0 17".
std::optional<GorHeader> parse_header(std::string_view line) {
    GorHeader header;
    std::string_view fields[5];
    std::size_t count = 0;
    while (!line.empty() && count < 5) {
        const auto space = line.find(' ');
        fields[count++] = line.substr(0, space);
        line = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
    }
    if (count < 3 || !line.empty() || fields[1].empty()) return std::nullopt;
    if (fields[0].size() != 1 || fields[0][0] < '1' || fields[0][0] > '3') return std::nullopt;
    header.type = fields[0][0] - '0';
    if (count == 5) header.connection = fields[4];
    const auto ts = fields[2];
    header.timestamp_text = ts;
    std::int64_t ns = 0;
    const auto [end, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), ns);
    if (ts.empty() || ts.front() == '-' || end != ts.data() + ts.size()) return std::nullopt;
    if (ec == std::errc::result_out_of_range) {  // more digits than int64 holds
        header.timestamp_out_of_range = true;
        return header;
    }
    if (ec != std::errc()) return std::nullopt;
    const CaptureTime time = capture_time_from_units(ns, 1);
    header.timestamp_out_of_range = !time.ns;
    header.timestamp_ns = time.ns.value_or(0);
    return header;
}

bool blank(std::string_view text) {
    return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

class GorReader final : public RecordReader {
public:
    GorReader(const std::string& path, bool strict) : RecordReader(path, strict), in_(path) {}

    bool next(ReplayRecord& out) override {
        while (true) {
            const std::uint64_t line = in_.line();
            const auto read = in_.read_until(kGorSeparator, raw_, kMaxRecordBytes);
            if (read == InputFile::Read::end) {
                read_failed(in_, line);
                return false;
            }
            if (blank(raw_)) continue;
            if (read == InputFile::Read::too_long) {
                malformed(line_location(line), "the record is longer than 64 MiB");
                continue;
            }
            const auto newline = raw_.find('\n');
            const auto header = parse_header(std::string_view(raw_).substr(0, newline));
            if (newline == std::string::npos || !header) {
                malformed(line_location(line),
                          "the header line is not '<type> <id> <timestamp_ns> <latency_ns> "
                          "[<connection>]'");
                continue;
            }
            if (header->timestamp_out_of_range) {
                malformed(line_location(line), "the timestamp " +
                                                   std::string(header->timestamp_text) + " ns " +
                                                   out_of_range_text());
                continue;
            }
            const std::string_view payload = std::string_view(raw_).substr(newline + 1);
            const bool truncated = read == InputFile::Read::partial;
            if (truncated && in_.failed()) {
                read_failed(in_, line, "the record is truncated");
                continue;
            }
            if (header->type != 1) {
                non_request();
                continue;
            }
            const std::string error = parse_http_request(payload, out);
            if (!error.empty()) {
                malformed(line_location(line),
                          truncated ? "the record is truncated: " + error : error);
                continue;
            }
            out.ts_ns = header->timestamp_ns;
            out.connection = connection_id(header->connection);
            out.line = line;
            out.late = false;
            yielded(out);
            return true;
        }
    }

private:
    InputFile in_;
    std::string raw_;
};

}  // namespace

std::unique_ptr<RecordReader> make_gor_reader(const std::string& path, bool strict) {
    return std::make_unique<GorReader>(path, strict);
}

}  // namespace volley::replay
