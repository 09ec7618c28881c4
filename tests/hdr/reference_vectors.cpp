#include "reference_vectors.hpp"

#include <catch2/catch.hpp>

#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "reports/hdr_codec.hpp"
#include "reports/hgrm.hpp"

namespace volley::hdr_test {
namespace {

boost::json::object parse_object_file(const std::filesystem::path& path) {
    return boost::json::parse(read_text_file(path)).as_object();
}

}  // namespace

std::filesystem::path vectors_dir() {
    return std::filesystem::path(VOLLEY_FIXTURES_DIR) / "hdr-vectors";
}

std::string read_text_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path.string());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

const boost::json::object& reference() {
    static const boost::json::object parsed = parse_object_file(vectors_dir() / "reference.json");
    return parsed;
}

const boost::json::object& sample_expected() {
    static const boost::json::object parsed =
        parse_object_file(vectors_dir() / "sample.expected.json");
    return parsed;
}

std::int64_t as_int(const boost::json::value& value) { return value.to_number<std::int64_t>(); }

double as_double(const boost::json::value& value) { return value.to_number<double>(); }

double percentile_key(std::string_view key) {
    double value = 0.0;
    const auto result = std::from_chars(key.data(), key.data() + key.size(), value);
    if (result.ec != std::errc() || result.ptr != key.data() + key.size()) {
        throw std::runtime_error("bad percentile key " + std::string(key));
    }
    return value;
}

engine::HdrHistogram make_config(std::string_view config_name) {
    const auto& config = reference().at("configs").at(config_name).as_object();
    return engine::HdrHistogram(as_int(config.at("lowest_discernible_value")),
                                as_int(config.at("highest_trackable_value")),
                                static_cast<int>(as_int(config.at("significant_figures"))));
}

engine::HdrHistogram make_recorded(std::string_view config_name, std::string_view value_set) {
    engine::HdrHistogram histogram = make_config(config_name);
    const auto& set = reference().at("value_sets").at(value_set).as_object();
    for (const auto& value : set.at("values").as_array()) histogram.record(as_int(value));
    for (const auto& op_value : set.at("ops").as_array()) {
        const auto& op = op_value.as_array();
        const std::int64_t value = as_int(op.at(0));
        const std::int64_t count = as_int(op.at(1));
        const std::int64_t expected_interval = as_int(op.at(2));
        if (expected_interval > 0) {
            histogram.record_corrected(value, expected_interval);
        } else {
            histogram.record_values(value, count);
        }
    }
    return histogram;
}

void check_statistics(const engine::HdrHistogram& histogram, const boost::json::object& expected) {
    CHECK(histogram.total_count() == as_int(expected.at("total_count")));
    CHECK(histogram.min() == as_int(expected.at("min")));
    const auto& min_non_zero = expected.at("min_non_zero");
    CHECK(
        histogram.min_non_zero() ==
        (min_non_zero.is_null() ? std::numeric_limits<std::int64_t>::max() : as_int(min_non_zero)));
    CHECK(histogram.max() == as_int(expected.at("max")));
    CHECK(histogram.mean() == Approx(as_double(expected.at("mean"))).epsilon(1e-9));
    CHECK(histogram.stddev() == Approx(as_double(expected.at("stddev"))).epsilon(1e-9));
    for (const auto& [key, value] : expected.at("value_at_percentile").as_object()) {
        INFO("percentile " << std::string_view(key));
        CHECK(histogram.value_at_percentile(percentile_key(key)) == as_int(value));
    }
}

void check_same_counts(const engine::HdrHistogram& actual, const engine::HdrHistogram& expected) {
    REQUIRE(actual.counts_length() == expected.counts_length());
    std::size_t differing = 0;
    for (std::size_t i = 0; i < actual.counts_length(); ++i) {
        if (actual.count_at_index(i) != expected.count_at_index(i)) ++differing;
    }
    CHECK(differing == 0);
    CHECK(actual.total_count() == expected.total_count());
}

void check_expected(const engine::HdrHistogram& histogram, const boost::json::object& expected) {
    check_statistics(histogram, expected);

    const std::string uncompressed =
        reports::base64_encode(reports::encode_uncompressed(histogram));
    CHECK(uncompressed == std::string_view(expected.at("encoded_uncompressed_base64").as_string()));

    const engine::HdrHistogram java_decoded =
        reports::decode_base64(expected.at("encoded_compressed_base64").as_string());
    CHECK(java_decoded.lowest_discernible_value() == histogram.lowest_discernible_value());
    CHECK(java_decoded.highest_trackable_value() == histogram.highest_trackable_value());
    CHECK(java_decoded.significant_figures() == histogram.significant_figures());
    check_statistics(java_decoded, expected);
    check_same_counts(java_decoded, histogram);

    CHECK(reports::percentile_distribution(histogram) ==
          std::string_view(expected.at("percentile_distribution_hgrm").as_string()));
}

}  // namespace volley::hdr_test
