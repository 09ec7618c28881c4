#include "scenarios/language/feeders.hpp"

#include "scenarios/language/templates.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace volley::scenarios {
namespace {

// log1p(x)/x, continuous at 0.
double helper1(double x) {
    if (std::abs(x) > 1e-8) return std::log1p(x) / x;
    return 1 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
}
// expm1(x)/x, continuous at 0.
double helper2(double x) {
    if (std::abs(x) > 1e-8) return std::expm1(x) / x;
    return 1 + x * 0.5 * (1 + x * (1.0 / 3.0) * (1 + 0.25 * x));
}

std::string_view mode_name(FeederMode mode) {
    switch (mode) {
        case FeederMode::sequential: return "sequential";
        case FeederMode::random: return "random";
        case FeederMode::unique: return "unique";
    }
    return "?";
}

class ConstantFeeder final : public Feeder {
public:
    explicit ConstantFeeder(std::string value) : value_(std::move(value)) {}
    bool advance() override { return true; }
    std::string_view value(std::size_t) const override { return value_; }

private:
    std::string value_;
};

// Picks item indexes 0..count-1: sequential shares (worker w of n: w, w+n, … cycling),
// uniformly random, or unique (each share once, then exhausted).
class IndexPicker {
public:
    IndexPicker(std::uint64_t count, FeederMode mode, std::uint64_t seed, std::size_t worker_index,
                std::size_t worker_count)
        : count_(count),
          mode_(mode),
          random_(seed),
          next_(worker_index),
          stride_(worker_count == 0 ? 1 : worker_count) {}
    // The next index, or false when a unique share is used up.
    bool pick(std::uint64_t& index) {
        if (mode_ == FeederMode::random) {
            index = random_.below(count_);
            return true;
        }
        if (next_ >= count_) {
            if (mode_ == FeederMode::unique) return false;
            next_ %= count_;
        }
        index = next_;
        next_ += stride_;
        ++drawn_;
        return true;
    }
    [[nodiscard]] std::uint64_t drawn() const { return drawn_; }

private:
    std::uint64_t count_;
    FeederMode mode_;
    Random random_;
    std::uint64_t next_;
    std::uint64_t stride_;
    std::uint64_t drawn_ = 0;
};

class RangeFeederImpl final : public Feeder {
public:
    RangeFeederImpl(const RangeFeeder& spec, std::uint64_t seed, std::size_t worker,
                    std::size_t workers)
        : spec_(spec),
          picker_(static_cast<std::uint64_t>((spec.to - spec.from) / spec.step) + 1, spec.mode,
                  seed, worker, workers) {
        text_.reserve(24);
    }
    bool advance() override {
        std::uint64_t index = 0;
        picker_.pick(index);
        const std::int64_t value = spec_.from + static_cast<std::int64_t>(index) * spec_.step;
        char digits[24];
        const auto result = std::to_chars(digits, digits + sizeof digits, value);
        text_.assign(digits, result.ptr);
        return true;
    }
    std::string_view value(std::size_t) const override { return text_; }

private:
    RangeFeeder spec_;
    IndexPicker picker_;
    std::string text_;
};

class ListFeederImpl final : public Feeder {
public:
    ListFeederImpl(const ListFeeder& spec, std::uint64_t seed, std::size_t worker,
                   std::size_t workers)
        : values_(spec.values), picker_(spec.values.size(), spec.mode, seed, worker, workers) {}
    bool advance() override {
        std::uint64_t index = 0;
        picker_.pick(index);
        current_ = index;
        return true;
    }
    std::string_view value(std::size_t) const override { return values_[current_]; }

private:
    std::vector<std::string> values_;
    IndexPicker picker_;
    std::size_t current_ = 0;
};

class CsvFeederImpl final : public Feeder {
public:
    CsvFeederImpl(const VariableSpec& variable, const CsvFeeder& spec, std::uint64_t seed,
                  std::size_t worker, std::size_t workers)
        : name_(variable.name),
          spec_(spec),
          worker_(worker),
          workers_(workers),
          picker_(spec.table->rows.size(), spec.mode, seed, worker, workers) {}
    bool advance() override {
        std::uint64_t index = 0;
        if (!picker_.pick(index)) return false;
        row_ = &spec_.table->rows[index];
        return true;
    }
    std::string_view value(std::size_t column) const override {
        return row_ == nullptr ? std::string_view{} : std::string_view((*row_)[column]);
    }
    std::string exhaustion() const override {
        return fmt::format(
            "variable '{}': {} ({} mode) has no rows left for worker {} of {} after "
            "{} rows; add rows or shorten the run",
            name_, spec_.file, mode_name(spec_.mode), worker_, workers_, picker_.drawn());
    }

private:
    std::string name_;
    CsvFeeder spec_;  // shares the table
    std::size_t worker_, workers_;
    IndexPicker picker_;
    const std::vector<std::string>* row_ = nullptr;
};

class ZipfFeederImpl final : public Feeder {
public:
    ZipfFeederImpl(const ZipfFeeder& spec, std::uint64_t seed)
        : sampler_(spec.n, spec.s), format_(spec.format), first_(spec.first), random_(seed) {
        text_.reserve(format_.max_length());
    }
    bool advance() override {
        const std::uint64_t rank = sampler_.sample(random_);
        text_.clear();
        format_.append(text_, first_ + static_cast<std::int64_t>(rank) - 1);
        return true;
    }
    std::string_view value(std::size_t) const override { return text_; }

private:
    ZipfSampler sampler_;
    IntFormat format_;
    std::int64_t first_;
    Random random_;
    std::string text_;
};

class UuidFeederImpl final : public Feeder {
public:
    explicit UuidFeederImpl(std::uint64_t seed) : random_(seed) {}
    bool advance() override {
        constexpr char hex[] = "0123456789abcdef";
        std::array<std::uint8_t, 16> bytes{};
        const std::uint64_t high = random_.next();
        const std::uint64_t low = random_.next();
        for (int i = 0; i < 8; ++i) {
            bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(high >> (56 - 8 * i));
            bytes[static_cast<std::size_t>(i + 8)] = static_cast<std::uint8_t>(low >> (56 - 8 * i));
        }
        bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0f) | 0x40);  // version 4
        bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
        std::size_t out = 0;
        for (std::size_t i = 0; i < 16; ++i) {
            if (i == 4 || i == 6 || i == 8 || i == 10) text_[out++] = '-';
            text_[out++] = hex[bytes[i] >> 4];
            text_[out++] = hex[bytes[i] & 0x0f];
        }
        return true;
    }
    std::string_view value(std::size_t) const override { return {text_.data(), text_.size()}; }

private:
    Random random_;
    std::array<char, 36> text_{};
};

class CounterFeederImpl final : public Feeder {
public:
    CounterFeederImpl(const CounterFeeder& spec, std::size_t worker, std::size_t workers)
        : format_(spec.format),
          next_(spec.start + static_cast<std::int64_t>(worker) * spec.step),
          stride_(static_cast<std::int64_t>(workers == 0 ? 1 : workers) * spec.step) {
        text_.reserve(format_.max_length());
    }
    bool advance() override {
        text_.clear();
        format_.append(text_, next_);
        next_ += stride_;
        return true;
    }
    std::string_view value(std::size_t) const override { return text_; }

private:
    IntFormat format_;
    std::int64_t next_;
    std::int64_t stride_;
    std::string text_;
};

}  // namespace

// ---- ZipfSampler ---------------------------------------------------------------------------

ZipfSampler::ZipfSampler(std::uint64_t n, double s) : n_(n), exponent_(s) {
    if (n == 0) throw std::invalid_argument("zipf: n must be at least 1");
    if (!(s > 0)) throw std::invalid_argument("zipf: s must be more than 0");
    h_integral_x1_ = h_integral(1.5) - 1.0;
    h_integral_n_ = h_integral(static_cast<double>(n) + 0.5);
    s_ = 2.0 - h_integral_inverse(h_integral(2.5) - h(2.0));
}

double ZipfSampler::h(double x) const { return std::exp(-exponent_ * std::log(x)); }

double ZipfSampler::h_integral(double x) const {
    const double log_x = std::log(x);
    return helper2((1.0 - exponent_) * log_x) * log_x;
}

double ZipfSampler::h_integral_inverse(double x) const {
    double t = x * (1.0 - exponent_);
    if (t < -1.0) t = -1.0;
    return std::exp(helper1(t) * x);
}

std::uint64_t ZipfSampler::sample(Random& random) const {
    while (true) {
        const double u = h_integral_n_ + random.uniform() * (h_integral_x1_ - h_integral_n_);
        const double x = h_integral_inverse(u);
        double k = std::floor(x + 0.5);
        k = std::clamp(k, 1.0, static_cast<double>(n_));
        if (k - x <= s_ || u >= h_integral(k + 0.5) - h(k)) return static_cast<std::uint64_t>(k);
    }
}

double ZipfSampler::probability(std::uint64_t k, std::uint64_t n, double s) {
    double normaliser = 0;
    for (std::uint64_t i = n; i >= 1; --i) normaliser += std::pow(static_cast<double>(i), -s);
    return std::pow(static_cast<double>(k), -s) / normaliser;
}

// ---- factory -------------------------------------------------------------------------------

std::size_t column_index(const VariableSpec& variable, std::string_view field) {
    const auto* csv = std::get_if<CsvFeeder>(&variable.source);
    if (csv == nullptr) {
        if (field.empty()) return 0;
        throw std::invalid_argument(fmt::format(
            "variable '{}' has no columns ('.{}' applies to csv variables)", variable.name, field));
    }
    const auto& columns = csv->table->columns;
    const std::string_view wanted = field.empty() ? std::string_view(csv->column) : field;
    if (wanted.empty()) return 0;
    const auto found = std::find(columns.begin(), columns.end(), wanted);
    if (found == columns.end()) {
        std::string list;
        for (const auto& name : columns) list += (list.empty() ? "" : ", ") + name;
        throw std::invalid_argument(
            fmt::format("{} has no column '{}' (columns: {})", csv->file, wanted, list));
    }
    return static_cast<std::size_t>(found - columns.begin());
}

std::string resolve_constant(const VariableSpec& variable) {
    const auto& constant = std::get<ConstantVariable>(variable.source);
    std::string out;
    for (const auto& token : tokenize_template(constant.value)) {
        if (token.kind == TemplateToken::Kind::text) {
            out += token.text;
        } else if (token.kind == TemplateToken::Kind::env) {
            auto value = resolve_env(token);
            if (!value) {
                throw std::invalid_argument(
                    fmt::format("environment variable {} is not set", token.text));
            }
            out += *value;
        } else {
            throw std::invalid_argument(fmt::format(
                "variable '{}': constants may only reference ${{env:NAME}}", variable.name));
        }
    }
    return out;
}

std::unique_ptr<Feeder> make_feeder(const VariableSpec& variable, std::uint64_t seed,
                                    std::size_t worker_index, std::size_t worker_count) {
    if (worker_count == 0) worker_count = 1;
    return std::visit(
        [&](const auto& spec) -> std::unique_ptr<Feeder> {
            using Spec = std::decay_t<decltype(spec)>;
            if constexpr (std::is_same_v<Spec, ConstantVariable>) {
                return std::make_unique<ConstantFeeder>(resolve_constant(variable));
            } else if constexpr (std::is_same_v<Spec, RangeFeeder>) {
                return std::make_unique<RangeFeederImpl>(spec, seed, worker_index, worker_count);
            } else if constexpr (std::is_same_v<Spec, ListFeeder>) {
                return std::make_unique<ListFeederImpl>(spec, seed, worker_index, worker_count);
            } else if constexpr (std::is_same_v<Spec, CsvFeeder>) {
                return std::make_unique<CsvFeederImpl>(variable, spec, seed, worker_index,
                                                       worker_count);
            } else if constexpr (std::is_same_v<Spec, ZipfFeeder>) {
                return std::make_unique<ZipfFeederImpl>(spec, seed);
            } else if constexpr (std::is_same_v<Spec, UuidFeeder>) {
                return std::make_unique<UuidFeederImpl>(seed);
            } else {
                return std::make_unique<CounterFeederImpl>(spec, worker_index, worker_count);
            }
        },
        variable.source);
}

bool advance_feeders(const std::vector<std::unique_ptr<Feeder>>& feeders,
                     const std::vector<std::size_t>& variables, std::string& reason) {
    for (const std::size_t variable : variables) {
        if (!feeders[variable]->advance()) {
            reason = feeders[variable]->exhaustion();
            return false;
        }
    }
    return true;
}

}  // namespace volley::scenarios
