// CSV files for the csv feeder: RFC 4180 (comma separator, double-quoted fields with "" for a
// quote, CRLF or LF line ends), first row = column names. A UTF-8 byte-order mark at the start
// is skipped.
#pragma once

#include "scenarios/language/plan.hpp"

#include <string>
#include <string_view>

namespace volley::scenarios {

// Throws std::invalid_argument naming the line for a ragged row, an unclosed quote, an empty
// or duplicate column name, or a file without data rows.
[[nodiscard]] CsvTable parse_csv(std::string_view text);

// Reads and parses `path`; throws std::invalid_argument ("cannot read …") as well.
[[nodiscard]] CsvTable read_csv_file(const std::string& path);

}  // namespace volley::scenarios
