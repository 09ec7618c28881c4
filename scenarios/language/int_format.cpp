#include "scenarios/language/int_format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace volley::scenarios {

IntFormat::IntFormat(std::string_view format) {
    bool found = false;
    std::string* literal = &prefix_;
    for (std::size_t i = 0; i < format.size(); ++i) {
        if (format[i] != '%') {
            *literal += format[i];
            continue;
        }
        if (i + 1 < format.size() && format[i + 1] == '%') {
            *literal += '%';
            ++i;
            continue;
        }
        if (found) {
            throw std::invalid_argument(
                fmt::format("format '{}' has more than one conversion (write %% for '%')", format));
        }
        std::size_t j = i + 1;
        for (; j < format.size() && (format[j] == '0' || format[j] == '-'); ++j) {
            if (format[j] == '0')
                zero_pad_ = true;
            else
                left_align_ = true;
        }
        std::size_t width = 0;
        for (; j < format.size() && format[j] >= '0' && format[j] <= '9'; ++j) {
            width = width * 10 + static_cast<std::size_t>(format[j] - '0');
            if (width > 64)
                throw std::invalid_argument(fmt::format("format '{}': width above 64", format));
        }
        if (j >= format.size() || (format[j] != 'd' && format[j] != 'i')) {
            throw std::invalid_argument(fmt::format(
                "format '{}': only integer conversions like %d, %6d, %06d are supported", format));
        }
        width_ = width;
        found = true;
        literal = &suffix_;
        i = j;
    }
    if (!found) {
        throw std::invalid_argument(
            fmt::format("format '{}' has no %d conversion for the number", format));
    }
    if (left_align_) zero_pad_ = false;
}

void IntFormat::append(std::string& out, std::int64_t value) const {
    char digits[24];
    const auto result = std::to_chars(digits, digits + sizeof digits, value);
    const auto length = static_cast<std::size_t>(result.ptr - digits);
    out += prefix_;
    const std::size_t padding = width_ > length ? width_ - length : 0;
    if (left_align_) {
        out.append(digits, length);
        out.append(padding, ' ');
    } else if (zero_pad_) {
        std::size_t start = 0;
        if (value < 0) {
            out += '-';
            start = 1;
        }
        out.append(padding, '0');
        out.append(digits + start, length - start);
    } else {
        out.append(padding, ' ');
        out.append(digits, length);
    }
    out += suffix_;
}

std::size_t IntFormat::max_length() const {
    return prefix_.size() + suffix_.size() + std::max<std::size_t>(width_, 20);
}

}  // namespace volley::scenarios
