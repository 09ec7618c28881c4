// `volley resolver init|refresh|serve` (docs/architecture.md "Resolver", README.md "The resolver
// and its real tiers"): load a hierarchy into PostgreSQL, refresh its views with the duration
// measured, and serve the four-tier resolver over HTTP. Exit codes: 0 done, 1 could not be carried
// out (server down, bind failure), 2 usage/input.
#pragma once

#include <CLI/CLI.hpp>

namespace volley::apps {

void add_resolver_commands(CLI::App& app, int& exit_code);

}  // namespace volley::apps
