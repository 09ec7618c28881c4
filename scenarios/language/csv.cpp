#include "scenarios/language/csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace volley::scenarios {

CsvTable parse_csv(std::string_view text) {
    // Excel's "CSV UTF-8" starts with a byte-order mark; it is not part of the first column name.
    constexpr std::string_view kBom = "\xEF\xBB\xBF";
    if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
    CsvTable table;
    std::vector<std::string> row;
    std::string field;
    std::size_t line = 1;
    std::size_t row_line = 1;  // where the current row started
    bool in_quotes = false;
    bool row_has_content = false;

    auto end_row = [&] {
        row.push_back(std::move(field));
        field.clear();
        const bool blank = row.size() == 1 && row.front().empty() && !row_has_content;
        if (!blank) {
            if (table.columns.empty()) {
                for (const auto& name : row) {
                    if (name.empty()) {
                        throw std::invalid_argument(
                            fmt::format("line {}: empty column name", row_line));
                    }
                    if (std::count(row.begin(), row.end(), name) > 1) {
                        throw std::invalid_argument(
                            fmt::format("line {}: duplicate column '{}'", row_line, name));
                    }
                }
                table.columns = std::move(row);
            } else if (row.size() != table.columns.size()) {
                throw std::invalid_argument(
                    fmt::format("line {}: {} field{}, the header has {}", row_line, row.size(),
                                row.size() == 1 ? "" : "s", table.columns.size()));
            } else {
                table.rows.push_back(std::move(row));
                table.row_lines.push_back(row_line);
            }
        }
        row.clear();
        row_has_content = false;
    };

    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_quotes) {
            if (c == '"') {
                if (i + 1 < text.size() && text[i + 1] == '"') {
                    field += '"';
                    ++i;
                } else {
                    in_quotes = false;
                }
            } else {
                if (c == '\n') ++line;
                field += c;
            }
            continue;
        }
        if (c == '"') {
            if (!field.empty()) {
                throw std::invalid_argument(
                    fmt::format("line {}: a quote inside an unquoted field", line));
            }
            in_quotes = true;
            row_has_content = true;
        } else if (c == ',') {
            row.push_back(std::move(field));
            field.clear();
            row_has_content = true;
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            end_row();
            ++line;
            row_line = line;
        } else {
            field += c;
            row_has_content = true;
        }
    }
    if (in_quotes) throw std::invalid_argument(fmt::format("line {}: unclosed quote", row_line));
    if (row_has_content || !field.empty()) end_row();
    if (table.columns.empty()) throw std::invalid_argument("empty file (expected a header row)");
    if (table.rows.empty()) throw std::invalid_argument("no data rows after the header");
    return table;
}

CsvTable read_csv_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::invalid_argument(fmt::format("cannot read '{}'", path));
    std::ostringstream content;
    content << in.rdbuf();
    return parse_csv(content.str());
}

}  // namespace volley::scenarios
