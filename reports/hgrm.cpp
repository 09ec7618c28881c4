// Percentile distribution (.hgrm) output, docs/hdr.md §10.
#include "reports/hgrm.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string_view>

namespace volley::reports {
namespace {

using engine::HdrHistogram;

void check_ticks(int ticks_per_half_distance) {
    if (ticks_per_half_distance < 1) {
        throw std::invalid_argument(
            "percentile distribution: ticks_per_half_distance must be >= 1");
    }
}

void check_ratio(double value_unit_ratio) {
    if (!std::isfinite(value_unit_ratio) || value_unit_ratio <= 0.0) {
        throw std::invalid_argument(
            "percentile distribution: value_unit_ratio must be finite and > 0");
    }
}

std::string pad_left(std::string text, std::size_t width) {
    if (text.size() < width) text.insert(0, width - text.size(), ' ');
    return text;
}

std::string integer_text(std::int64_t value, std::size_t width = 0) {
    return pad_left(std::to_string(value), width);
}

std::string fixed(double value, int decimals, std::size_t width = 0) {
    return pad_left(format_fixed_java(value, decimals), width);
}

double scaled(std::int64_t value, double value_unit_ratio) {
    return static_cast<double>(value) / value_unit_ratio;
}

}  // namespace

std::string format_fixed_java(double value, int decimals) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
    if (decimals < 0) decimals = 0;
    char buffer[64];
    const auto result =
        std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
    std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
    const bool negative = text.front() == '-';
    if (negative) text.remove_prefix(1);
    const std::size_t exponent_at = text.find('e');
    std::string digits;
    for (const char c : text.substr(0, exponent_at)) {
        if (c != '.') digits.push_back(c);
    }
    std::string_view exponent_text = text.substr(exponent_at + 1);
    if (exponent_text.front() == '+') exponent_text.remove_prefix(1);
    int exponent = 0;
    std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);

    // digits = d0 d1 d2 ... with the decimal point after `integer_digits` of them.
    int integer_digits = exponent + 1;
    if (integer_digits <= 0) {
        digits.insert(0, static_cast<std::size_t>(1 - integer_digits), '0');
        integer_digits = 1;
    }
    const auto kept = static_cast<std::size_t>(integer_digits + decimals);
    if (digits.size() < kept + 1) digits.append(kept + 1 - digits.size(), '0');
    const bool round_up = digits[kept] >= '5';
    digits.resize(kept);
    if (round_up) {
        std::size_t k = kept;
        while (k > 0 && digits[k - 1] == '9') digits[--k] = '0';
        if (k == 0) {
            digits.insert(0, 1, '1');
            ++integer_digits;
        } else {
            ++digits[k - 1];
        }
    }
    std::size_t leading_zeros = 0;
    while (leading_zeros + 1 < static_cast<std::size_t>(integer_digits) &&
           digits[leading_zeros] == '0') {
        ++leading_zeros;
    }
    std::string out = negative ? "-" : "";
    out.append(digits, leading_zeros, static_cast<std::size_t>(integer_digits) - leading_zeros);
    if (decimals > 0) {
        out.push_back('.');
        out.append(digits, static_cast<std::size_t>(integer_digits), std::string::npos);
    }
    return out;
}

std::vector<PercentileRow> percentile_rows(const HdrHistogram& histogram,
                                           int ticks_per_half_distance) {
    check_ticks(ticks_per_half_distance);
    std::vector<PercentileRow> rows;
    const std::int64_t total = histogram.total_count();
    if (total == 0) return rows;
    const std::size_t length = histogram.counts_length();
    const auto top = [&](std::size_t index) {
        return histogram.highest_equivalent_value(histogram.value_from_index(index));
    };
    const auto finish_at_last_slot = [&] {
        std::size_t last = length - 1;
        while (last > 0 && histogram.count_at_index(last) == 0) --last;
        rows.push_back({top(last), 100.0, total});
    };

    double level = 0.0;
    std::size_t index = 0;
    std::int64_t cumulative = histogram.count_at_index(0);
    while (true) {
        if (cumulative == total && !rows.empty()) {
            rows.push_back({top(index), 100.0, cumulative});
            return rows;
        }
        while (!(histogram.count_at_index(index) != 0 &&
                 (100.0 * static_cast<double>(cumulative)) / static_cast<double>(total) >= level)) {
            if (index + 1 >= length) {  // unreachable for a consistent histogram
                finish_at_last_slot();
                return rows;
            }
            ++index;
            cumulative += histogram.count_at_index(index);
        }
        rows.push_back({top(index), level, cumulative});
        const double halvings = std::log(100.0 / (100.0 - level)) / std::log(2.0);
        // Java's arithmetic (§10.1). With enormous counts (> 2^53) rounding can push the level
        // to 100 % or stall it, where Java fails or loops; finish with the 100 % row instead.
        if (!(halvings < 62.0)) {
            finish_at_last_slot();
            return rows;
        }
        // Java multiplies in int64; in double the product is exact and cannot overflow.
        const double ticks =
            static_cast<double>(ticks_per_half_distance) *
            static_cast<double>(static_cast<std::int64_t>(
                std::pow(2.0, static_cast<double>(static_cast<std::int64_t>(halvings) + 1))));
        const double next_level = level + 100.0 / ticks;
        if (next_level == level) {  // stuck below 100 % (counts beyond 2^53): Java loops forever
            finish_at_last_slot();
            return rows;
        }
        level = next_level;
    }
}

std::string percentile_distribution(const HdrHistogram& histogram, int ticks_per_half_distance,
                                    double value_unit_ratio) {
    check_ratio(value_unit_ratio);
    const int decimals = histogram.significant_figures();
    std::string out = "       Value     Percentile TotalCount 1/(1-Percentile)\n\n";
    for (const PercentileRow& row : percentile_rows(histogram, ticks_per_half_distance)) {
        const double fraction = row.percentile_level / 100.0;
        out += fixed(scaled(row.value, value_unit_ratio), decimals, 12);
        out += ' ';
        out += fixed(fraction, 12, 2);
        out += ' ';
        out += integer_text(row.cumulative_count, 10);
        if (row.percentile_level != 100.0) {
            out += ' ';
            out += fixed(1.0 / (1.0 - fraction), 2, 14);
        }
        out += '\n';
    }
    out += "#[Mean    = " + fixed(histogram.mean() / value_unit_ratio, decimals, 12) +
           ", StdDeviation   = " + fixed(histogram.stddev() / value_unit_ratio, decimals, 12) +
           "]\n";
    out += "#[Max     = " + fixed(scaled(histogram.max(), value_unit_ratio), decimals, 12) +
           ", Total count    = " + integer_text(histogram.total_count(), 12) + "]\n";
    out += "#[Buckets = " + integer_text(histogram.bucket_count(), 12) +
           ", SubBuckets     = " + integer_text(histogram.sub_bucket_count(), 12) + "]\n";
    return out;
}

std::string percentile_distribution_csv(const HdrHistogram& histogram, int ticks_per_half_distance,
                                        double value_unit_ratio) {
    check_ratio(value_unit_ratio);
    const int decimals = histogram.significant_figures();
    std::string out = "\"Value\",\"Percentile\",\"TotalCount\",\"1/(1-Percentile)\"\n";
    for (const PercentileRow& row : percentile_rows(histogram, ticks_per_half_distance)) {
        const double fraction = row.percentile_level / 100.0;
        out += fixed(scaled(row.value, value_unit_ratio), decimals) + ',' + fixed(fraction, 12) +
               ',' + integer_text(row.cumulative_count) + ',';
        out += row.percentile_level != 100.0 ? fixed(1.0 / (1.0 - fraction), 2) : "Infinity";
        out += '\n';
    }
    return out;
}

}  // namespace volley::reports
