#pragma once
// Helpers for the report tests: load fixtures, read tables back out of rendered HTML and
// Markdown, parse numbers from cells, and a small XML 1.0 well-formedness parser for junit.xml.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "reports/run_summary.hpp"

namespace volley::reports::testing {

// The renderers take the typed run summary (reports/run_summary.hpp). The tests build and alter
// summaries as summary.json objects, the way a run writes them; these overloads parse such an
// object with parse_run_summary (source "test summary", so a bad one throws SummaryError) and
// render it.
std::string render_html(const boost::json::object& summary);
std::string render_markdown(const boost::json::object& summary);
std::string render_junit(const boost::json::object& summary);
std::string render_timeseries_csv(const boost::json::object& summary);
std::string render_console(const boost::json::object& summary, bool full_spectrum);
// latency_spectrum.<which> ("response" or "service") of the parsed summary.
std::vector<SpectrumRow> spectrum_rows(const boost::json::object& summary, std::string_view which);

// tests/fixtures/reports/<file_name> parsed as an object (throws on error).
boost::json::object load_fixture(std::string_view file_name);

// Rows of the HTML <table id="table-<id>"> (header row first), cell text with tags removed and
// entities decoded. Empty when the table is absent.
std::vector<std::vector<std::string>> html_table(const std::string& html, std::string_view id);

// Rows of the first Markdown table after the line "## <heading>" (header row first, the
// alignment row dropped), cells split at unescaped "|" and unescaped. Empty when absent.
std::vector<std::vector<std::string>> markdown_table(const std::string& markdown,
                                                     std::string_view heading);

// The row whose first cell equals `label` (nullptr when none).
const std::vector<std::string>* row_labelled(const std::vector<std::vector<std::string>>& rows,
                                             std::string_view label);
// A temporary table would leave the returned pointer dangling.
const std::vector<std::string>* row_labelled(std::vector<std::vector<std::string>>&&,
                                             std::string_view) = delete;
// Index of the header cell equal to `heading` in rows[0]; throws when absent.
std::size_t column_index(const std::vector<std::vector<std::string>>& rows,
                         std::string_view heading);

// A number read back from report text: the first decimal number in `text` (so "48.30 ms" →
// 48.30, "0.91%" → 0.0091 as a fraction when percent is true), and the rounding tolerance the
// text allows (half a unit of its last decimal place).
struct ReadNumber {
    double value = 0;
    double tolerance = 0;
};
std::optional<ReadNumber> read_number(std::string_view text, bool percent = false);
// True when `text` shows `expected` (within the text's own rounding).
bool shows(std::string_view text, double expected, bool percent = false);

// Decodes &amp; &lt; &gt; &quot; &apos; &#39; &#NN; &#xNN;.
std::string decode_entities(std::string_view text);

struct XmlElement {
    std::string name;
    std::map<std::string, std::string> attributes;  // decoded
    std::vector<XmlElement> children;
    std::string text;  // decoded character data directly inside this element
};

// Parses an XML 1.0 document (prolog, elements, attributes, text, entities, comments). Throws
// std::runtime_error with the offset on anything that is not well-formed: unbalanced or
// mismatched tags, unquoted or duplicate attributes, a raw '<' or stray '&' in text or
// attribute values, unknown entities, control characters, or trailing content.
XmlElement parse_xml(std::string_view document);

// All descendants (and the element itself) named `name`, in document order.
std::vector<const XmlElement*> find_all(const XmlElement& root, std::string_view name);

}  // namespace volley::reports::testing
