// HdrHistogram V2 encodings (docs/hdr.md §8) and RFC 4648 base64.
#include "reports/hdr_codec.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace volley::reports {
namespace {

using engine::HdrHistogram;

constexpr std::uint32_t kCookieWordSizeBits = 0xf0;
constexpr std::uint32_t kV2EncodingCookieBase = 0x1c849303;
constexpr std::uint32_t kV2CompressedCookieBase = 0x1c849304;
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

struct V2Header {
    std::int32_t payload_length;
    int significant_figures;
    std::int64_t lowest;
    std::int64_t highest;
};

V2Header read_header(std::span<const std::uint8_t> bytes) {
    const auto too_short = [&] {
        fail("encoding is " + std::to_string(bytes.size()) + " bytes, shorter than the " +
             std::to_string(kHdrV2HeaderBytes) + "-byte V2 header");
    };
    if (bytes.size() < 4) too_short();
    const std::uint32_t cookie = get_u32(bytes.data());
    if ((cookie & ~kCookieWordSizeBits) != kV2EncodingCookieBase) {
        if ((cookie & ~kCookieWordSizeBits) == kV2CompressedCookieBase) {
            fail(cookie_text(cookie) +
                 " is a compressed encoding where an uncompressed one was expected");
        }
        fail(cookie_text(cookie) + " is not a V2 encoding cookie (0x1c849313)");
    }
    if (bytes.size() < kHdrV2HeaderBytes) too_short();
    V2Header header{};
    header.payload_length = static_cast<std::int32_t>(get_u32(bytes.data() + 4));
    header.significant_figures = static_cast<std::int32_t>(get_u32(bytes.data() + 12));
    header.lowest = static_cast<std::int64_t>(get_u64(bytes.data() + 16));
    header.highest = static_cast<std::int64_t>(get_u64(bytes.data() + 24));
    if (header.payload_length < 0) {
        fail("negative payload length " + std::to_string(header.payload_length));
    }
    return header;
}

HdrHistogram make_histogram(const V2Header& header) {
    try {
        HdrHistogram histogram(header.lowest, header.highest, header.significant_figures);
        if (static_cast<std::uint64_t>(header.payload_length) >
            kMaxBytesPerCount * histogram.counts_length()) {
            fail("payload length " + std::to_string(header.payload_length) +
                 " exceeds what the counts array of " + std::to_string(histogram.counts_length()) +
                 " slots can need");
        }
        return histogram;
    } catch (const std::invalid_argument& e) {
        fail(std::string("invalid histogram parameters in header: ") + e.what());
    }
}

void decode_payload(HdrHistogram& histogram, std::span<const std::uint8_t> payload) {
    const std::size_t length = histogram.counts_length();
    std::size_t index = 0;
    std::size_t pos = 0;
    try {
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
                fail("payload holds more slots than the counts array length " +
                     std::to_string(length));
            }
            if (n > 0) histogram.set_count_at_index(index, n);
            ++index;
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
    const V2Header header = read_header(bytes);
    const std::size_t expected =
        kHdrV2HeaderBytes + static_cast<std::size_t>(header.payload_length);
    if (bytes.size() != expected) {
        fail("payload length field says " + std::to_string(header.payload_length) + " bytes but " +
             std::to_string(bytes.size() - kHdrV2HeaderBytes) + " follow the header");
    }
    HdrHistogram histogram = make_histogram(header);
    decode_payload(histogram, bytes.subspan(kHdrV2HeaderBytes));
    return histogram;
}

HdrHistogram decode_compressed(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < kHdrV2CompressedHeaderBytes) {
        fail("compressed encoding is " + std::to_string(bytes.size()) +
             " bytes, shorter than its 8-byte header");
    }
    const std::uint32_t cookie = get_u32(bytes.data());
    if ((cookie & ~kCookieWordSizeBits) != kV2CompressedCookieBase) {
        fail(cookie_text(cookie) + " is not a V2 compressed cookie (0x1c849314)");
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
    Bytes raw(kHdrV2HeaderBytes);
    inflate_exactly(stream, raw.data(), raw.size(), ended, "40-byte header");
    const V2Header header = read_header(raw);
    HdrHistogram histogram = make_histogram(header);
    raw.resize(kHdrV2HeaderBytes + static_cast<std::size_t>(header.payload_length));
    inflate_exactly(stream, raw.data() + kHdrV2HeaderBytes,
                    static_cast<std::size_t>(header.payload_length), ended,
                    "payload (shorter than its length field says)");
    if (!ended) {
        std::uint8_t extra = 0;
        if (inflate_some(stream, &extra, 1, ended) != 0) {
            fail("inflated data is longer than the payload length field says");
        }
        if (!ended) fail("zlib stream is truncated");
    }
    if (stream.avail_in != 0) fail("bytes left over after the end of the zlib stream");
    decode_payload(histogram, std::span<const std::uint8_t>(raw).subspan(kHdrV2HeaderBytes));
    return histogram;
}

HdrHistogram decode(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < 4) {
        fail("encoding is " + std::to_string(bytes.size()) + " bytes, shorter than its cookie");
    }
    const std::uint32_t cookie_base = get_u32(bytes.data()) & ~kCookieWordSizeBits;
    if (cookie_base == kV2CompressedCookieBase) return decode_compressed(bytes);
    if (cookie_base == kV2EncodingCookieBase) return decode_uncompressed(bytes);
    fail(cookie_text(get_u32(bytes.data())) + " is not a V2 encoding cookie" +
         " (0x1c849313 or compressed 0x1c849314; V0/V1 encodings are not supported)");
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
