#include "replay/http_message.hpp"

#include <charconv>
#include <optional>

namespace volley::replay {
namespace {

bool is_token_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view trim_spaces(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

// The next line of `rest` without its terminator; false when no terminator is left.
bool next_line(std::string_view& rest, std::string_view& line) {
    const auto newline = rest.find('\n');
    if (newline == std::string_view::npos) return false;
    line = rest.substr(0, newline);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    rest.remove_prefix(newline + 1);
    return true;
}

bool contains_token(std::string_view value, std::string_view token) {
    while (!value.empty()) {
        const auto comma = value.find(',');
        if (same_header_name(trim_spaces(value.substr(0, comma)), token)) return true;
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

// Decodes a chunked body from `rest` into `body`; returns an error text or "".
std::string decode_chunked(std::string_view rest, std::string& body) {
    while (true) {
        std::string_view size_line;
        if (!next_line(rest, size_line)) return "the chunked body is truncated";
        size_line = trim_spaces(size_line.substr(0, size_line.find(';')));
        std::size_t size = 0;
        const auto [end, ec] =
            std::from_chars(size_line.data(), size_line.data() + size_line.size(), size, 16);
        if (ec != std::errc() || end != size_line.data() + size_line.size() || size_line.empty())
            return "a chunk size is not hexadecimal";
        if (size == 0) return "";  // trailers, if any, are ignored
        if (rest.size() < size) return "the chunked body is truncated";
        body.append(rest.substr(0, size));
        rest.remove_prefix(size);
        std::string_view empty;
        if (!next_line(rest, empty) || !empty.empty()) return "a chunk is not followed by CRLF";
    }
}

}  // namespace

std::string check_header_field(std::string_view name, std::string_view value) {
    if (name.empty()) return "a header has an empty name";
    for (const char c : name) {
        if (!is_token_char(c)) return "the header name '" + std::string(name) + "' is not a token";
    }
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
        return "the value of header '" + std::string(name) + "' holds a line break or NUL";
    return "";
}

bool same_header_name(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

std::string origin_form(std::string_view url) {
    if (url.empty() || url == "*") return "/";
    if (url.front() == '/') return std::string(url);
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return "/" + std::string(url);
    const auto path = url.find_first_of("/?#", scheme_end + 3);
    if (path == std::string_view::npos) return "/";
    std::string out(url.substr(path));
    if (const auto fragment = out.find('#'); fragment != std::string::npos) out.erase(fragment);
    if (out.empty() || out.front() != '/') out.insert(out.begin(), '/');
    return out;
}

bool looks_like_http_response(std::string_view raw) { return raw.substr(0, 5) == "HTTP/"; }

std::string parse_http_request(std::string_view raw, ReplayRecord& out) {
    std::string_view rest = raw;
    std::string_view line;
    if (!next_line(rest, line)) return "no request line";
    const auto first_space = line.find(' ');
    const auto last_space = line.rfind(' ');
    if (first_space == std::string_view::npos || last_space == first_space)
        return "the request line is not 'METHOD target HTTP/x.y'";
    const std::string_view method = line.substr(0, first_space);
    const std::string_view target =
        trim_spaces(line.substr(first_space + 1, last_space - first_space - 1));
    const std::string_view version = line.substr(last_space + 1);
    if (method.empty() || target.empty() || version.substr(0, 5) != "HTTP/")
        return "the request line is not 'METHOD target HTTP/x.y'";
    for (const char c : method) {
        if (!is_token_char(c)) return "the method is not a token";
    }
    out.method.assign(method);
    out.target = origin_form(target);
    out.headers.clear();
    out.body.clear();

    std::optional<std::size_t> content_length;
    bool chunked = false;
    while (true) {
        if (!next_line(rest, line)) return "the headers are truncated";
        if (line.empty()) break;
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) return "a header line has no 'Name:'";
        const std::string_view name = line.substr(0, colon);
        const std::string_view value = trim_spaces(line.substr(colon + 1));
        if (auto why = check_header_field(name, value); !why.empty()) return why;
        if (same_header_name(name, "content-length")) {
            std::size_t length = 0;
            const auto [end, ec] =
                std::from_chars(value.data(), value.data() + value.size(), length);
            if (ec != std::errc() || end != value.data() + value.size())
                return "Content-Length is not a number";
            content_length = length;
        } else if (same_header_name(name, "transfer-encoding") &&
                   contains_token(value, "chunked")) {
            chunked = true;
        }
        out.headers.emplace_back(std::string(name), std::string(value));
    }
    if (chunked) return decode_chunked(rest, out.body);
    if (content_length) {
        if (rest.size() < *content_length) return "the body is shorter than Content-Length";
        out.body.assign(rest.substr(0, *content_length));
        return "";
    }
    out.body.assign(rest);
    return "";
}

}  // namespace volley::replay
