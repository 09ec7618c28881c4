// `volley demo serve` (docs/demo.md): the demo HTTP service (demo/) on loopback until SIGINT or
// SIGTERM, for the journeys example and tests. Prints "listening on http://HOST:PORT" (flushed)
// once it accepts connections. Exit codes: 0 stopped by a signal, 1 cannot listen, 2 a bad flag
// (the message names it).
#pragma once

#include <CLI/CLI.hpp>

namespace volley::apps {

void add_demo_command(CLI::App& app, int& exit_code);

}  // namespace volley::apps
