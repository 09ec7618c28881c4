#include "replay/input_file.hpp"

#include "replay/record.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace volley::replay {
namespace {

constexpr std::size_t kBufferBytes = 1 << 20;

gzFile handle(void* gz) { return static_cast<gzFile>(gz); }

}  // namespace

InputFile::InputFile(const std::string& path) : path_(path), buffer_(kBufferBytes) {
    gz_ = gzopen(path.c_str(), "rb");
    if (!gz_) {
        throw ReplayInputError(path, "", errno ? std::strerror(errno) : "cannot open the file");
    }
    gzbuffer(handle(gz_), 256 * 1024);
}

InputFile::~InputFile() {
    if (gz_) gzclose(handle(gz_));
}

bool InputFile::fill() {
    if (eof_) return false;
    if (begin_ > 0) {
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (end_ == buffer_.size())
        buffer_.resize(buffer_.size() * 2);  // a delimiter longer than the buffer
    const auto room = static_cast<unsigned>(std::min<std::size_t>(buffer_.size() - end_, 1U << 30));
    const int got = gzread(handle(gz_), buffer_.data() + end_, room);
    if (got <= 0) {
        eof_ = true;
        int code = Z_OK;
        const char* message = gzerror(handle(gz_), &code);
        if (got < 0 || (code != Z_OK && code != Z_STREAM_END)) {
            error_ = code == Z_BUF_ERROR
                         ? "the gzip stream is truncated"
                         : std::string("read error: ") + (message ? message : "unknown");
        }
        return false;
    }
    end_ += static_cast<std::size_t>(got);
    if (!started_) {
        // A UTF-8 byte-order mark (editors and Windows tools write one) is not part of the
        // content. Lines count as if it were not there.
        started_ = true;
        constexpr std::string_view kBom = "\xEF\xBB\xBF";
        if (std::string_view(buffer_.data() + begin_, end_ - begin_).substr(0, kBom.size()) == kBom)
            begin_ += kBom.size();
    }
    return true;
}

void InputFile::take(std::size_t count, std::string& out, std::size_t max_bytes, bool& overflow) {
    const char* from = buffer_.data() + begin_;
    line_ += static_cast<std::uint64_t>(std::count(from, from + count, '\n'));
    const std::size_t room = out.size() < max_bytes ? max_bytes - out.size() : 0;
    if (count > room) overflow = true;
    out.append(from, std::min(count, room));
    begin_ += count;
}

InputFile::Read InputFile::read_until(std::string_view delimiter, std::string& out,
                                      std::size_t max_bytes) {
    out.clear();
    bool overflow = false;
    bool any = false;
    while (true) {
        const std::string_view unread(buffer_.data() + begin_, end_ - begin_);
        const auto at = unread.find(delimiter);
        if (at != std::string_view::npos) {
            take(at, out, max_bytes, overflow);
            std::string discard;
            bool ignored = false;
            take(delimiter.size(), discard, 0, ignored);
            return overflow ? Read::too_long : Read::complete;
        }
        // Keep a possible delimiter prefix at the end of the buffer for the next search.
        const std::size_t keep = std::min(unread.size(), delimiter.size() - 1);
        if (unread.size() > keep) {
            any = true;
            take(unread.size() - keep, out, max_bytes, overflow);
        }
        if (!fill()) {
            if (end_ > begin_) {
                any = true;
                take(end_ - begin_, out, max_bytes, overflow);
            }
            return any ? Read::partial : Read::end;
        }
    }
}

InputFile::Read InputFile::read_line(std::string& out, std::size_t max_bytes) {
    const Read result = read_until("\n", out, max_bytes);
    if (!out.empty() && out.back() == '\r') out.pop_back();
    return result;
}

bool InputFile::read_rest(std::string& out, std::size_t max_bytes) {
    do {
        bool overflow = false;
        take(end_ - begin_, out, max_bytes, overflow);
        if (overflow) return false;
    } while (fill());
    return true;
}

}  // namespace volley::replay
