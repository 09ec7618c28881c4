// Raw HTTP/1.x request bytes (as GoReplay captures them) -> method, target, headers, body.
#pragma once

#include "replay/record.hpp"

#include <string>
#include <string_view>

namespace volley::replay {

// Parses one request: request line, header lines (CRLF or LF), then a body framed by
// Content-Length, chunked transfer coding (decoded) or the rest of `raw`. An absolute-form
// target ("http://host/p") becomes origin form ("/p"). Fills method, target, headers and body
// of `out`; returns an empty string or why the bytes are not a complete request.
std::string parse_http_request(std::string_view raw, ReplayRecord& out);

// True when `raw` starts like an HTTP response ("HTTP/1.1 200 …").
bool looks_like_http_response(std::string_view raw);

// "http://host:8080/a?b" -> "/a?b"; "/a" -> "/a"; "" or "*" -> "/".
std::string origin_form(std::string_view url);

// Why a recorded header cannot be sent as is, or "": the name must be a token (RFC 9110
// field-name: letters, digits and !#$%&'*+-.^_`|~), the value must hold no CR, LF or NUL.
std::string check_header_field(std::string_view name, std::string_view value);

// ASCII case-insensitive equality of header names.
bool same_header_name(std::string_view a, std::string_view b);

}  // namespace volley::replay
