// `volley merge DIR… -o OUT` (docs/distributed.md "Merging segments").
#pragma once

#include <CLI/CLI.hpp>

namespace volley::apps {

void add_merge_command(CLI::App& app, int& exit_code);

}  // namespace volley::apps
