// `volley report DIR`: re-renders a saved run.
#pragma once

#include <CLI/CLI.hpp>

namespace volley::apps {

void add_report_commands(CLI::App& app, int& exit_code);

}  // namespace volley::apps
