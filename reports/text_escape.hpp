#pragma once
// Escaping of text taken from a summary (scenario, request and threshold names, URLs, notes)
// before it goes into a rendered report. One function per output language; every renderer in
// reports/ calls these and never escapes by hand.

#include <cstddef>
#include <string>
#include <string_view>

namespace volley::reports {

// HTML and XML 1.0 text and attribute values: & < > " ' become entities. Control characters
// that XML 1.0 forbids (U+0000..U+001F except tab, LF, CR) become U+FFFD, so the result is
// always well-formed. Input is UTF-8; multi-byte sequences pass through unchanged.
std::string escape_markup(std::string_view text);

// One cell (or inline text) of a GitHub-flavoured Markdown table: \ ` * _ | become
// backslash-escaped, < > & become HTML entities (so no tag is ever interpreted), and CR/LF
// become spaces (a table row is one line).
std::string escape_markdown(std::string_view text);

// Text shown on a terminal line: control characters (C0, DEL, C1) are dropped, so a name cannot
// move the cursor, ring the bell or inject escape sequences.
std::string strip_control_characters(std::string_view text);

// Columns of a terminal table: the width of UTF-8 text in code points (every character the
// tables use, "±", "—" and "–" among them, takes one column), and the text padded with spaces to
// `width` columns, on the left when `right_align`.
std::size_t display_width(std::string_view text);
std::string pad_to_width(const std::string& text, std::size_t width, bool right_align);

}  // namespace volley::reports
