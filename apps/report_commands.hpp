// `volley report DIR` and `volley compare BASE NEW`: work on saved runs only.
#pragma once

#include <CLI/CLI.hpp>

namespace volley::apps {

void add_report_commands(CLI::App& app, int& exit_code);

}  // namespace volley::apps
