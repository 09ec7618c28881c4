#include "scenarios/language/cookie_jar.hpp"

#include "scenarios/language/ascii.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace volley::scenarios {
namespace {

using time_point = std::chrono::system_clock::time_point;

void assign_lower(std::string& out, std::string_view text) {
    out.assign(text);
    for (char& c : out) c = ascii_lower(c);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// §5.2: WSP is space and horizontal tab.
std::string_view trim_wsp(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

std::string_view without_query(std::string_view path) {
    const std::size_t end = path.find_first_of("?#");
    return end == std::string_view::npos ? path : path.substr(0, end);
}

bool is_ip_address(std::string_view host) {
    if (host.find(':') != std::string_view::npos) return true;  // IPv6 (possibly bracketed)
    return !host.empty() &&
           std::all_of(host.begin(), host.end(), [](char c) { return is_digit(c) || c == '.'; });
}

// §5.1.1 delimiter = %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E
bool is_date_delimiter(char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c == 0x09 || (c >= 0x20 && c <= 0x2F) || (c >= 0x3B && c <= 0x40) ||
           (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
}

// min..max digits at token[pos], followed by the token's end or a non-digit; the value and the
// position after the digits.
bool leading_digits(std::string_view token, std::size_t pos, std::size_t min, std::size_t max,
                    int& value, std::size_t& end) {
    std::size_t count = 0;
    value = 0;
    while (pos + count < token.size() && is_digit(token[pos + count]) && count < max) {
        value = value * 10 + (token[pos + count] - '0');
        ++count;
    }
    if (count < min) return false;
    end = pos + count;
    return end == token.size() || !is_digit(token[end]);
}

// time = hms-time ( non-digit *OCTET ); hms-time = time-field ":" time-field ":" time-field
bool parse_time_token(std::string_view token, int& hour, int& minute, int& second) {
    std::size_t end = 0;
    if (!leading_digits(token, 0, 1, 2, hour, end) || end >= token.size() || token[end] != ':') {
        return false;
    }
    if (!leading_digits(token, end + 1, 1, 2, minute, end) || end >= token.size() ||
        token[end] != ':') {
        return false;
    }
    return leading_digits(token, end + 1, 1, 2, second, end);
}

int month_of(std::string_view token) {
    static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                   "jul", "aug", "sep", "oct", "nov", "dec"};
    if (token.size() < 3) return 0;
    for (int i = 0; i < 12; ++i) {
        if (iequals_ascii(token.substr(0, 3), kMonths[i])) return i + 1;
    }
    return 0;
}

time_point clamp_to_time_point(std::chrono::seconds since_epoch) {
    const auto max_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(time_point::max().time_since_epoch());
    const auto min_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(time_point::min().time_since_epoch());
    if (since_epoch >= max_seconds) return time_point::max();
    if (since_epoch <= min_seconds) return time_point::min();
    return time_point(std::chrono::duration_cast<time_point::duration>(since_epoch));
}

// Max-Age (§5.2.2): a delta in seconds; nullopt when the attribute is to be ignored.
std::optional<time_point> max_age_expiry(std::string_view value, time_point now) {
    if (value.empty() || !(is_digit(value.front()) || value.front() == '-')) return std::nullopt;
    const std::string_view digits = value.front() == '-' ? value.substr(1) : value;
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), is_digit)) {
        return std::nullopt;
    }
    if (value.front() == '-') return time_point::min();
    std::int64_t delta = 0;
    const auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), delta);
    if (parsed.ec == std::errc::result_out_of_range) return time_point::max();
    if (delta <= 0) return time_point::min();
    const auto now_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
    const auto max_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(time_point::max().time_since_epoch());
    if (delta >= (max_seconds - now_seconds).count()) return time_point::max();
    return now + std::chrono::seconds(delta);
}

}  // namespace

std::optional<time_point> parse_cookie_date(std::string_view text) {
    bool found_time = false, found_day = false, found_month = false, found_year = false;
    int hour = 0, minute = 0, second = 0, day = 0, month = 0, year = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        while (pos < text.size() && is_date_delimiter(text[pos])) ++pos;
        const std::size_t begin = pos;
        while (pos < text.size() && !is_date_delimiter(text[pos])) ++pos;
        const std::string_view token = text.substr(begin, pos - begin);
        if (token.empty()) continue;
        std::size_t end = 0;
        int value = 0;
        if (!found_time && parse_time_token(token, hour, minute, second)) {
            found_time = true;
        } else if (!found_day && leading_digits(token, 0, 1, 2, value, end)) {
            found_day = true;
            day = value;
        } else if (!found_month && month_of(token) != 0) {
            found_month = true;
            month = month_of(token);
        } else if (!found_year && leading_digits(token, 0, 2, 4, value, end)) {
            found_year = true;
            year = value;
        }
    }
    if (found_year && year >= 70 && year <= 99) year += 1900;
    if (found_year && year >= 0 && year <= 69) year += 2000;
    if (!found_time || !found_day || !found_month || !found_year) return std::nullopt;
    if (day < 1 || day > 31 || year < 1601 || hour > 23 || minute > 59 || second > 59) {
        return std::nullopt;
    }
    const std::chrono::year_month_day date{std::chrono::year{year},
                                           std::chrono::month{static_cast<unsigned>(month)},
                                           std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok()) return std::nullopt;  // "the date does not exist" (Feb 30)
    const std::chrono::seconds since_epoch =
        std::chrono::sys_days(date).time_since_epoch() + std::chrono::hours(hour) +
        std::chrono::minutes(minute) + std::chrono::seconds(second);
    return clamp_to_time_point(since_epoch);
}

bool cookie_domain_matches(std::string_view host, std::string_view domain) {
    if (iequals_ascii(host, domain)) return true;
    if (domain.empty() || host.size() <= domain.size()) return false;
    if (!iequals_ascii(host.substr(host.size() - domain.size()), domain)) return false;
    if (host[host.size() - domain.size() - 1] != '.') return false;
    return !is_ip_address(host);
}

bool cookie_path_matches(std::string_view request_path, std::string_view cookie_path) {
    request_path = without_query(request_path);
    if (request_path.empty()) request_path = "/";
    if (request_path == cookie_path) return true;
    if (request_path.size() <= cookie_path.size() ||
        request_path.substr(0, cookie_path.size()) != cookie_path) {
        return false;
    }
    return cookie_path.back() == '/' || request_path[cookie_path.size()] == '/';
}

std::string_view cookie_default_path(std::string_view request_path) {
    const std::string_view path = without_query(request_path);
    if (path.empty() || path.front() != '/') return "/";
    const std::size_t last_slash = path.rfind('/');
    if (last_slash == 0) return "/";
    return path.substr(0, last_slash);
}

bool CookieJar::sends_before(const Cookie& a, const Cookie& b) {
    if (a.path.size() != b.path.size()) return a.path.size() > b.path.size();
    if (a.creation != b.creation) return a.creation < b.creation;
    return a.creation_order < b.creation_order;
}

void CookieJar::drop_expired(time_point now) {
    std::erase_if(cookies_, [now](const Cookie& cookie) { return cookie.expiry <= now; });
}

void CookieJar::insert_sorted(Cookie&& cookie) {
    const auto at = std::upper_bound(cookies_.begin(), cookies_.end(), cookie, sends_before);
    cookies_.insert(at, std::move(cookie));
}

void CookieJar::store(std::string_view set_cookie_value, std::string_view request_host,
                      std::string_view request_path, time_point now) {
    if (set_cookie_value.size() > kMaxCookieBytes) return;
    // §5.2 steps 1-5: the name-value-pair up to the first ';'.
    const std::size_t first_semicolon = set_cookie_value.find(';');
    const std::string_view pair = set_cookie_value.substr(0, first_semicolon);
    const std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos) return;
    const std::string_view name = trim_wsp(pair.substr(0, equals));
    const std::string_view value = trim_wsp(pair.substr(equals + 1));
    if (name.empty()) return;

    // §5.2 step 6 and §5.2.1-6: the attributes; the last of each kind wins (§5.3).
    std::optional<time_point> expires, max_age;
    std::optional<std::string_view> domain_attribute, path_attribute;
    bool secure = false, http_only = false;
    std::string_view attributes = first_semicolon == std::string_view::npos
                                      ? std::string_view{}
                                      : set_cookie_value.substr(first_semicolon + 1);
    while (!attributes.empty()) {
        const std::size_t next = attributes.find(';');
        const std::string_view av = attributes.substr(0, next);
        attributes =
            next == std::string_view::npos ? std::string_view{} : attributes.substr(next + 1);
        const std::size_t av_equals = av.find('=');
        const std::string_view av_name = trim_wsp(av.substr(0, av_equals));
        const std::string_view av_value = av_equals == std::string_view::npos
                                              ? std::string_view{}
                                              : trim_wsp(av.substr(av_equals + 1));
        if (iequals_ascii(av_name, "expires")) {
            if (auto date = parse_cookie_date(av_value)) expires = date;
        } else if (iequals_ascii(av_name, "max-age")) {
            if (auto expiry = max_age_expiry(av_value, now)) max_age = expiry;
        } else if (iequals_ascii(av_name, "domain")) {
            std::string_view domain = av_value;
            if (!domain.empty() && domain.front() == '.') domain.remove_prefix(1);
            if (!domain.empty()) domain_attribute = domain;  // empty: ignored (§5.2.3)
        } else if (iequals_ascii(av_name, "path")) {
            if (!av_value.empty() && av_value.front() == '/') {
                path_attribute = av_value;
            } else {
                path_attribute = std::nullopt;  // §5.2.4: the default-path
            }
        } else if (iequals_ascii(av_name, "secure")) {
            secure = true;
        } else if (iequals_ascii(av_name, "httponly")) {
            http_only = true;
        }
    }

    // §5.3: Max-Age wins over Expires; neither: a session cookie (never expires in a run).
    const time_point expiry = max_age ? *max_age : expires ? *expires : time_point::max();
    // §5.3 step 6: a Domain the host does not domain-match: the cookie is ignored entirely.
    if (domain_attribute && !cookie_domain_matches(request_host, *domain_attribute)) return;
    const std::string_view domain = domain_attribute ? *domain_attribute : request_host;
    const bool host_only = !domain_attribute;
    const std::string_view path =
        path_attribute ? *path_attribute : cookie_default_path(request_path);

    drop_expired(now);
    // §5.3 step 11: the same name, domain and path replaces the stored cookie, keeping its
    // creation time (and so its place in the sorted jar).
    const auto existing = std::find_if(cookies_.begin(), cookies_.end(), [&](const Cookie& c) {
        return c.name == name && iequals_ascii(c.domain, domain) && c.path == path;
    });
    if (expiry <= now) {  // an expiry in the past deletes
        if (existing != cookies_.end()) cookies_.erase(existing);
        return;
    }
    if (existing != cookies_.end()) {
        existing->value.assign(value);
        existing->expiry = expiry;
        existing->host_only = host_only;
        existing->secure_only = secure;
        existing->http_only = http_only;
        return;
    }
    Cookie cookie;
    cookie.name.assign(name);
    cookie.value.assign(value);
    assign_lower(cookie.domain, domain);
    cookie.path.assign(path);
    cookie.expiry = expiry;
    cookie.creation = now;
    cookie.creation_order = next_creation_order_++;
    cookie.host_only = host_only;
    cookie.secure_only = secure;
    cookie.http_only = http_only;
    if (cookies_.size() >= kMaxCookies) {
        const auto oldest = std::min_element(cookies_.begin(), cookies_.end(),
                                             [](const Cookie& a, const Cookie& b) {
                                                 if (a.creation != b.creation)
                                                     return a.creation < b.creation;
                                                 return a.creation_order < b.creation_order;
                                             });
        cookies_.erase(oldest);
    }
    insert_sorted(std::move(cookie));
}

void CookieJar::append_cookie_header(std::string_view host, std::string_view path, bool secure,
                                     time_point now, std::string& out) {
    drop_expired(now);
    bool first = true;
    for (const Cookie& cookie : cookies_) {
        const bool domain_ok = cookie.host_only ? iequals_ascii(host, cookie.domain)
                                                : cookie_domain_matches(host, cookie.domain);
        if (!domain_ok || !cookie_path_matches(path, cookie.path)) continue;
        if (cookie.secure_only && !secure) continue;
        out += first ? "Cookie: " : "; ";
        first = false;
        out += cookie.name;
        out += '=';
        out += cookie.value;
    }
    if (!first) out += "\r\n";
}

}  // namespace volley::scenarios
