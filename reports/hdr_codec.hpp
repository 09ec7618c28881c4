// HdrHistogram binary encodings (docs/hdr.md §8) and RFC 4648 base64.
// Writers produce exactly what Java HdrHistogram 2.1.11 writes (V2); readers accept V2 (either
// word-size bits in the cookie) and the older V1 and V0 encodings (§8.5) that Java 2.1.11 still
// reads, and throw std::runtime_error on malformed input, with a message saying what is wrong.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/hdr_histogram.hpp"

namespace volley::reports {

// Cookies as written (word-size bits 0x10 included); readers mask bits 4–7 off.
inline constexpr std::uint32_t kHdrV2EncodingCookie = 0x1c849313;
inline constexpr std::uint32_t kHdrV2CompressedEncodingCookie = 0x1c849314;
// Uncompressed header size (§8.1) and compressed header size (§8.3), bytes.
inline constexpr std::size_t kHdrV2HeaderBytes = 40;
inline constexpr std::size_t kHdrV2CompressedHeaderBytes = 8;

using Bytes = std::vector<std::uint8_t>;

// §8.1–8.2: cookie 0x1c849313, header, zero-run ZigZag LEB128-64b9B counts up to max()'s slot.
// Byte-for-byte equal to Java's encodeIntoByteBuffer().
[[nodiscard]] Bytes encode_uncompressed(const engine::HdrHistogram& histogram);

// §8.3: cookie 0x1c849314, length, zlib stream (compress2 at zlib_level, 0..9) of the
// uncompressed form. Level 9 is what Java's log writer uses.
[[nodiscard]] Bytes encode_compressed(const engine::HdrHistogram& histogram, int zlib_level = 9);

// Decoders size the histogram from the header's L, H, S. The normalizing index offset and the
// integer-to-double ratio fields are ignored (hdr-histogram-js writes 1 in both; the offset does
// not change logical slots). Uncompressed: V2 0x1c849313, V1 0x1c849301, V0 0x1c849308 (word-size
// bits 4–7 give V0/V1's count width); compressed: 0x1c849314, 0x1c849302, 0x1c849309. Java
// DoubleHistogram encodings (0x0c72124e/f) are refused with a message saying so.
[[nodiscard]] engine::HdrHistogram decode_uncompressed(std::span<const std::uint8_t> bytes);
[[nodiscard]] engine::HdrHistogram decode_compressed(std::span<const std::uint8_t> bytes);
// Any form and version, chosen by the cookie.
[[nodiscard]] engine::HdrHistogram decode(std::span<const std::uint8_t> bytes);

// RFC 4648 standard alphabet with '=' padding, no line breaks.
[[nodiscard]] std::string base64_encode(std::span<const std::uint8_t> bytes);
// Strict: rejects characters outside the alphabet (including whitespace), a length that is not
// a multiple of 4, misplaced padding and non-zero padding bits.
[[nodiscard]] Bytes base64_decode(std::string_view text);

// The Interval_Compressed_Histogram field of an interval log line, and its inverse (which also
// accepts a base64 uncompressed encoding).
[[nodiscard]] std::string encode_compressed_base64(const engine::HdrHistogram& histogram);
[[nodiscard]] engine::HdrHistogram decode_base64(std::string_view text);

}  // namespace volley::reports
