// `volley history` (docs/history.md): the runs of a history store as a trend table (console or
// Markdown) and a self-contained HTML trend report; `volley history add DIR...` records run
// directories in a store. The store is a results directory (--dir, default results: the
// embedded store, no server) or PostgreSQL (--store URL). Exit codes: 0; 2 for bad input (names
// the flag or path); 1 when the store fails (names the store).
#pragma once

#include <CLI/CLI.hpp>

namespace volley::apps {

void add_history_command(CLI::App& app, int& exit_code);

}  // namespace volley::apps
