#include "report_test_support.hpp"

#include <cmath>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "reports/console.hpp"
#include "reports/html_report.hpp"
#include "reports/junit_report.hpp"
#include "reports/markdown_report.hpp"
#include "reports/timeseries_csv.hpp"

namespace volley::reports::testing {

namespace {
RunSummary parsed(const boost::json::object& summary) {
    return parse_run_summary(summary, "test summary");
}
}  // namespace

std::string render_html(const boost::json::object& summary) {
    return reports::render_html(parsed(summary));
}
std::string render_markdown(const boost::json::object& summary) {
    return reports::render_markdown(parsed(summary));
}
std::string render_junit(const boost::json::object& summary) {
    return reports::render_junit(parsed(summary));
}
std::string render_timeseries_csv(const boost::json::object& summary) {
    return reports::render_timeseries_csv(parsed(summary));
}
std::string render_console(const boost::json::object& summary, bool full_spectrum) {
    return reports::render_console(parsed(summary), full_spectrum);
}
std::vector<SpectrumRow> spectrum_rows(const boost::json::object& summary, std::string_view which) {
    auto run = parsed(summary);
    return which == "service" ? run.service_spectrum : run.response_spectrum;
}

boost::json::object load_fixture(std::string_view file_name) {
    const std::string path =
        std::string(VOLLEY_FIXTURES_DIR) + "/reports/" + std::string(file_name);
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open fixture " + path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return boost::json::parse(buffer.str()).as_object();
}

std::string decode_entities(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '&') {
            out += text[i];
            continue;
        }
        const auto end = text.find(';', i);
        if (end == std::string_view::npos) throw std::runtime_error("unterminated entity");
        const auto name = text.substr(i + 1, end - i - 1);
        if (name == "amp")
            out += '&';
        else if (name == "lt")
            out += '<';
        else if (name == "gt")
            out += '>';
        else if (name == "quot")
            out += '"';
        else if (name == "apos")
            out += '\'';
        else if (!name.empty() && name[0] == '#') {
            const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
            const auto digits = std::string(name.substr(hex ? 2 : 1));
            if (digits.empty()) throw std::runtime_error("empty character reference");
            const unsigned long code = std::stoul(digits, nullptr, hex ? 16 : 10);
            if (code < 0x80) {
                out += static_cast<char>(code);
            } else if (code < 0x800) {
                out += static_cast<char>(0xC0 | (code >> 6));
                out += static_cast<char>(0x80 | (code & 0x3F));
            } else {
                out += static_cast<char>(0xE0 | (code >> 12));
                out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
                out += static_cast<char>(0x80 | (code & 0x3F));
            }
        } else {
            throw std::runtime_error("unknown entity &" + std::string(name) + ";");
        }
        i = end;
    }
    return out;
}

std::vector<std::vector<std::string>> html_table(const std::string& html, std::string_view id) {
    std::vector<std::vector<std::string>> rows;
    const auto start = html.find("<table id=\"table-" + std::string(id) + "\">");
    if (start == std::string::npos) return rows;
    const auto end = html.find("</table>", start);
    const std::string table = html.substr(start, end - start);
    static const std::regex row_pattern(R"(<tr[^>]*>([\s\S]*?)</tr>)");
    static const std::regex cell_pattern(R"(<t[dh][^>]*>([\s\S]*?)</t[dh]>)");
    static const std::regex tag_pattern(R"(<[^>]*>)");
    for (auto row = std::sregex_iterator(table.begin(), table.end(), row_pattern);
         row != std::sregex_iterator(); ++row) {
        std::vector<std::string> cells;
        const std::string inner = (*row)[1];
        for (auto cell = std::sregex_iterator(inner.begin(), inner.end(), cell_pattern);
             cell != std::sregex_iterator(); ++cell) {
            cells.push_back(
                decode_entities(std::regex_replace(std::string((*cell)[1]), tag_pattern, "")));
        }
        rows.push_back(std::move(cells));
    }
    return rows;
}

namespace {

std::string trim(std::string_view text) {
    const auto first = text.find_first_not_of(' ');
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(' ');
    return std::string(text.substr(first, last - first + 1));
}

std::string unescape_markdown(std::string_view cell) {
    std::string out;
    for (std::size_t i = 0; i < cell.size(); ++i) {
        if (cell[i] == '\\' && i + 1 < cell.size()) {
            out += cell[++i];
        } else {
            out += cell[i];
        }
    }
    return decode_entities(out);
}

std::vector<std::string> split_markdown_row(std::string_view line) {
    std::vector<std::string> cells;
    std::string current;
    bool started = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '\\' && i + 1 < line.size()) {
            current += line[i];
            current += line[++i];
        } else if (line[i] == '|') {
            if (started) cells.push_back(unescape_markdown(trim(current)));
            started = true;
            current.clear();
        } else {
            current += line[i];
        }
    }
    return cells;
}

}  // namespace

std::vector<std::vector<std::string>> markdown_table(const std::string& markdown,
                                                     std::string_view heading) {
    std::vector<std::vector<std::string>> rows;
    std::istringstream lines(markdown);
    std::string line;
    bool in_section = false;
    while (std::getline(lines, line)) {
        if (line.rfind("## ", 0) == 0) {
            if (!rows.empty()) break;
            in_section = line.substr(3) == heading;
            continue;
        }
        if (!in_section) continue;
        if (line.rfind("|", 0) == 0) {
            if (line.find("---") != std::string::npos && rows.size() == 1)
                continue;  // alignment row
            rows.push_back(split_markdown_row(line));
        } else if (!rows.empty()) {
            break;
        }
    }
    return rows;
}

const std::vector<std::string>* row_labelled(const std::vector<std::vector<std::string>>& rows,
                                             std::string_view label) {
    for (const auto& row : rows) {
        if (!row.empty() && row[0] == label) return &row;
    }
    return nullptr;
}

std::size_t column_index(const std::vector<std::vector<std::string>>& rows,
                         std::string_view heading) {
    if (rows.empty()) throw std::runtime_error("empty table");
    for (std::size_t i = 0; i < rows[0].size(); ++i) {
        if (rows[0][i] == heading) return i;
    }
    throw std::runtime_error("no column " + std::string(heading));
}

std::optional<ReadNumber> read_number(std::string_view text, bool percent) {
    static const std::regex number_pattern(R"([-+]?[0-9]+(\.([0-9]+))?)");
    std::match_results<std::string_view::const_iterator> match;
    if (!std::regex_search(text.begin(), text.end(), match, number_pattern)) return std::nullopt;
    const int decimals = match[2].matched ? static_cast<int>(match[2].length()) : 0;
    ReadNumber number{std::stod(match[0].str()), 0.5 * std::pow(10.0, -decimals) * (1 + 1e-9)};
    if (percent) {
        number.value /= 100.0;
        number.tolerance /= 100.0;
    }
    return number;
}

bool shows(std::string_view text, double expected, bool percent) {
    const auto number = read_number(text, percent);
    return number && std::abs(number->value - expected) <= number->tolerance + 1e-12;
}

namespace {

class XmlParser {
public:
    explicit XmlParser(std::string_view text) : text_(text) {}

    XmlElement document() {
        skip_misc();
        if (!at('<')) fail("expected the root element");
        auto root = element();
        skip_misc();
        if (pos_ != text_.size()) fail("content after the root element");
        return root;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error("XML not well-formed at offset " + std::to_string(pos_) + ": " +
                                 what);
    }
    bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
    bool at(std::string_view s) const { return text_.substr(pos_, s.size()) == s; }
    void expect(std::string_view s) {
        if (!at(s)) fail("expected '" + std::string(s) + "'");
        pos_ += s.size();
    }
    void skip_space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                       text_[pos_] == '\t' || text_[pos_] == '\r')) {
            ++pos_;
        }
    }
    void skip_until(std::string_view end) {
        const auto found = text_.find(end, pos_);
        if (found == std::string_view::npos) fail("unterminated construct");
        pos_ = found + end.size();
    }
    // Prolog, comments, processing instructions and whitespace between top-level items.
    void skip_misc() {
        while (true) {
            skip_space();
            if (at("<?"))
                skip_until("?>");
            else if (at("<!--"))
                skip_until("-->");
            else
                return;
        }
    }
    std::string name() {
        const auto start = pos_;
        while (pos_ < text_.size() &&
               (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_' ||
                text_[pos_] == '-' || text_[pos_] == '.' || text_[pos_] == ':')) {
            ++pos_;
        }
        if (pos_ == start) fail("expected a name");
        return std::string(text_.substr(start, pos_ - start));
    }
    // Character data up to (not including) `stop`; checks for raw '<' and valid entities.
    std::string character_data(char stop) {
        const auto start = pos_;
        while (pos_ < text_.size() && text_[pos_] != stop) {
            const auto c = static_cast<unsigned char>(text_[pos_]);
            if (text_[pos_] == '<') fail("raw '<' in character data");
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') fail("control character");
            ++pos_;
        }
        try {
            return decode_entities(text_.substr(start, pos_ - start));
        } catch (const std::exception& error) {
            fail(error.what());
        }
    }
    XmlElement element() {
        expect("<");
        XmlElement node;
        node.name = name();
        while (true) {
            skip_space();
            if (at("/>")) {
                pos_ += 2;
                return node;
            }
            if (at('>')) {
                ++pos_;
                break;
            }
            auto attribute = name();
            skip_space();
            expect("=");
            skip_space();
            if (!at('"') && !at('\'')) fail("unquoted attribute value");
            const char quote = text_[pos_++];
            auto value = character_data(quote);
            expect(std::string_view(&quote, 1));
            if (!node.attributes.emplace(attribute, value).second)
                fail("duplicate attribute " + attribute);
        }
        while (true) {
            if (at("</")) {
                pos_ += 2;
                if (name() != node.name) fail("mismatched end tag for " + node.name);
                skip_space();
                expect(">");
                return node;
            }
            if (at("<!--")) {
                skip_until("-->");
            } else if (at('<')) {
                node.children.push_back(element());
            } else if (pos_ >= text_.size()) {
                fail("unterminated element " + node.name);
            } else {
                node.text += character_data('<');
            }
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

void collect(const XmlElement& node, std::string_view name, std::vector<const XmlElement*>& out) {
    if (node.name == name) out.push_back(&node);
    for (const auto& child : node.children) collect(child, name, out);
}

}  // namespace

XmlElement parse_xml(std::string_view document) { return XmlParser(document).document(); }

std::vector<const XmlElement*> find_all(const XmlElement& root, std::string_view name) {
    std::vector<const XmlElement*> out;
    collect(root, name, out);
    return out;
}

}  // namespace volley::reports::testing
