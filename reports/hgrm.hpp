// Percentile distribution (.hgrm) output of HdrHistogram (docs/hdr.md §10), identical to Java's
// AbstractHistogram.outputPercentileDistribution() and HistogramLogProcessor's .hgrm file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/hdr_histogram.hpp"

namespace volley::reports {

// One step of the percentile iteration (§10.1).
struct PercentileRow {
    std::int64_t value;             // highest value equivalent to the slot reached (recorded units)
    double percentile_level;        // the level iterated to, percent (0..100; last row is 100.0)
    std::int64_t cumulative_count;  // values recorded at or below this slot
};

// §10.1: a row at 0 %, then ticks_per_half_distance rows per halving of the distance to 100 %,
// then a final 100 % row. No rows for an empty histogram. Throws std::invalid_argument for
// ticks_per_half_distance < 1.
[[nodiscard]] std::vector<PercentileRow> percentile_rows(const engine::HdrHistogram& histogram,
                                                         int ticks_per_half_distance = 5);

// §10.2: header, rows and the Mean/Max/Buckets footer; values are printed divided by
// value_unit_ratio with significant_figures() decimals. Throws std::invalid_argument for
// ticks_per_half_distance < 1 or a value_unit_ratio that is not finite and > 0.
[[nodiscard]] std::string percentile_distribution(const engine::HdrHistogram& histogram,
                                                  int ticks_per_half_distance = 5,
                                                  double value_unit_ratio = 1.0);

// §10.3: the -csv variant (quoted header line, rows, no footer).
[[nodiscard]] std::string percentile_distribution_csv(const engine::HdrHistogram& histogram,
                                                      int ticks_per_half_distance = 5,
                                                      double value_unit_ratio = 1.0);

// Java's String.format(Locale.US, "%.<decimals>f", value): the shortest round-trip decimal form
// of value rounded half-up to `decimals` places (§10.2), '.' as decimal point whatever the
// global locale. NaN and infinities print as Java does ("NaN", "Infinity", "-Infinity").
[[nodiscard]] std::string format_fixed_java(double value, int decimals);

}  // namespace volley::reports
