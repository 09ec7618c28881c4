// Access to tests/fixtures/hdr-vectors (reference.json and the sample log files), shared by the
// HDR tests. The JSON is parsed once per process.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "engine/hdr_histogram.hpp"

namespace volley::hdr_test {

std::filesystem::path vectors_dir();
std::string read_text_file(const std::filesystem::path& path);

const boost::json::object& reference();        // reference.json
const boost::json::object& sample_expected();  // sample.expected.json

std::int64_t as_int(const boost::json::value& value);
double as_double(const boost::json::value& value);
double percentile_key(std::string_view key);  // "99.9" -> 99.9, locale-independent

// A histogram of reference.json configs[config_name].
engine::HdrHistogram make_config(std::string_view config_name);
// make_config(config) with value_sets[value_set] recorded: values, then ops [v, n, ei].
engine::HdrHistogram make_recorded(std::string_view config_name, std::string_view value_set);

// Checks (Catch2 CHECKs) total, min, min_non_zero (null = INT64_MAX), max, mean and stddev
// (relative 1e-9) and every value_at_percentile of an `expected` object.
void check_statistics(const engine::HdrHistogram& histogram, const boost::json::object& expected);
// check_statistics + uncompressed encoding byte for byte + compressed decoded and compared
// slot by slot + .hgrm text exact.
void check_expected(const engine::HdrHistogram& histogram, const boost::json::object& expected);
// Every slot equal.
void check_same_counts(const engine::HdrHistogram& actual, const engine::HdrHistogram& expected);

}  // namespace volley::hdr_test
