// One recorded request as every replay reader yields it, and the reader seam (docs/replay.md).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace volley::replay {

struct ReplayRecord {
    std::int64_t ts_ns = 0;  // capture time, ns since the Unix epoch
    std::string method;      // "GET"
    std::string target;      // origin form: path and query ("/a?b=1"), never empty
    std::vector<std::pair<std::string, std::string>> headers;  // as recorded, in order
    std::string body;
    std::uint64_t ordinal = 0;  // 0-based position among the file's requests (sampling key)
    std::uint64_t line = 0;     // 1-based line where the record starts (HAR: entry index)
    bool late = false;          // arrived behind the reorder window; ts_ns was moved forward
    // The recorded client connection, as connection_id() of the capture's connection key;
    // 0 when the capture does not say (docs/replay.md "Per-connection ordering").
    std::uint64_t connection = 0;
};

// A connection key as the capture writes it ("17", "10.0.0.5:51234") -> a non-zero id.
// FNV-1a: two keys sharing an id only serialise their requests, they are not mixed up otherwise.
[[nodiscard]] inline std::uint64_t connection_id(std::string_view key) {
    if (key.empty()) return 0;
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const unsigned char c : key) hash = (hash ^ c) * 0x100000001b3ULL;
    return hash == 0 ? 1 : hash;
}

// Where a skipped record was, and why it was skipped.
struct MalformedRecord {
    std::string location;  // "line 17" or "log.entries[3]"
    std::string reason;
};

// A capture that cannot be read (missing file, invalid HAR) or, with `strict`, a malformed
// record. Apps exit 2 with what().
class ReplayInputError : public std::runtime_error {
public:
    ReplayInputError(const std::string& file, const std::string& location,
                     const std::string& reason)
        : std::runtime_error(file + (location.empty() ? "" : ": " + location) + ": " + reason) {}
};

// What a reader saw besides the records it yielded.
struct ReaderCounts {
    std::uint64_t requests = 0;  // records yielded
    std::uint64_t non_requests =
        0;                        // well-formed records that are not requests (GoReplay responses)
    std::uint64_t malformed = 0;  // skipped
    std::vector<MalformedRecord> first_malformed;  // at most kMaxListed
    static constexpr std::size_t kMaxListed = 20;
};

class InputFile;

// Streams one capture file's requests in file order. Not thread-safe.
class RecordReader {
public:
    RecordReader(std::string file, bool strict) : file_(std::move(file)), strict_(strict) {}
    virtual ~RecordReader() = default;
    // The next request (ordinal and line set); false at the end of the file.
    virtual bool next(ReplayRecord& out) = 0;
    [[nodiscard]] const ReaderCounts& counts() const { return counts_; }

protected:
    // Counts a skipped record; throws ReplayInputError instead when strict.
    void malformed(std::string location, std::string reason);
    // Line-based formats (access logs, JSONL): the next line that is not blank, into `line`,
    // its 1-based number into `number`; false at the end of the file. Lines longer than
    // `max_bytes` and a read error at the end are counted malformed here. `cut_by_error`: the
    // file ends inside this line because reading failed (the caller says why it is malformed).
    bool next_line(InputFile& in, std::size_t max_bytes, std::string& line, std::uint64_t& number,
                   bool& cut_by_error);
    // A read error that ended the file (a cut gzip stream), counted malformed once, at line
    // `number`: the reason is the error, after `what` when given ("the line is truncated").
    void read_failed(const InputFile& in, std::uint64_t number, std::string_view what = {});
    [[nodiscard]] static std::string line_location(std::uint64_t number) {
        return "line " + std::to_string(number);
    }
    // Sets ordinal, counts the request.
    void yielded(ReplayRecord& record) { record.ordinal = counts_.requests++; }
    void non_request() { ++counts_.non_requests; }
    [[nodiscard]] const std::string& file() const { return file_; }
    [[nodiscard]] bool strict() const { return strict_; }
    ReaderCounts& mutable_counts() { return counts_; }

private:
    std::string file_;
    bool strict_;
    ReaderCounts counts_;
    bool reported_read_failure_ = false;
};

}  // namespace volley::replay
