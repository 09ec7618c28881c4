// HdrHistogram V2 encodings (docs/hdr.md §8) and RFC 4648 base64.
#include "reports/hdr_codec.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <limits>
#include <optional>
#include <stdexcept>

namespace volley::reports {
namespace {

using engine::HdrHistogram;

constexpr std::uint32_t kCookieWordSizeBits = 0xf0;
// §8.5: cookie bases (word-size bits 4–7 cleared).
constexpr std::uint32_t kV0EncodingCookieBase = 0x1c849308;
constexpr std::uint32_t kV0CompressedCookieBase = 0x1c849309;
constexpr std::uint32_t kV1EncodingCookieBase = 0x1c849301;
constexpr std::uint32_t kV1CompressedCookieBase = 0x1c849302;
constexpr std::uint32_t kV2EncodingCookieBase = 0x1c849303;
constexpr std::uint32_t kV2CompressedCookieBase = 0x1c849304;
// Java's DoubleHistogram wraps a Histogram in its own cookie; volley has no DoubleHistogram.
constexpr std::uint32_t kDoubleHistogramCookie = 0x0c72124e;
constexpr std::uint32_t kDoubleHistogramCompressedCookie = 0x0c72124f;
constexpr std::size_t kV0HeaderBytes = 32;
// ZigZag LEB128-64b9B never needs more than 9 bytes.
constexpr std::size_t kMaxBytesPerCount = 9;

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error("HdrHistogram decode: " + what);
}

void put_u32(Bytes& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<std::uint8_t>(v >> shift));
}
void put_u64(Bytes& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8)
        out.push_back(static_cast<std::uint8_t>(v >> shift));
}
void set_u32(std::uint8_t* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}
std::uint32_t get_u32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
}
std::uint64_t get_u64(const std::uint8_t* p) {
    return (std::uint64_t{get_u32(p)} << 32) | get_u32(p + 4);
}

std::string cookie_text(std::uint32_t cookie) {
    char hex[24];
    std::snprintf(hex, sizeof hex, "cookie 0x%08x", cookie);
    return hex;
}

// §8.2 emit(): ZigZag, then LEB128 with a full 8-bit 9th byte.
void put_zigzag(Bytes& out, std::int64_t n) {
    std::uint64_t u = (static_cast<std::uint64_t>(n) << 1) ^ static_cast<std::uint64_t>(n >> 63);
    for (int i = 0; i < 8; ++i) {
        if (u < 0x80) {
            out.push_back(static_cast<std::uint8_t>(u));
            return;
        }
        out.push_back(static_cast<std::uint8_t>((u & 0x7f) | 0x80));
        u >>= 7;
    }
    out.push_back(static_cast<std::uint8_t>(u));
}

// Reads one ZigZag LEB128-64b9B number at pos (advanced); fails if it is truncated.
std::int64_t get_zigzag(std::span<const std::uint8_t> payload, std::size_t& pos) {
    const std::size_t start = pos;
    std::uint64_t u = 0;
    for (int i = 0; i < 9; ++i) {
        if (pos >= payload.size()) {
            fail("payload ends inside a LEB128 number starting at payload byte " +
                 std::to_string(start));
        }
        const std::uint64_t byte = payload[pos++];
        if (i == 8) {
            u |= byte << 56;
            break;
        }
        u |= (byte & 0x7f) << (7 * i);
        if ((byte & 0x80) == 0) break;
    }
    return static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
}

// §8.1 / §8.5: what a header says, whatever the version.
struct Header {
    int version = 2;                      // 0, 1 or 2
    std::size_t header_bytes = 0;         // 32 (V0) or 40
    std::size_t word_bytes = 0;           // V0/V1: 2, 4 or 8 (fixed-width counts); V2: 0 (LEB128)
    std::optional<std::int32_t> payload;  // payload length; V0 has none (counts run to the end)
    int significant_figures = 0;
    std::int64_t lowest = 0;
    std::int64_t highest = 0;
};

bool is_double_histogram_cookie(std::uint32_t cookie) {
    return cookie == kDoubleHistogramCookie || cookie == kDoubleHistogramCompressedCookie;
}

[[noreturn]] void unknown_cookie(std::uint32_t cookie) {
    if (is_double_histogram_cookie(cookie)) {
        fail(cookie_text(cookie) + " is a Java DoubleHistogram encoding, which is not supported");
    }
    fail(cookie_text(cookie) +
         " is not an HdrHistogram encoding cookie (V2 0x1c849313, V1 0x1c849301, V0 0x1c849308, "
         "or their compressed forms)");
}

// Java's getWordSizeInBytesFromCookie() for V0/V1: bits 5–7 of the cookie's low byte.
std::size_t fixed_word_bytes(std::uint32_t cookie) {
    const std::size_t word_bytes = ((cookie & kCookieWordSizeBits) >> 4) & 0xe;
    if (word_bytes != 2 && word_bytes != 4 && word_bytes != 8) {
        fail(cookie_text(cookie) + " gives a count word size of " + std::to_string(word_bytes) +
             " bytes (2, 4 or 8 expected)");
    }
    return word_bytes;
}

// The header size an uncompressed encoding with this cookie has; 0 when the cookie is not one.
std::size_t uncompressed_header_bytes(std::uint32_t cookie) {
    switch (cookie & ~kCookieWordSizeBits) {
        case kV2EncodingCookieBase:
        case kV1EncodingCookieBase: return kHdrV2HeaderBytes;
        case kV0EncodingCookieBase: return kV0HeaderBytes;
        default: return 0;
    }
}

Header read_header(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < 4) {
        fail("encoding is " + std::to_string(bytes.size()) + " bytes, shorter than its cookie");
    }
    const std::uint32_t cookie = get_u32(bytes.data());
    const std::uint32_t base = cookie & ~kCookieWordSizeBits;
    Header header;
    header.header_bytes = uncompressed_header_bytes(cookie);
    if (header.header_bytes == 0) {
        if (base == kV2CompressedCookieBase || base == kV1CompressedCookieBase ||
            base == kV0CompressedCookieBase) {
            fail(cookie_text(cookie) +
                 " is a compressed encoding where an uncompressed one was expected");
        }
        unknown_cookie(cookie);
    }
    header.version = base == kV2EncodingCookieBase ? 2 : base == kV1EncodingCookieBase ? 1 : 0;
    const char* name = header.version == 2 ? "V2" : header.version == 1 ? "V1" : "V0";
    if (bytes.size() < header.header_bytes) {
        fail("encoding is " + std::to_string(bytes.size()) + " bytes, shorter than the " +
             std::to_string(header.header_bytes) + "-byte " + name + " header");
    }
    if (header.version != 2) header.word_bytes = fixed_word_bytes(cookie);
    if (header.version == 0) {
        // §8.5 V0: cookie, S, L, H, total count (ignored, as Java does).
        header.significant_figures = static_cast<std::int32_t>(get_u32(bytes.data() + 4));
        header.lowest = static_cast<std::int64_t>(get_u64(bytes.data() + 8));
        header.highest = static_cast<std::int64_t>(get_u64(bytes.data() + 16));
        return header;
    }
    const auto payload_length = static_cast<std::int32_t>(get_u32(bytes.data() + 4));
    header.significant_figures = static_cast<std::int32_t>(get_u32(bytes.data() + 12));
    header.lowest = static_cast<std::int64_t>(get_u64(bytes.data() + 16));
    header.highest = static_cast<std::int64_t>(get_u64(bytes.data() + 24));
    if (payload_length < 0) fail("negative payload length " + std::to_string(payload_length));
    header.payload = payload_length;
    return header;
}

// The most payload bytes a decoder reads: 9 per slot (V2), or 8 per slot for V0/V1 whatever
// their word size (Java reads at most counts_length * 8 bytes, its Histogram's word size).
std::size_t max_payload_bytes(const Header& header, const HdrHistogram& histogram) {
    return (header.word_bytes == 0 ? kMaxBytesPerCount : sizeof(std::int64_t)) *
           histogram.counts_length();
}

HdrHistogram make_histogram(const Header& header) {
    try {
        HdrHistogram histogram(header.lowest, header.highest, header.significant_figures);
        if (header.payload &&
            static_cast<std::uint64_t>(*header.payload) > max_payload_bytes(header, histogram)) {
            fail("payload length " + std::to_string(*header.payload) +
                 " exceeds what the counts array of " + std::to_string(histogram.counts_length()) +
                 " slots can need");
        }
        return histogram;
    } catch (const std::invalid_argument& e) {
        fail(std::string("invalid histogram parameters in header: ") + e.what());
    }
}

// §8.2: zero-run ZigZag LEB128-64b9B counts.
void decode_leb128_payload(HdrHistogram& histogram, std::span<const std::uint8_t> payload) {
    const std::size_t length = histogram.counts_length();
    std::size_t index = 0;
    std::size_t pos = 0;
    while (pos < payload.size()) {
        const std::int64_t n = get_zigzag(payload, pos);
        if (n < 0) {
            if (n == std::numeric_limits<std::int64_t>::min() ||
                static_cast<std::uint64_t>(-n) > length - index) {
                fail("zero run of " + std::to_string(n) + " slots at slot " +
                     std::to_string(index) + " runs past the counts array length " +
                     std::to_string(length));
            }
            index += static_cast<std::size_t>(-n);
            continue;
        }
        if (index >= length) {
            fail("payload holds more slots than the counts array length " + std::to_string(length));
        }
        if (n > 0) histogram.set_count_at_index(index, n);
        ++index;
    }
}

// §8.5: V0/V1 counts, one big-endian signed word of word_bytes per slot from slot 0. Zero words
// past the counts array are accepted (a V0 payload is zero-padded to the array Java allocated).
void decode_fixed_payload(HdrHistogram& histogram, std::span<const std::uint8_t> payload,
                          std::size_t word_bytes) {
    if (payload.size() % word_bytes != 0) {
        fail("payload of " + std::to_string(payload.size()) + " bytes is not a whole number of " +
             std::to_string(word_bytes) + "-byte counts");
    }
    const std::size_t length = histogram.counts_length();
    for (std::size_t index = 0; index * word_bytes < payload.size(); ++index) {
        const std::uint8_t* word = payload.data() + index * word_bytes;
        std::uint64_t bits = 0;
        for (std::size_t k = 0; k < word_bytes; ++k) bits = (bits << 8) | word[k];
        const unsigned unused_bits = 64 - 8 * static_cast<unsigned>(word_bytes);
        // Sign-extend the word (Java reads short/int/long).
        const auto count = static_cast<std::int64_t>(bits << unused_bits) >> unused_bits;
        if (count == 0) continue;
        if (count < 0) {
            fail("negative count " + std::to_string(count) + " at slot " + std::to_string(index));
        }
        if (index >= length) {
            fail("payload holds more slots than the counts array length " + std::to_string(length));
        }
        histogram.set_count_at_index(index, count);
    }
}

void decode_payload(HdrHistogram& histogram, const Header& header,
                    std::span<const std::uint8_t> payload) {
    try {
        if (header.word_bytes == 0) {
            decode_leb128_payload(histogram, payload);
        } else {
            decode_fixed_payload(histogram, payload, header.word_bytes);
        }
    } catch (const std::invalid_argument& e) {
        fail(std::string("bad count: ") + e.what());
    }
}

// Inflates up to n bytes into out; returns how many were produced. Sets ended when the zlib
// stream's end was reached.
std::size_t inflate_some(z_stream& stream, std::uint8_t* out, std::size_t n, bool& ended) {
    stream.next_out = out;
    stream.avail_out = static_cast<uInt>(n);
    while (stream.avail_out > 0 && !ended) {
        const int rc = inflate(&stream, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            ended = true;
        } else if (rc == Z_BUF_ERROR) {
            break;  // no more input: truncated stream, reported by the caller
        } else if (rc != Z_OK) {
            fail(std::string("invalid zlib stream: ") + (stream.msg ? stream.msg : zError(rc)));
        }
    }
    return n - stream.avail_out;
}

// Inflates exactly n bytes or fails, naming `what` is being read.
void inflate_exactly(z_stream& stream, std::uint8_t* out, std::size_t n, bool& ended,
                     const char* what) {
    if (inflate_some(stream, out, n, ended) == n) return;
    if (!ended) fail("zlib stream is truncated");
    fail(std::string("inflated data ends inside the ") + what);
}

struct InflateGuard {
    z_stream& stream;
    ~InflateGuard() { inflateEnd(&stream); }
};

}  // namespace

Bytes encode_uncompressed(const HdrHistogram& histogram) {
    const std::size_t limit =
        std::min(histogram.counts_index(histogram.max()) + 1, histogram.counts_length());
    Bytes out;
    out.reserve(kHdrV2HeaderBytes + kMaxBytesPerCount * limit);
    put_u32(out, kHdrV2EncodingCookie);
    put_u32(out, 0);  // payload length, patched below
    put_u32(out, 0);  // normalizing index offset
    put_u32(out, static_cast<std::uint32_t>(histogram.significant_figures()));
    put_u64(out, static_cast<std::uint64_t>(histogram.lowest_discernible_value()));
    put_u64(out, static_cast<std::uint64_t>(histogram.highest_trackable_value()));
    put_u64(out, std::bit_cast<std::uint64_t>(1.0));  // integer-to-double conversion ratio
    for (std::size_t i = 0; i < limit;) {
        const std::int64_t count = histogram.count_at_index(i++);
        if (count != 0) {
            put_zigzag(out, count);
            continue;
        }
        std::int64_t zeros = 1;
        while (i < limit && histogram.count_at_index(i) == 0) {
            ++zeros;
            ++i;
        }
        put_zigzag(out, zeros > 1 ? -zeros : 0);
    }
    set_u32(out.data() + 4, static_cast<std::uint32_t>(out.size() - kHdrV2HeaderBytes));
    return out;
}

Bytes encode_compressed(const HdrHistogram& histogram, int zlib_level) {
    const Bytes raw = encode_uncompressed(histogram);
    uLongf compressed_length = compressBound(static_cast<uLong>(raw.size()));
    Bytes out(kHdrV2CompressedHeaderBytes + compressed_length);
    const int rc = compress2(out.data() + kHdrV2CompressedHeaderBytes, &compressed_length,
                             raw.data(), static_cast<uLong>(raw.size()), zlib_level);
    if (rc != Z_OK) {
        throw std::runtime_error(std::string("HdrHistogram encode: zlib compress2 failed: ") +
                                 zError(rc));
    }
    out.resize(kHdrV2CompressedHeaderBytes + compressed_length);
    set_u32(out.data(), kHdrV2CompressedEncodingCookie);
    set_u32(out.data() + 4, static_cast<std::uint32_t>(compressed_length));
    return out;
}

HdrHistogram decode_uncompressed(std::span<const std::uint8_t> bytes) {
    const Header header = read_header(bytes);
    const std::span<const std::uint8_t> payload = bytes.subspan(header.header_bytes);
    if (header.payload && payload.size() != static_cast<std::size_t>(*header.payload)) {
        fail("payload length field says " + std::to_string(*header.payload) + " bytes but " +
             std::to_string(payload.size()) + " follow the header");
    }
    HdrHistogram histogram = make_histogram(header);
    if (!header.payload && payload.size() > max_payload_bytes(header, histogram)) {
        fail("V0 payload of " + std::to_string(payload.size()) +
             " bytes is longer than the counts array");
    }
    decode_payload(histogram, header, payload);
    return histogram;
}

HdrHistogram decode_compressed(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < kHdrV2CompressedHeaderBytes) {
        fail("compressed encoding is " + std::to_string(bytes.size()) +
             " bytes, shorter than its 8-byte header");
    }
    const std::uint32_t cookie = get_u32(bytes.data());
    const std::uint32_t base = cookie & ~kCookieWordSizeBits;
    std::size_t inner_header_bytes = kHdrV2HeaderBytes;
    if (base == kV0CompressedCookieBase) {
        inner_header_bytes = kV0HeaderBytes;
    } else if (base != kV2CompressedCookieBase && base != kV1CompressedCookieBase) {
        if (uncompressed_header_bytes(cookie) != 0) {
            fail(cookie_text(cookie) +
                 " is an uncompressed encoding where a compressed one was expected");
        }
        unknown_cookie(cookie);
    }
    const auto compressed_length = static_cast<std::int32_t>(get_u32(bytes.data() + 4));
    if (compressed_length < 0 ||
        static_cast<std::size_t>(compressed_length) != bytes.size() - kHdrV2CompressedHeaderBytes) {
        fail("compressed length field says " + std::to_string(compressed_length) + " bytes but " +
             std::to_string(bytes.size() - kHdrV2CompressedHeaderBytes) + " are present");
    }
    z_stream stream{};
    if (inflateInit(&stream) != Z_OK)
        throw std::runtime_error("HdrHistogram decode: inflateInit failed");
    const InflateGuard guard{stream};
    stream.next_in = const_cast<Bytef*>(bytes.data() + kHdrV2CompressedHeaderBytes);
    stream.avail_in = static_cast<uInt>(compressed_length);

    bool ended = false;
    Bytes raw(inner_header_bytes);
    const std::string header_name = std::to_string(inner_header_bytes) + "-byte header";
    inflate_exactly(stream, raw.data(), raw.size(), ended, header_name.c_str());
    const std::uint32_t inner_cookie = get_u32(raw.data());
    if (uncompressed_header_bytes(inner_cookie) != 0 &&
        uncompressed_header_bytes(inner_cookie) != inner_header_bytes) {
        fail("inner " + cookie_text(inner_cookie) + " does not match the outer " +
             cookie_text(cookie));
    }
    const Header header = read_header(raw);
    HdrHistogram histogram = make_histogram(header);
    if (header.payload) {
        raw.resize(inner_header_bytes + static_cast<std::size_t>(*header.payload));
        inflate_exactly(stream, raw.data() + inner_header_bytes,
                        static_cast<std::size_t>(*header.payload), ended,
                        "payload (shorter than its length field says)");
        if (!ended) {
            std::uint8_t extra = 0;
            if (inflate_some(stream, &extra, 1, ended) != 0) {
                fail("inflated data is longer than the payload length field says");
            }
        }
    } else {
        // V0: the counts run to the end of the stream, at most one word per slot.
        const std::size_t limit = max_payload_bytes(header, histogram);
        raw.resize(inner_header_bytes + limit);
        const std::size_t produced =
            inflate_some(stream, raw.data() + inner_header_bytes, limit, ended);
        raw.resize(inner_header_bytes + produced);
        if (!ended) {
            std::uint8_t extra = 0;
            if (inflate_some(stream, &extra, 1, ended) != 0) {
                fail("V0 payload is longer than the counts array");
            }
        }
    }
    if (!ended) fail("zlib stream is truncated");
    if (stream.avail_in != 0) fail("bytes left over after the end of the zlib stream");
    decode_payload(histogram, header,
                   std::span<const std::uint8_t>(raw).subspan(inner_header_bytes));
    return histogram;
}

HdrHistogram decode(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < 4) {
        fail("encoding is " + std::to_string(bytes.size()) + " bytes, shorter than its cookie");
    }
    const std::uint32_t cookie = get_u32(bytes.data());
    if (uncompressed_header_bytes(cookie) != 0) return decode_uncompressed(bytes);
    const std::uint32_t base = cookie & ~kCookieWordSizeBits;
    if (base == kV2CompressedCookieBase || base == kV1CompressedCookieBase ||
        base == kV0CompressedCookieBase) {
        return decode_compressed(bytes);
    }
    unknown_cookie(cookie);
}

namespace {
constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> make_base64_table() {
    std::array<std::int8_t, 256> table{};
    table.fill(-1);
    for (std::size_t i = 0; i < kBase64Alphabet.size(); ++i) {
        table[static_cast<std::uint8_t>(kBase64Alphabet[i])] = static_cast<std::int8_t>(i);
    }
    return table;
}
constexpr std::array<std::int8_t, 256> kBase64Values = make_base64_table();
}  // namespace

std::string base64_encode(std::span<const std::uint8_t> bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t group =
            (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
        for (int shift = 18; shift >= 0; shift -= 6)
            out.push_back(kBase64Alphabet[(group >> shift) & 63]);
    }
    const std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        std::uint32_t group = std::uint32_t{bytes[i]} << 16;
        if (rest == 2) group |= std::uint32_t{bytes[i + 1]} << 8;
        out.push_back(kBase64Alphabet[(group >> 18) & 63]);
        out.push_back(kBase64Alphabet[(group >> 12) & 63]);
        out.push_back(rest == 2 ? kBase64Alphabet[(group >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

Bytes base64_decode(std::string_view text) {
    const auto bad = [](const std::string& what) -> void {
        throw std::runtime_error("base64 decode: " + what);
    };
    if (text.size() % 4 != 0)
        bad("length " + std::to_string(text.size()) + " is not a multiple of 4");
    std::size_t padding = 0;
    if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
    Bytes out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        std::uint32_t group = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            const char c = text[i + j];
            std::int8_t value = kBase64Values[static_cast<std::uint8_t>(c)];
            if (c == '=' && last && j >= 4 - padding) value = 0;
            if (value < 0) bad("invalid character at offset " + std::to_string(i + j));
            group = (group << 6) | static_cast<std::uint32_t>(value);
        }
        const std::size_t produced = last ? 3 - padding : 3;
        if (last && padding > 0 && (group & ((1U << (8 * padding)) - 1)) != 0) {
            bad("non-zero padding bits (not canonical)");
        }
        for (std::size_t k = 0; k < produced; ++k)
            out.push_back(static_cast<std::uint8_t>(group >> (16 - 8 * k)));
    }
    return out;
}

std::string encode_compressed_base64(const HdrHistogram& histogram) {
    return base64_encode(encode_compressed(histogram));
}

HdrHistogram decode_base64(std::string_view text) { return decode(base64_decode(text)); }

}  // namespace volley::reports
