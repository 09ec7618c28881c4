// The capture readers (docs/replay.md "Formats"). Each streams its file in constant memory,
// except HAR, which is parsed whole (files up to kMaxHarBytes).
#pragma once

#include "replay/record.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace volley::replay {

// GoReplay: "<type> <id> <timestamp_ns> <latency_ns>\n<raw HTTP>\n🐵🙈🙉\n" per record, plain or
// gzip. Requests (type 1) are yielded; responses (2, 3) are counted as non-requests.
inline constexpr std::string_view kGorSeparator =
    "\n\xF0\x9F\x90\xB5\xF0\x9F\x99\x88\xF0\x9F\x99\x89\n";
// A record longer than this is malformed (and skipped in constant memory).
inline constexpr std::size_t kMaxRecordBytes = std::size_t{64} * 1024 * 1024;

std::unique_ptr<RecordReader> make_gor_reader(const std::string& path, bool strict);

// Our JSONL: one {"ts", "method", "url" | "path", "headers", "body"} object per line.
// ts: Unix time as a number (seconds with fraction; ms, µs or ns told apart by magnitude) or an
// ISO 8601 string.
std::unique_ptr<RecordReader> make_jsonl_reader(const std::string& path, bool strict);

// Access logs written with an nginx log_format ("" or "combined": the combined format,
// "common": without referer and user agent). Whole-second timestamps are spread evenly inside
// their second. Throws std::invalid_argument for an unusable log_format.
std::unique_ptr<RecordReader> make_access_log_reader(const std::string& path,
                                                     const std::string& log_format, bool strict);
// Why `log_format` cannot be used to replay, or "" when it can.
std::string check_log_format(const std::string& log_format);

// HAR 1.2: log.entries[] with startedDateTime and request {method, url, headers, postData}.
inline constexpr std::size_t kMaxHarBytes = std::size_t{512} * 1024 * 1024;
struct HarCapture {
    std::vector<ReplayRecord> records;  // sorted by ts_ns (stable)
    ReaderCounts counts;
};
// Parses the whole file once. Throws ReplayInputError (unreadable, not HAR, too large, or a
// malformed entry when strict).
std::shared_ptr<const HarCapture> read_har(const std::string& path, bool strict);
std::unique_ptr<RecordReader> make_har_reader(std::shared_ptr<const HarCapture> capture,
                                              const std::string& path);

}  // namespace volley::replay
