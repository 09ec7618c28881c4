// A cookie jar for journeys (docs/scenarios.md "journeys"): RFC 6265 §5 as a user agent
// speaking HTTP applies it — Set-Cookie parsing (§5.2), the date algorithm (§5.1.1), domain and
// path matching (§5.1.3, §5.1.4), the storage model (§5.3) and the Cookie header (§5.4).
// Not implemented: the public suffix list (§5.3 step 5) — a load test talks to its own hosts.
// Time is passed in; the jar never reads a clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace volley::scenarios {

// §5.1.1: the cookie-date algorithm (IMF-fixdate, RFC 850 and asctime forms and the variants it
// tolerates); nullopt when it fails. Dates outside system_clock's range are clamped to it.
std::optional<std::chrono::system_clock::time_point> parse_cookie_date(std::string_view text);

// §5.1.3 domain-match: host equals domain, or host ends with "." + domain and is not an IP
// address. Both compared ASCII case-insensitively.
bool cookie_domain_matches(std::string_view host, std::string_view domain);

// §5.1.4: path-match, and the default-path of a request path (its query, if any, is ignored).
bool cookie_path_matches(std::string_view request_path, std::string_view cookie_path);
std::string_view cookie_default_path(std::string_view request_path);

// One jar per journey (open model) or per VU (closed model); not thread-safe.
class CookieJar {
public:
    using time_point = std::chrono::system_clock::time_point;

    static constexpr std::size_t kMaxCookies = 50;        // the oldest is evicted beyond this
    static constexpr std::size_t kMaxCookieBytes = 4096;  // a longer Set-Cookie is ignored

    // One Set-Cookie header value received for a request to request_host (a host name or IP
    // address without port) and request_path (a query is ignored). Values the RFC ignores are
    // ignored (no '=', empty name, a Domain the host does not domain-match). A cookie whose
    // expiry is not after `now` deletes the stored cookie of the same name, domain and path.
    void store(std::string_view set_cookie_value, std::string_view request_host,
               std::string_view request_path, time_point now);

    // Appends "Cookie: a=1; b=2\r\n" with the cookies for this request (§5.4: longer paths
    // first, then earlier creation), or nothing when none applies. secure: the request goes
    // over TLS. Expired cookies are dropped on the way.
    void append_cookie_header(std::string_view host, std::string_view path, bool secure,
                              time_point now, std::string& out);

    void clear() { cookies_.clear(); }
    [[nodiscard]] std::size_t size() const { return cookies_.size(); }

private:
    struct Cookie {
        std::string name, value, domain, path;  // domain: lower case
        time_point expiry = time_point::max();
        time_point creation{};
        std::uint64_t creation_order = 0;  // breaks ties between equal creation times
        bool host_only = false;
        bool secure_only = false;
        bool http_only = false;
    };

    // §5.4 order: the jar is kept sorted (path length descending, then creation).
    static bool sends_before(const Cookie& a, const Cookie& b);
    void drop_expired(time_point now);
    void insert_sorted(Cookie&& cookie);

    std::vector<Cookie> cookies_;
    std::uint64_t next_creation_order_ = 0;
};

}  // namespace volley::scenarios
