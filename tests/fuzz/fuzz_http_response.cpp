// Fuzz target: the HTTP/1.1 response parser (targets/http_response_parser.hpp) driven the way
// HttpConnection reads a response (targets/http_connection.cpp): bytes arrive in pieces, put()
// parses what is buffered, interim 1xx responses are skipped for the final one, a body to the
// connection's end is finished by put_eof(), then the status is classified and the cache header
// mapped to a tier. Bad input must end in an error code from put()/put_eof(), never a crash, a
// hang, a read out of bounds or undefined behaviour.
//
// Input: byte 0 holds flags (bit 0: a HEAD request; bit 1: capture fields and body; bit 2: a
// cache header with `hit` values, bit 3: a tier-naming cache header), byte 1 the size of each
// piece the bytes arrive in (1..256), the rest is what the server sent. Seeds
// (corpus/http_response/README.md): real responses, chunked bodies, 1xx sequences, bodiless ones.
#include "targets/http_response_parser.hpp"

#include <boost/beast/core/flat_buffer.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace {

using volley::targets::ResponseCapture;
using volley::targets::ResponseParser;

constexpr std::uint64_t kBodyLimitBytes = std::uint64_t{64} * 1024;

// Parses what `buffer` holds; skips interim responses. True when the final response is done.
bool parse_buffered(boost::beast::flat_buffer& buffer, std::optional<ResponseParser>& parser,
                    const std::string& cache_lc, bool head, ResponseCapture* capture,
                    bool& failed) {
    for (;;) {
        boost::system::error_code ec;
        parser->put_buffered(buffer, ec);
        if (ec) {
            failed = true;
            return false;
        }
        if (!parser->is_done()) return false;
        if (!parser->interim()) return true;
        if (capture) capture->clear();
        parser.emplace(cache_lc, kBodyLimitBytes, head, capture);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const bool head = (data[0] & 1) != 0;
    const bool capture_on = (data[0] & 2) != 0;
    std::optional<volley::targets::HttpCacheHeader> cache;
    if ((data[0] & 12) != 0) {
        cache.emplace();
        cache->header = "X-Cache";
        if ((data[0] & 4) != 0) cache->hit = {"HIT", "TCP_HIT"};
    }
    const std::string cache_lc = cache ? "x-cache" : "";
    const std::size_t piece = std::size_t{data[1]} + 1;
    data += 2;
    size -= 2;

    ResponseCapture capture;
    ResponseCapture* captured = capture_on ? &capture : nullptr;
    std::optional<ResponseParser> parser;
    parser.emplace(cache_lc, kBodyLimitBytes, head, captured);
    boost::beast::flat_buffer buffer;
    bool failed = false;
    bool done = false;
    std::size_t offset = 0;
    while (!done && !failed && offset < size) {
        const std::size_t n = std::min(piece, size - offset);
        auto space = buffer.prepare(n);
        std::copy_n(data + offset, n, static_cast<std::uint8_t*>(space.data()));
        buffer.commit(n);
        offset += n;
        done = parse_buffered(buffer, parser, cache_lc, head, captured, failed);
    }
    if (!done && !failed && parser->need_eof()) {
        // The server closed the connection: the body ran to its end.
        boost::system::error_code ec;
        parser->put_eof(ec);
        done = !ec && parser->is_done();
    }
    if (done) {
        const int status = parser->status();
        (void)volley::targets::classify_status({}, status);
        (void)volley::targets::classify_status({200, 204}, status);
        (void)volley::targets::tier_of(cache, parser->cache_value());
        (void)parser->reusable();
        // The parser's contract (http_response_parser.hpp): a kept body within the limit, and
        // none at all after HEAD, 204 or 304 whatever the headers announced.
        if (capture.body.size() > kBodyLimitBytes) __builtin_trap();
        if ((head || status == 204 || status == 304) && !capture.body.empty()) __builtin_trap();
    }
    return 0;
}
