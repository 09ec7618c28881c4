// `volley validate FILE...`: checks every file volley reads as a scenario without running it.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace volley::apps {

// A file with a top-level `slo:` key is an SLO scenario (`volley slo`) and is checked by the SLO
// loader; any other by the scenario loader. Prints "FILE: ok (…)" or each problem
// (file:line:col: key: message) per file to `out`; returns 0 when all are valid, else 2.
int validate_command(const std::vector<std::string>& files, std::ostream& out);

}  // namespace volley::apps
