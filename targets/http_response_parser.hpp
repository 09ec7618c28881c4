// Reading one HTTP/1.1 response and what it means to the engine (docs/architecture.md
// "Targets"): the status, whether the connection may carry another request, the cache header's
// value and the tier it names, and the outcome class of the status.
#pragma once

#include "engine/outcome.hpp"
#include "targets/http_target.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace volley::targets {

// The header fields ("Name: value\n" lines) and body of a response kept for the request
// source (engine::ResponseView). Cleared per response; the buffers keep their capacity.
struct ResponseCapture {
    std::string headers;
    std::string body;
    void clear() {
        headers.clear();
        body.clear();
    }
};

// A response parser that keeps only what the engine needs: status, keep-alive and the cache
// header. It stores no other field and discards the body, so parsing allocates nothing beyond
// the cache header's value — unless given a ResponseCapture, which gets every field and the
// body (within the body limit).
//
// Contract, per response:
// - A body longer than `body_limit_bytes` fails put() with http::error::body_limit, whether
//   its length comes from Content-Length, chunks or the connection's end.
// - A response to HEAD (`head`) has no body even when it announces one (Content-Length,
//   chunked); 1xx, 204 and 304 responses have none whatever their headers say.
// - Without Content-Length or chunking the body runs to the connection's end: need_eof() is
//   then true and the reader calls put_eof() when the server closes.
class ResponseParser final : public boost::beast::http::basic_parser<false> {
public:
    // `cache_header_lc`: lower-case name of the header to keep, empty for none; must outlive the
    // parser.
    // `capture`: nullptr, or where to keep the fields and body; must outlive the parser.
    ResponseParser(std::string_view cache_header_lc, std::uint64_t body_limit_bytes, bool head,
                   ResponseCapture* capture = nullptr);

    // The status code once the header is parsed, 0 before.
    [[nodiscard]] int status() const { return status_; }
    // The cache header's value (the last one if repeated), empty when absent.
    [[nodiscard]] std::string_view cache_value() const { return cache_value_; }
    // 1xx other than 101 (100 Continue, 103 Early Hints): the final response follows on the same
    // connection.
    [[nodiscard]] bool interim() const { return status_ >= 100 && status_ < 200 && status_ != 101; }
    // The connection may carry the next request: the response keeps it alive and did not switch
    // protocols (101).
    [[nodiscard]] bool reusable() const { return keep_alive() && status_ != 101; }
    // Parses what `buffer` holds, consuming what it used, until the message is done, more bytes
    // are needed or the bytes are malformed (`ec` set; need_more is not an error). put() takes
    // one step (header, then body pieces) per call, hence the loop.
    void put_buffered(boost::beast::flat_buffer& buffer, boost::system::error_code& ec);

private:
    using error_code = boost::system::error_code;
    using string_view = boost::beast::string_view;
    void on_request_impl(boost::beast::http::verb, string_view, string_view, int,
                         error_code&) override {}
    void on_response_impl(int code, string_view, int, error_code&) override { status_ = code; }
    void on_field_impl(boost::beast::http::field, string_view name, string_view value,
                       error_code&) override;
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
    std::size_t on_body_impl(string_view body, error_code&) override { return keep_body(body); }
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
        return keep_body(body);
    }
    std::size_t keep_body(string_view body) {
        if (capture_) capture_->body.append(body.data(), body.size());
        return body.size();
    }
    void on_finish_impl(error_code&) override {}

    std::string_view cache_header_lc_;
    ResponseCapture* capture_ = nullptr;
    int status_ = 0;
    std::string cache_value_;
};

// The tier a cache header's value names (docs/scenarios.md "target", `cache`):
// - no cache header configured: 0 (the target reports no tiers);
// - `hit` empty: "L1".."L4" (any case) name tiers 1..4, anything else (or absent) is 0;
// - `hit` given: a value equal to one of them (any case) is a hit, tier 1 (L1); anything else,
//   the header absent included, is a miss answered by the source, tier 4 (L4).
[[nodiscard]] engine::TierIndex tier_of(const std::optional<HttpCacheHeader>& cache,
                                        std::string_view value);

// The statuses that count as ok for request `name_index` (its expect.status), empty for the
// default (any 2xx or 3xx).
[[nodiscard]] const std::vector<int>& expected_status(const HttpTargetConfig& config,
                                                      std::uint32_t name_index);

// The outcome of a final response's status: ok when `expected` lists it (or, with `expected`
// empty, when it is 2xx or 3xx); otherwise http_4xx for 4xx, http_5xx for 5xx and
// protocol_error for anything else (an unexpected 1xx, 2xx or 3xx).
[[nodiscard]] engine::Outcome classify_status(const std::vector<int>& expected, int status);

}  // namespace volley::targets
