// The journey cookie jar against RFC 6265 §5: date parsing, domain and path matching, the
// storage model (host-only, Domain, Path, Max-Age over Expires, deletion, Secure) and the order
// of the Cookie header. Time is a manual clock: plain time points passed in.
#include "scenarios/language/cookie_jar.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <string_view>

using volley::scenarios::cookie_default_path;
using volley::scenarios::cookie_domain_matches;
using volley::scenarios::cookie_path_matches;
using volley::scenarios::CookieJar;
using volley::scenarios::parse_cookie_date;
using time_point = std::chrono::system_clock::time_point;
using std::chrono::seconds;

namespace {

// 2026-01-01T00:00:00Z, the tests' "now".
const time_point kNow = time_point(seconds(1767225600));

time_point utc(int year, unsigned month, unsigned day, int hour, int minute, int second) {
    const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month},
                                           std::chrono::day{day}};
    return time_point(std::chrono::sys_days(date).time_since_epoch() + std::chrono::hours(hour) +
                      std::chrono::minutes(minute) + seconds(second));
}

std::string cookies_for(CookieJar& jar, std::string_view host, std::string_view path,
                        bool secure = false, time_point now = kNow) {
    std::string out;
    jar.append_cookie_header(host, path, secure, now, out);
    return out;
}

}  // namespace

TEST_CASE("cookie date: the RFC's forms and its tolerance", "[cookie_jar]") {
    const time_point expected = utc(1994, 11, 6, 8, 49, 37);
    CHECK(parse_cookie_date("Sun, 06 Nov 1994 08:49:37 GMT") == expected);   // IMF-fixdate
    CHECK(parse_cookie_date("Sunday, 06-Nov-94 08:49:37 GMT") == expected);  // RFC 850
    CHECK(parse_cookie_date("Sun Nov  6 08:49:37 1994") == expected);        // asctime
    CHECK(parse_cookie_date("06 nov 1994 8:49:37") == expected);             // case, 1 digit
    CHECK(parse_cookie_date("Wed, 09 Jun 2021 10:18:14 GMT") == utc(2021, 6, 9, 10, 18, 14));
    CHECK(parse_cookie_date("Thu, 01-Jan-70 00:00:01 GMT") == utc(1970, 1, 1, 0, 0, 1));
    CHECK(parse_cookie_date("Mon, 01-Jan-35 00:00:00 GMT") == utc(2035, 1, 1, 0, 0, 0));
    CHECK(parse_cookie_date("29 Feb 2024 12:00:00") == utc(2024, 2, 29, 12, 0, 0));
    // Out of system_clock's range: clamped, not wrapped.
    CHECK(parse_cookie_date("01 Jan 1601 00:00:00") == time_point::min());
    CHECK(parse_cookie_date("31 Dec 9999 23:59:59") == time_point::max());

    for (const char* bad :
         {"", "garbage", "Sun, 06 Nov 1994", "06 Nov 08:49:37 GMT", "Sun, 32 Nov 1994 08:49:37 GMT",
          "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT",
          "Sun, 06 Nov 1994 08:49:60 GMT", "30 Feb 2024 12:00:00", "06 Nov 1600 08:49:37",
          "06 Foo 1994 08:49:37", "06 Nov 19945 08:49:37", "006 Nov 1994 08:49:37"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_cookie_date(bad).has_value());
    }
}

TEST_CASE("cookie matching: domain-match, path-match and default-path", "[cookie_jar]") {
    CHECK(cookie_domain_matches("example.com", "example.com"));
    CHECK(cookie_domain_matches("WWW.Example.com", "example.COM"));
    CHECK(cookie_domain_matches("a.b.example.com", "example.com"));
    CHECK_FALSE(cookie_domain_matches("badexample.com", "example.com"));
    CHECK_FALSE(cookie_domain_matches("example.com", "www.example.com"));
    CHECK_FALSE(cookie_domain_matches("example.com", ""));
    CHECK(cookie_domain_matches("127.0.0.1", "127.0.0.1"));
    CHECK_FALSE(cookie_domain_matches("10.0.0.1", "0.0.1"));  // an IP address: identical only

    CHECK(cookie_path_matches("/", "/"));
    CHECK(cookie_path_matches("/docs", "/docs"));
    CHECK(cookie_path_matches("/docs/", "/docs"));
    CHECK(cookie_path_matches("/docs/web", "/docs"));
    CHECK(cookie_path_matches("/docs/web", "/docs/"));
    CHECK(cookie_path_matches("/docs?x=1", "/docs"));
    CHECK(cookie_path_matches("", "/"));
    CHECK_FALSE(cookie_path_matches("/docsets", "/docs"));
    CHECK_FALSE(cookie_path_matches("/", "/docs"));
    CHECK_FALSE(cookie_path_matches("/Docs", "/docs"));

    CHECK(cookie_default_path("") == "/");
    CHECK(cookie_default_path("relative") == "/");
    CHECK(cookie_default_path("/") == "/");
    CHECK(cookie_default_path("/login") == "/");
    CHECK(cookie_default_path("/account/login") == "/account");
    CHECK(cookie_default_path("/account/login/") == "/account/login");
    CHECK(cookie_default_path("/a/b?next=/c/d") == "/a");
}

TEST_CASE("cookie jar: name=value parsing follows §5.2", "[cookie_jar]") {
    CookieJar jar;
    jar.store(" SID = 31d4d96e407aad42 ; Path=/", "example.com", "/", kNow);
    jar.store("lang=en-US=x", "example.com", "/", kNow);  // the value runs to ';'
    jar.store("empty=", "example.com", "/", kNow);
    jar.store("noequals", "example.com", "/", kNow);  // ignored
    jar.store("=novalue", "example.com", "/", kNow);  // empty name: ignored
    jar.store("", "example.com", "/", kNow);
    CHECK(jar.size() == 3);
    CHECK(cookies_for(jar, "example.com", "/") ==
          "Cookie: SID=31d4d96e407aad42; lang=en-US=x; empty=\r\n");
    CHECK(cookies_for(jar, "other.com", "/").empty());
}

TEST_CASE("cookie jar: host-only cookies and the Domain attribute", "[cookie_jar]") {
    CookieJar jar;
    jar.store("host=1", "www.example.com", "/", kNow);
    jar.store("dom=2; Domain=example.com", "www.example.com", "/", kNow);
    jar.store("dot=3; Domain=.Example.COM", "www.example.com", "/", kNow);
    jar.store("empty=4; Domain=", "www.example.com", "/", kNow);  // ignored attr: host-only
    jar.store("foreign=5; Domain=other.com", "www.example.com", "/", kNow);             // rejected
    jar.store("narrower=6; Domain=sub.www.example.com", "www.example.com", "/", kNow);  // rejected
    CHECK(jar.size() == 4);
    CHECK(cookies_for(jar, "www.example.com", "/") == "Cookie: host=1; dom=2; dot=3; empty=4\r\n");
    CHECK(cookies_for(jar, "WWW.EXAMPLE.COM", "/") == "Cookie: host=1; dom=2; dot=3; empty=4\r\n");
    // A host-only cookie does not go to subdomains; a Domain cookie does.
    CHECK(cookies_for(jar, "api.www.example.com", "/") == "Cookie: dom=2; dot=3\r\n");
    CHECK(cookies_for(jar, "example.com", "/") == "Cookie: dom=2; dot=3\r\n");
    CHECK(cookies_for(jar, "other.com", "/").empty());
    CHECK(cookies_for(jar, "notexample.com", "/").empty());
}

TEST_CASE("cookie jar: Path attribute and default-path", "[cookie_jar]") {
    CookieJar jar;
    jar.store("default=1", "example.com", "/account/login", kNow);  // path /account
    jar.store("root=2; Path=/", "example.com", "/account/login", kNow);
    jar.store("docs=3; Path=/docs", "example.com", "/", kNow);
    jar.store("relative=4; Path=docs", "example.com", "/x/y", kNow);  // not '/': default-path /x
    CHECK(cookies_for(jar, "example.com", "/account") == "Cookie: default=1; root=2\r\n");
    CHECK(cookies_for(jar, "example.com", "/account/settings?tab=1") ==
          "Cookie: default=1; root=2\r\n");
    CHECK(cookies_for(jar, "example.com", "/accounts") == "Cookie: root=2\r\n");
    CHECK(cookies_for(jar, "example.com", "/docs/a") == "Cookie: docs=3; root=2\r\n");
    CHECK(cookies_for(jar, "example.com", "/x/z") == "Cookie: relative=4; root=2\r\n");
}

TEST_CASE("cookie jar: §5.4 order: longer paths first, then earlier creation", "[cookie_jar]") {
    CookieJar jar;
    jar.store("b=1; Path=/", "example.com", "/", kNow);
    jar.store("a=2; Path=/", "example.com", "/", kNow);  // same time: stored order
    jar.store("deep=3; Path=/a/b", "example.com", "/", kNow + seconds(5));
    jar.store("mid=4; Path=/a", "example.com", "/", kNow + seconds(1));
    jar.store("early=5; Path=/", "example.com", "/", kNow - seconds(10));
    CHECK(cookies_for(jar, "example.com", "/a/b/c") ==
          "Cookie: deep=3; mid=4; early=5; b=1; a=2\r\n");
    // Replacing a cookie keeps its creation time, so its place.
    jar.store("b=changed", "example.com", "/", kNow + seconds(20));
    CHECK(cookies_for(jar, "example.com", "/") == "Cookie: early=5; b=changed; a=2\r\n");
    CHECK(jar.size() == 5);
}

TEST_CASE("cookie jar: same name with another domain or path is another cookie", "[cookie_jar]") {
    CookieJar jar;
    jar.store("id=root; Path=/", "www.example.com", "/", kNow);
    jar.store("id=docs; Path=/docs", "www.example.com", "/", kNow);
    jar.store("id=wide; Domain=example.com", "www.example.com", "/", kNow);
    CHECK(jar.size() == 3);
    CHECK(cookies_for(jar, "www.example.com", "/docs") == "Cookie: id=docs; id=root; id=wide\r\n");
    // The same name, domain and path replace, whether host-only or not (§5.3 step 11).
    jar.store("id=replaced; Domain=www.example.com", "www.example.com", "/", kNow);
    CHECK(jar.size() == 3);
    CHECK(cookies_for(jar, "www.example.com", "/") == "Cookie: id=replaced; id=wide\r\n");
    // ... and the replacement is no longer host-only.
    CHECK(cookies_for(jar, "api.www.example.com", "/") == "Cookie: id=replaced; id=wide\r\n");
}

TEST_CASE("cookie jar: Max-Age and Expires, and deletion", "[cookie_jar]") {
    CookieJar jar;
    jar.store("session=1", "example.com", "/", kNow);
    jar.store("maxage=2; Max-Age=60", "example.com", "/", kNow);
    jar.store("expires=3; Expires=Thu, 01 Jan 2026 00:02:00 GMT", "example.com", "/", kNow);
    // Max-Age wins over Expires, in either order.
    jar.store("both=4; Expires=Thu, 01 Jan 2026 01:00:00 GMT; Max-Age=30", "example.com", "/",
              kNow);
    jar.store("both2=5; Max-Age=30; Expires=Thu, 01 Jan 2026 01:00:00 GMT", "example.com", "/",
              kNow);
    jar.store("badage=6; Max-Age=12abc", "example.com", "/", kNow);        // ignored: session
    jar.store("baddate=7; Expires=not a date", "example.com", "/", kNow);  // ignored: session
    CHECK(jar.size() == 7);
    CHECK(cookies_for(jar, "example.com", "/", false, kNow + seconds(29)) ==
          "Cookie: session=1; maxage=2; expires=3; both=4; both2=5; badage=6; baddate=7\r\n");
    CHECK(cookies_for(jar, "example.com", "/", false, kNow + seconds(30)) ==
          "Cookie: session=1; maxage=2; expires=3; badage=6; baddate=7\r\n");
    CHECK(cookies_for(jar, "example.com", "/", false, kNow + seconds(60)) ==
          "Cookie: session=1; expires=3; badage=6; baddate=7\r\n");
    CHECK(cookies_for(jar, "example.com", "/", false, kNow + seconds(120)) ==
          "Cookie: session=1; badage=6; baddate=7\r\n");
    CHECK(jar.size() == 3);  // expired cookies are dropped

    // Max-Age=0, a negative Max-Age or an Expires in the past deletes the stored cookie.
    const time_point later = kNow + seconds(200);
    jar.store("session=; Max-Age=0", "example.com", "/", later);
    jar.store("badage=x; Max-Age=-1", "example.com", "/", later);
    CHECK(cookies_for(jar, "example.com", "/", false, later) == "Cookie: baddate=7\r\n");
    jar.store("baddate=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "example.com", "/", later);
    CHECK(jar.size() == 0);
    CHECK(cookies_for(jar, "example.com", "/", false, later).empty());
    // Deletion needs the same domain and path.
    jar.store("keep=1; Path=/a", "example.com", "/", later);
    jar.store("keep=; Max-Age=0", "example.com", "/", later);
    CHECK(jar.size() == 1);
    // A huge Max-Age does not overflow.
    jar.store("forever=1; Max-Age=99999999999999999999", "example.com", "/", later);
    CHECK(cookies_for(jar, "example.com", "/", false, later + seconds(1000000000)) ==
          "Cookie: forever=1\r\n");
}

TEST_CASE("cookie jar: Secure cookies go over TLS only; attributes are case-insensitive",
          "[cookie_jar]") {
    CookieJar jar;
    jar.store("plain=1", "example.com", "/", kNow);
    jar.store("secret=2; SECURE; httponly", "example.com", "/", kNow);
    CHECK(cookies_for(jar, "example.com", "/", false) == "Cookie: plain=1\r\n");
    CHECK(cookies_for(jar, "example.com", "/", true) == "Cookie: plain=1; secret=2\r\n");
}

TEST_CASE("cookie jar: bounded in count and size", "[cookie_jar]") {
    CookieJar jar;
    for (int i = 0; i < 60; ++i) {
        jar.store("c" + std::to_string(i) + "=v", "example.com", "/", kNow + seconds(i));
    }
    CHECK(jar.size() == CookieJar::kMaxCookies);
    const std::string header = cookies_for(jar, "example.com", "/", false, kNow + seconds(100));
    CHECK(header.find("c9=") == std::string::npos);  // the oldest ten are gone
    CHECK(header.rfind("Cookie: c10=v; c11=v", 0) == 0);
    CHECK(header.find("c59=v\r\n") != std::string::npos);

    CookieJar small;
    small.store("big=" + std::string(CookieJar::kMaxCookieBytes, 'x'), "example.com", "/", kNow);
    CHECK(small.size() == 0);
    small.store("fits=" + std::string(CookieJar::kMaxCookieBytes - 5, 'x'), "example.com", "/",
                kNow);
    CHECK(small.size() == 1);
    small.clear();
    CHECK(small.size() == 0);
    CHECK(cookies_for(small, "example.com", "/").empty());
}

TEST_CASE("cookie jar: appends to what the output already holds", "[cookie_jar]") {
    CookieJar jar;
    jar.store("a=1", "example.com", "/", kNow);
    std::string out = "Host: example.com\r\n";
    jar.append_cookie_header("example.com", "/", false, kNow, out);
    CHECK(out == "Host: example.com\r\nCookie: a=1\r\n");
}
