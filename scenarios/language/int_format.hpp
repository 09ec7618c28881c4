// printf-like formatting of one integer ("entity_%06d"), compiled once, rendered without
// allocation. Only %d/%i with optional '0' or '-' flag and a width are supported; "%%" is a
// literal percent sign. This avoids passing user text to printf.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace volley::scenarios {

class IntFormat {
public:
    // Throws std::invalid_argument unless `format` holds exactly one integer conversion.
    explicit IntFormat(std::string_view format);
    // Appends the rendered value to `out` (which allocates only if its capacity is exceeded).
    void append(std::string& out, std::int64_t value) const;
    // An upper bound of the rendered length.
    [[nodiscard]] std::size_t max_length() const;

private:
    std::string prefix_, suffix_;
    std::size_t width_ = 0;
    bool zero_pad_ = false;
    bool left_align_ = false;
};

}  // namespace volley::scenarios
