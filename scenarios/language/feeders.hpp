// Run-time feeders: one per variable per worker, used on that worker's thread only. Drawing a
// value allocates nothing once the feeder's buffers have grown to the longest value.
#pragma once

#include "scenarios/language/int_format.hpp"
#include "scenarios/language/plan.hpp"
#include "scenarios/language/random.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace volley::scenarios {

// Zipf-distributed ranks 1..n, P(k) ∝ 1/k^s (s > 0), by rejection-inversion (Hörmann and
// Derflinger, 1996): O(1) per sample and no table, so n may be huge.
class ZipfSampler {
public:
    ZipfSampler(std::uint64_t n, double s);
    [[nodiscard]] std::uint64_t sample(Random& random) const;
    // P(rank == k), for tests and reports; O(n) on the first call's normaliser.
    [[nodiscard]] static double probability(std::uint64_t k, std::uint64_t n, double s);

private:
    [[nodiscard]] double h(double x) const;
    [[nodiscard]] double h_integral(double x) const;
    [[nodiscard]] double h_integral_inverse(double x) const;

    std::uint64_t n_;
    double exponent_;
    double h_integral_x1_;
    double h_integral_n_;
    double s_;  // acceptance shortcut
};

class Feeder {
public:
    virtual ~Feeder() = default;
    // Draws the next value; false when the feeder is exhausted (csv unique).
    virtual bool advance() = 0;
    // The current value, or one column of it (csv); valid until the next advance().
    [[nodiscard]] virtual std::string_view value(std::size_t column) const = 0;
    // Why advance() returned false.
    [[nodiscard]] virtual std::string exhaustion() const { return {}; }
};

// The index of `field` among the variable's columns (csv), 0 for the default column. Throws
// std::invalid_argument for a field the variable does not have.
[[nodiscard]] std::size_t column_index(const VariableSpec& variable, std::string_view field);

// Builds the feeder of `variable` for worker `worker_index` of `worker_count`, its random
// stream derived from `seed`. Constant variables resolve ${env:...} here; throws
// std::invalid_argument if one is unset without default.
[[nodiscard]] std::unique_ptr<Feeder> make_feeder(const VariableSpec& variable, std::uint64_t seed,
                                                  std::size_t worker_index,
                                                  std::size_t worker_count);

// A constant variable's value with ${env:...} resolved; throws like make_feeder.
[[nodiscard]] std::string resolve_constant(const VariableSpec& variable);

// Advances every feeder of `variables` once; false (and `reason` set to the feeder's
// exhaustion) when one ran out.
bool advance_feeders(const std::vector<std::unique_ptr<Feeder>>& feeders,
                     const std::vector<std::size_t>& variables, std::string& reason);

}  // namespace volley::scenarios
