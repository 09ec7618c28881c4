// Escaping and number formatting: the shared helpers every report uses.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include <boost/json.hpp>

#include "reports/number_format.hpp"
#include "reports/text_escape.hpp"

using namespace volley::reports;

TEST_CASE("escape_markup turns every markup character into an entity", "[reports][escape]") {
    CHECK(escape_markup(R"(<script>alert("x") & 'y'</script>)") ==
          "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;");
    CHECK(escape_markup("plain text") == "plain text");
    CHECK(escape_markup("caf\xC3\xA9") == "caf\xC3\xA9");  // UTF-8 passes through
}

TEST_CASE("escape_markup replaces control characters XML 1.0 forbids", "[reports][escape]") {
    CHECK(escape_markup(std::string("a\x01"
                                    "b\x1b"
                                    "c",
                                    5)) ==
          "a\xEF\xBF\xBD"
          "b\xEF\xBF\xBD"
          "c");
    CHECK(escape_markup("tab\tnew\nline\r") == "tab\tnew\nline\r");
}

TEST_CASE("escape_markdown neutralises table and inline syntax", "[reports][escape]") {
    CHECK(escape_markdown("a|b") == "a\\|b");
    CHECK(escape_markdown("`code`") == "\\`code\\`");
    CHECK(escape_markdown("<b>&</b>") == "&lt;b&gt;&amp;&lt;/b&gt;");
    CHECK(escape_markdown("*x* _y_ \\") == "\\*x\\* \\_y\\_ \\\\");
    CHECK(escape_markdown("two\nlines") == "two lines");
}

TEST_CASE("strip_control_characters keeps a terminal line harmless", "[reports][escape]") {
    CHECK(strip_control_characters("ok\x1b[2Jstage\r\n\x07") == "ok[2Jstage");
    CHECK(strip_control_characters("a\xC2\x9B"
                                   "b") == "ab");                                 // C1 CSI
    CHECK(strip_control_characters("\xC3\xA9t\xC3\xA9") == "\xC3\xA9t\xC3\xA9");  // é kept
}

TEST_CASE("format_number chooses decimals by magnitude", "[reports][format]") {
    CHECK(format_number(0.4123) == "0.412");
    CHECK(format_number(12.3456) == "12.35");
    CHECK(format_number(250.31) == "250.3");
    CHECK(format_number(15231.4) == "15231");
    CHECK(format_number(-0.0001) == "0.000");
    CHECK(format_number(std::numeric_limits<double>::infinity()) == "n/a");
    CHECK(format_ms(48.3) == "48.30");
}

TEST_CASE("rates, percentages, counts and durations", "[reports][format]") {
    CHECK(format_rps(998.66) == "998.7");
    CHECK(format_percent(0.9781) == "97.81%");
    CHECK(format_percent(0.00004) == "0.004%");
    CHECK(format_percent(0.0) == "0.00%");
    CHECK(format_percentage_points(0.0042) == "0.42 pp");
    CHECK(format_fraction(0.9781) == "0.978100");
    CHECK(format_count(5410) == "5410");
    CHECK(format_seconds(30) == "30.0");
    CHECK(format_clock(7.9) == "0:07");
    CHECK(format_clock(3723) == "1:02:03");
    CHECK(format_clock(-1) == "-:--");
    CHECK(format_clock(9.88889e40) == "-:--");  // a corrupted summary (fuzz_summary finding)
    CHECK(format_signed(2.5, &format_ms) == "+2.50");
    CHECK(format_signed(-2.5, &format_ms) == "-2.50");
    CHECK(format_signed(0.0001, &format_rps) == "0.0");  // no "+" on a value that shows as zero
}

TEST_CASE("format_json_scalar renders each JSON kind", "[reports][format]") {
    CHECK(format_json_scalar(boost::json::value(nullptr)) == std::string(missing_value_text));
    CHECK(format_json_scalar(boost::json::value(true)) == "yes");
    CHECK(format_json_scalar(boost::json::value(42)) == "42");
    CHECK(format_json_scalar(boost::json::value(13.52)) == "13.52");
    CHECK(format_json_scalar(boost::json::value("<raw>")) == "<raw>");  // escaping is the caller's
    CHECK(format_optional(std::nullopt, &format_ms) == std::string(missing_value_text));
    CHECK(format_optional(std::nullopt, &format_ms, "").empty());
}

TEST_CASE("format_percentile labels spectrum levels exactly", "[reports][format]") {
    CHECK(format_percentile(0.5) == "50%");
    CHECK(format_percentile(0.999) == "99.9%");
    CHECK(format_percentile(0.990625) == "99.0625%");
    CHECK(format_percentile(0.0) == "0%");
}

TEST_CASE("format_tick drops needless decimals", "[reports][format]") {
    CHECK(format_tick(0) == "0");
    CHECK(format_tick(250) == "250");
    CHECK(format_tick(0.5) == "0.5");
    CHECK(format_tick(0.125) == "0.125");
    CHECK(format_tick(-0.0000001) == "0");
}
