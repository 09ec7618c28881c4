#include "targets/http_response_parser.hpp"

#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <cctype>

namespace volley::targets {
using engine::Outcome;

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

ResponseParser::ResponseParser(std::string_view cache_header_lc, std::uint64_t body_limit_bytes,
                               bool head, ResponseCapture* capture)
    : cache_header_lc_(cache_header_lc), capture_(capture) {
    body_limit(body_limit_bytes);
    if (head) skip(true);
}

void ResponseParser::on_field_impl(boost::beast::http::field, string_view name, string_view value,
                                   error_code&) {
    if (capture_) {
        capture_->headers.append(name.data(), name.size());
        capture_->headers.append(": ");
        capture_->headers.append(value.data(), value.size());
        capture_->headers.push_back('\n');
    }
    if (!cache_header_lc_.empty() &&
        iequals(std::string_view(name.data(), name.size()), cache_header_lc_))
        cache_value_.assign(value.data(), value.size());
}

void ResponseParser::put_buffered(boost::beast::flat_buffer& buffer, error_code& ec) {
    ec = {};
    while (buffer.size() > 0 && !is_done()) {
        const std::size_t used = put(buffer.data(), ec);
        buffer.consume(used);
        if (ec == boost::beast::http::error::need_more) {
            ec = {};
            return;
        }
        if (ec || used == 0) return;
    }
}

engine::TierIndex tier_of(const std::optional<HttpCacheHeader>& cache, std::string_view value) {
    if (!cache) return 0;
    if (cache->hit.empty()) {
        if (value.size() == 2 && (value[0] == 'L' || value[0] == 'l') && value[1] >= '1' &&
            value[1] <= '4')
            return static_cast<engine::TierIndex>(value[1] - '0');
        return 0;
    }
    // Hit/miss headers carry no tier: a hit counts as L1, a miss as L4 (the source).
    for (const auto& hit : cache->hit)
        if (iequals(value, hit)) return 1;
    return 4;
}

const std::vector<int>& expected_status(const HttpTargetConfig& config, std::uint32_t name_index) {
    static const std::vector<int> none;
    return name_index < config.expect_status.size() ? config.expect_status[name_index] : none;
}

Outcome classify_status(const std::vector<int>& expected, int status) {
    if (!expected.empty()) {
        if (std::find(expected.begin(), expected.end(), status) != expected.end())
            return Outcome::ok;
    } else if (status >= 200 && status < 400) {
        return Outcome::ok;
    }
    if (status >= 400 && status < 500) return Outcome::http_4xx;
    if (status >= 500 && status < 600) return Outcome::http_5xx;
    return Outcome::protocol_error;
}

}  // namespace volley::targets
