// Buffered, constant-memory reading of a capture file, plain or gzip (zlib reads both). A
// UTF-8 byte-order mark at the start of the (decompressed) content is skipped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace volley::replay {

class InputFile {
public:
    // Throws ReplayInputError when the file cannot be opened.
    explicit InputFile(const std::string& path);
    ~InputFile();
    InputFile(const InputFile&) = delete;
    InputFile& operator=(const InputFile&) = delete;

    enum class Read {
        complete,  // the delimiter was found (and consumed, not stored)
        too_long,  // found, but more than max_bytes preceded it: `out` holds the first max_bytes
        partial,   // the file ended before a delimiter: `out` holds the rest (not empty)
        end,       // nothing left
    };
    // Reads up to `delimiter` into `out` (replaced).
    Read read_until(std::string_view delimiter, std::string& out, std::size_t max_bytes);
    // One line without its "\n" and a trailing "\r".
    Read read_line(std::string& out, std::size_t max_bytes);
    // Everything left (appended to `out`); false when that is more than max_bytes.
    bool read_rest(std::string& out, std::size_t max_bytes);

    // 1-based line number of the next unread byte.
    [[nodiscard]] std::uint64_t line() const { return line_; }
    // The gzip stream ended early or reading failed; the text says how.
    [[nodiscard]] bool failed() const { return !error_.empty(); }
    [[nodiscard]] const std::string& error() const { return error_; }
    [[nodiscard]] const std::string& path() const { return path_; }

private:
    // Reads more bytes behind the unread ones; false at the end of the file.
    bool fill();
    // Moves `count` unread bytes to `out` (up to `max_bytes` in total), counting lines.
    void take(std::size_t count, std::string& out, std::size_t max_bytes, bool& overflow);

    std::string path_;
    void* gz_ = nullptr;  // gzFile
    std::vector<char> buffer_;
    std::size_t begin_ = 0, end_ = 0;  // unread bytes
    bool eof_ = false;
    bool started_ = false;  // the first bytes were read (and a byte-order mark skipped)
    std::uint64_t line_ = 1;
    std::string error_;
};

}  // namespace volley::replay
