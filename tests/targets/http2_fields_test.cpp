// The HTTP/2 session's pure helpers: request header lines as HTTP/2 fields, and how many
// connections a worker's slots need.
#include "targets/http2_session.hpp"

#include <catch2/catch.hpp>

using namespace volley::targets;

TEST_CASE("header lines become lower-case HTTP/2 fields without connection-specific ones",
          "[http2]") {
    std::string lines =
        "Accept: application/json\r\nConnection: keep-alive\r\nX-Trace-Id:  abc \r\n"
        "Host: other.example\r\nTransfer-Encoding: chunked\r\nTE: gzip\r\nte: trailers\r\n"
        "Keep-Alive: 5\r\nUpgrade: h2c\r\nProxy-Connection: close\r\nno colon here\r\n";
    std::vector<std::pair<std::string_view, std::string_view>> fields;
    http2_fields(lines, fields);
    using Field = std::pair<std::string_view, std::string_view>;
    CHECK(fields == std::vector<Field>{
                        {"accept", "application/json"}, {"x-trace-id", "abc"}, {"te", "trailers"}});
    std::string none;
    http2_fields(none, fields);
    CHECK(fields.empty());
}

TEST_CASE("a worker opens one connection per max_streams slots, at least one", "[http2]") {
    CHECK(http2_connections_for(100, 100) == 1);
    CHECK(http2_connections_for(101, 100) == 2);
    CHECK(http2_connections_for(1, 100) == 1);
    CHECK(http2_connections_for(0, 100) == 1);
    CHECK(http2_connections_for(8, 1) == 8);
}
