// V2 encodings and base64 (docs/hdr.md §8).
#include <catch2/catch.hpp>

#include <zlib.h>

#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/hdr_histogram.hpp"
#include "reference_vectors.hpp"
#include "reports/hdr_codec.hpp"

using volley::engine::HdrHistogram;
using namespace volley::reports;
using namespace volley::hdr_test;

namespace {

constexpr std::int64_t kHourUs = 3'600'000'000;

void put_be(Bytes& out, std::uint64_t value, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

// An uncompressed V2 encoding assembled by hand.
Bytes uncompressed(const Bytes& payload, std::int64_t lowest = 1, std::int64_t highest = kHourUs,
                   int figures = 3, std::uint32_t cookie = kHdrV2EncodingCookie,
                   std::int64_t payload_length = -1) {
    Bytes out;
    put_be(out, cookie, 4);
    put_be(out,
           static_cast<std::uint64_t>(payload_length < 0 ? static_cast<std::int64_t>(payload.size())
                                                         : payload_length),
           4);
    put_be(out, 0, 4);
    put_be(out, static_cast<std::uint64_t>(figures), 4);
    put_be(out, static_cast<std::uint64_t>(lowest), 8);
    put_be(out, static_cast<std::uint64_t>(highest), 8);
    put_be(out, 0x3ff0000000000000ULL, 8);
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

Bytes zlib_compress(const Bytes& raw) {
    uLongf length = compressBound(static_cast<uLong>(raw.size()));
    Bytes out(length);
    REQUIRE(compress2(out.data(), &length, raw.data(), static_cast<uLong>(raw.size()), 9) == Z_OK);
    out.resize(length);
    return out;
}

// A compressed V2 encoding wrapping `deflated` (normally zlib_compress of an uncompressed form).
Bytes compressed(const Bytes& deflated, std::uint32_t cookie = kHdrV2CompressedEncodingCookie,
                 std::int64_t length = -1) {
    Bytes out;
    put_be(out, cookie, 4);
    put_be(out,
           static_cast<std::uint64_t>(length < 0 ? static_cast<std::int64_t>(deflated.size())
                                                 : length),
           4);
    out.insert(out.end(), deflated.begin(), deflated.end());
    return out;
}

std::string decode_error(const Bytes& bytes) {
    try {
        (void)decode(bytes);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("worked example of §8.4 encodes byte for byte", "[hdr][codec]") {
    HdrHistogram h(1, kHourUs, 3);
    h.record(1);
    h.record_values(3, 2);
    h.record_values(1000, 300);
    h.record(5000);
    const Bytes expected = {0x1c, 0x84, 0x93, 0x13, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x00,
                            0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                            0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0xd6, 0x93, 0xa4, 0x00, 0x3f,
                            0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x04,
                            0xc7, 0x0f, 0xd8, 0x04, 0xf1, 0x23, 0x02};
    CHECK(encode_uncompressed(h) == expected);

    const Bytes ours = encode_compressed(h);
    REQUIRE(ours.size() > 10);
    CHECK(ours[8] == 0x78);
    CHECK(ours[9] == 0xda);  // zlib header of level 9
    CHECK(encode_compressed_base64(h).starts_with("HISTF"));
    check_same_counts(decode(ours), h);

    const HdrHistogram from_java =
        decode_base64("HISTFAAAACp42pNpmSzMwMDAzQABzFCaEURcm7yEwf4DVISJgeU4/w2Wj8pMAJHtB2A=");
    check_same_counts(from_java, h);
    CHECK(from_java.max() == 5003);
    CHECK(from_java.min() == 1);
}

TEST_CASE("round trips through both encodings", "[hdr][codec]") {
    SECTION("every reference vector, every zlib level") {
        for (const auto& vector_value : reference().at("vectors").as_array()) {
            const auto& vector = vector_value.as_object();
            INFO(std::string_view(vector.at("id").as_string()));
            const HdrHistogram h =
                make_recorded(vector.at("config").as_string(), vector.at("value_set").as_string());
            check_same_counts(decode_uncompressed(encode_uncompressed(h)), h);
            for (const int level : {0, 1, 6, 9}) {
                const HdrHistogram back = decode_compressed(encode_compressed(h, level));
                check_same_counts(back, h);
                CHECK(back.max() == h.max());
                CHECK(back.min() == h.min());
                CHECK(back.min_non_zero() == h.min_non_zero());
            }
        }
    }
    SECTION("an empty histogram is one zero byte of payload") {
        const HdrHistogram empty(1, kHourUs, 3);
        const Bytes raw = encode_uncompressed(empty);
        REQUIRE(raw.size() == kHdrV2HeaderBytes + 1);
        CHECK(raw.back() == 0);
        const HdrHistogram back = decode_base64(encode_compressed_base64(empty));
        CHECK(back.total_count() == 0);
        CHECK(back.max() == 0);
        CHECK(HdrHistogram(1000, kHourUs, 3).max() == 0);
        CHECK(decode(encode_compressed(HdrHistogram(1000, kHourUs, 3))).max() == 0);
    }
    SECTION("counts that need all nine LEB128 bytes") {
        HdrHistogram h(1, kHourUs, 2);
        h.set_count_at_index(1, std::int64_t{1} << 61);
        h.set_count_at_index(5, (std::int64_t{1} << 61) + 12345);
        h.set_count_at_index(200, 1);
        const Bytes raw = encode_uncompressed(h);
        const HdrHistogram back = decode_uncompressed(raw);
        check_same_counts(back, h);
        CHECK(back.count_at_index(5) == (std::int64_t{1} << 61) + 12345);
    }
    SECTION("the word-size bits of the cookie are ignored when reading") {
        HdrHistogram h(1, kHourUs, 3);
        h.record_values(42, 7);
        Bytes raw = encode_uncompressed(h);
        raw[3] = 0x23;  // 0x1c849323: same base cookie, other word size bits
        check_same_counts(decode(raw), h);
    }
}

TEST_CASE("malformed encodings throw runtime_error with a reason", "[hdr][codec]") {
    const Bytes one_count = {0x02};  // slot 0 = 1
    REQUIRE_NOTHROW(decode(uncompressed(one_count)));

    CHECK_THROWS_WITH(decode(Bytes{0x1c, 0x84}), Catch::Contains("shorter than"));
    const Bytes full = uncompressed(one_count);
    CHECK_THROWS_WITH(decode_uncompressed(Bytes(full.begin(), full.begin() + 39)),
                      Catch::Contains("40-byte V2 header"));
    CHECK_THROWS_WITH(decode(Bytes(39, 0)), Catch::Contains("not an HdrHistogram"));
    CHECK_THROWS_WITH(decode(uncompressed(one_count, 1, kHourUs, 3, 0x1c849301)),
                      Catch::Contains("word size of 0 bytes"));
    CHECK_THROWS_WITH(decode_uncompressed(compressed(zlib_compress(uncompressed(one_count)))),
                      Catch::Contains("compressed"));
    CHECK_THROWS_WITH(decode(uncompressed(one_count, 1, kHourUs, 3, kHdrV2EncodingCookie, 5)),
                      Catch::Contains("payload length"));
    CHECK_THROWS_WITH(
        decode(uncompressed(one_count, 1, kHourUs, 3, kHdrV2EncodingCookie, -1 & 0xffffffff)),
        Catch::Contains("negative payload length"));
    CHECK_THROWS_WITH(decode(uncompressed(Bytes{0x02, 0x80})), Catch::Contains("LEB128"));
    CHECK_THROWS_WITH(decode(uncompressed(one_count, 1, kHourUs, 6)),
                      Catch::Contains("parameters"));
    CHECK_THROWS_WITH(decode(uncompressed(one_count, 0, kHourUs, 3)),
                      Catch::Contains("parameters"));
    CHECK_THROWS_WITH(decode(uncompressed(one_count, 100, 150, 3)), Catch::Contains("parameters"));

    // S = 1, H = 100: 32 sub-buckets, bucket_count 3, 64 slots.
    const HdrHistogram tiny(1, 100, 1);
    REQUIRE(tiny.counts_length() == 64);
    CHECK(decode(uncompressed(Bytes{0x7d, 0x02}, 1, 100, 1)).count_at_index(63) == 1);  // run of 63
    CHECK_THROWS_WITH(
        decode(uncompressed(Bytes{0x7f, 0x02}, 1, 100, 1)),  // run of 64, then a count
        Catch::Contains("more slots"));
    CHECK_THROWS_WITH(decode(uncompressed(Bytes{0x81, 0x01}, 1, 100, 1)),  // run of 65
                      Catch::Contains("runs past"));
    CHECK_THROWS_WITH(decode(uncompressed(Bytes(9 * 64 + 1, 0), 1, 100, 1)),
                      Catch::Contains("exceeds"));
    const Bytes huge_counts = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                               0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    CHECK_THROWS_WITH(decode(uncompressed(huge_counts)), Catch::Contains("overflow"));

    const Bytes good_raw = uncompressed(one_count);
    const Bytes deflated = zlib_compress(good_raw);
    REQUIRE_NOTHROW(decode(compressed(deflated)));
    CHECK_THROWS_WITH(decode(compressed(deflated, kHdrV2CompressedEncodingCookie, 3)),
                      Catch::Contains("compressed length"));
    CHECK_THROWS_WITH(decode(Bytes{0x1c, 0x84, 0x93, 0x14, 0, 0}), Catch::Contains("shorter than"));
    CHECK_THROWS_WITH(decode(compressed(Bytes{1, 2, 3, 4, 5, 6})), Catch::Contains("zlib"));
    Bytes truncated(deflated.begin(), deflated.end() - 6);
    CHECK_THROWS_WITH(decode(compressed(truncated)), Catch::Contains("truncated"));
    Bytes trailing = deflated;
    trailing.push_back(0);
    CHECK_THROWS_WITH(decode(compressed(trailing)), Catch::Contains("left over"));
    Bytes longer_raw = good_raw;
    longer_raw.push_back(0x02);  // one byte more than P says
    CHECK_THROWS_WITH(decode(compressed(zlib_compress(longer_raw))), Catch::Contains("longer"));
    Bytes shorter_raw(good_raw.begin(), good_raw.end() - 1);
    CHECK_THROWS_WITH(decode(compressed(zlib_compress(shorter_raw))), Catch::Contains("shorter"));
    CHECK_THROWS_WITH(
        decode(compressed(zlib_compress(Bytes(good_raw.begin(), good_raw.begin() + 20)))),
        Catch::Contains("header"));
    CHECK_THROWS_WITH(
        decode(compressed(zlib_compress(uncompressed(one_count, 1, kHourUs, 3, 0x1c849301)))),
        Catch::Contains("word size of 0 bytes"));
    // Java dispatches on the inner cookie once the outer one says "40-byte header": a V1
    // compressed wrapper around a V2 encoding is read.
    CHECK(decode(compressed(deflated, 0x1c849302)).total_count() == 1);
}

TEST_CASE("base64 follows RFC 4648", "[hdr][base64]") {
    const auto bytes = [](std::string_view text) { return Bytes(text.begin(), text.end()); };
    // RFC 4648 §10 test vectors.
    CHECK(base64_encode(bytes("")) == "");
    CHECK(base64_encode(bytes("f")) == "Zg==");
    CHECK(base64_encode(bytes("fo")) == "Zm8=");
    CHECK(base64_encode(bytes("foo")) == "Zm9v");
    CHECK(base64_encode(bytes("foob")) == "Zm9vYg==");
    CHECK(base64_encode(bytes("fooba")) == "Zm9vYmE=");
    CHECK(base64_encode(bytes("foobar")) == "Zm9vYmFy");
    CHECK(base64_encode(Bytes{0xfb, 0xff, 0xbf}) == "+/+/");
    for (const char* text : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
        CHECK(base64_decode(base64_encode(bytes(text))) == bytes(text));
    }
    CHECK(base64_decode("+/+/") == Bytes{0xfb, 0xff, 0xbf});

    CHECK_THROWS_AS(base64_decode("Zg="), std::runtime_error);       // length
    CHECK_THROWS_AS(base64_decode("Zm9v\n"), std::runtime_error);    // line break
    CHECK_THROWS_AS(base64_decode("Zm 9"), std::runtime_error);      // space
    CHECK_THROWS_AS(base64_decode("Zm-_"), std::runtime_error);      // URL alphabet
    CHECK_THROWS_AS(base64_decode("Z==="), std::runtime_error);      // too much padding
    CHECK_THROWS_AS(base64_decode("Zg==Zm9v"), std::runtime_error);  // padding inside
    CHECK_THROWS_AS(base64_decode("Zh=="), std::runtime_error);      // non-zero padding bits
    CHECK_THROWS_AS(base64_decode("Zm9="), std::runtime_error);
}

namespace {

// Big-endian fixed-width words, the V0/V1 payload (§8.5).
Bytes words(const std::vector<std::int64_t>& counts, int word_bytes) {
    Bytes out;
    for (const std::int64_t count : counts) {
        put_be(out, static_cast<std::uint64_t>(count), word_bytes);
    }
    return out;
}

// §8.5 V0 header: cookie, S, L, H, total count (readers ignore the total).
Bytes v0_uncompressed(const Bytes& payload, std::uint32_t cookie, std::int64_t total) {
    Bytes out;
    put_be(out, cookie, 4);
    put_be(out, 1, 4);    // S
    put_be(out, 1, 8);    // L
    put_be(out, 100, 8);  // H
    put_be(out, static_cast<std::uint64_t>(total), 8);
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

void check_tiny_counts(const HdrHistogram& h) {
    // S = 1, H = 100: 64 slots.
    CHECK(h.counts_length() == 64);
    CHECK(h.significant_figures() == 1);
    CHECK(h.count_at_index(0) == 3);
    CHECK(h.count_at_index(1) == 0);
    CHECK(h.count_at_index(2) == 7);
    CHECK(h.count_at_index(63) == 1);
    CHECK(h.total_count() == 11);
    CHECK(h.max() == h.highest_equivalent_value(h.value_from_index(63)));
}

}  // namespace

TEST_CASE("V1 and V0 encodings decode with the count width their cookie gives", "[hdr][codec]") {
    std::vector<std::int64_t> counts(64, 0);
    counts[0] = 3;
    counts[2] = 7;
    counts[63] = 1;
    for (const int word_bytes : {2, 4, 8}) {
        INFO("word size " << word_bytes);
        const auto size_bits = static_cast<std::uint32_t>(word_bytes) << 4;
        const Bytes v1 = uncompressed(words(counts, word_bytes), 1, 100, 1, 0x1c849301 | size_bits);
        check_tiny_counts(decode(v1));
        check_tiny_counts(decode(compressed(zlib_compress(v1), 0x1c849302 | size_bits)));
        // V1 payloads may stop at the max slot: a shorter one is fine.
        const std::vector<std::int64_t> head(counts.begin(), counts.begin() + 3);
        CHECK(decode(uncompressed(words(head, word_bytes), 1, 100, 1, 0x1c849301 | size_bits))
                  .total_count() == 10);

        const Bytes v0 = v0_uncompressed(words(counts, word_bytes), 0x1c849308 | size_bits, 999);
        check_tiny_counts(decode(v0));
        check_tiny_counts(decode(compressed(zlib_compress(v0), 0x1c849309 | size_bits)));
    }
    // Java pads a V0 payload with zeros past the counts array; zero words there are accepted.
    std::vector<std::int64_t> padded = counts;
    padded.resize(80, 0);
    const Bytes v0_padded = v0_uncompressed(words(padded, 2), 0x1c849328, 11);
    check_tiny_counts(decode(compressed(zlib_compress(v0_padded), 0x1c849329)));
}

TEST_CASE("malformed V1 and V0 encodings throw with a reason", "[hdr][codec]") {
    const std::vector<std::int64_t> one = {1};
    CHECK(
        decode_error(uncompressed(words({-1}, 2), 1, 100, 1, 0x1c849321)).find("negative count") !=
        std::string::npos);
    CHECK(decode_error(uncompressed(Bytes{0, 1, 0}, 1, 100, 1, 0x1c849321))
              .find("whole number of 2-byte counts") != std::string::npos);
    std::vector<std::int64_t> too_many(65, 0);
    too_many[64] = 1;
    CHECK(
        decode_error(uncompressed(words(too_many, 2), 1, 100, 1, 0x1c849321)).find("more slots") !=
        std::string::npos);
    CHECK(decode_error(uncompressed(words(one, 8), 1, 100, 1, 0x1c849361))
              .find("word size of 6 bytes") != std::string::npos);
    CHECK(decode_error(v0_uncompressed(words(std::vector<std::int64_t>(65, 0), 8), 0x1c849388, 0))
              .find("longer than the counts array") != std::string::npos);
    const Bytes v0_empty = v0_uncompressed({}, 0x1c849388, 0);
    CHECK(decode_error(Bytes(v0_empty.begin(), v0_empty.begin() + 20)).find("32-byte V0 header") !=
          std::string::npos);
    // The outer cookie fixes the inner header size: a V0 wrapper around a V1 encoding is refused.
    const Bytes v1 = uncompressed(words(one, 8), 1, 100, 1, 0x1c849381);
    CHECK(decode_error(compressed(zlib_compress(v1), 0x1c849389)).find("does not match") !=
          std::string::npos);
    CHECK(decode_error(compressed(zlib_compress(v1), 0x0c72124f)).find("DoubleHistogram") !=
          std::string::npos);
    CHECK(decode_error(v1).find("no error") != std::string::npos);
}
