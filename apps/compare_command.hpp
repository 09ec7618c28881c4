// `volley compare`: a new run judged against a baseline run (or the pooled last N passing runs
// of its scenario in the history), by the noise-aware statistics of history/noise_compare.hpp
// when both sides have per-interval histograms, else by the headline figures
// (reports/compare.hpp). docs/history.md "volley compare".
#pragma once

#include <CLI/CLI.hpp>

namespace volley::apps {

void add_compare_command(CLI::App& app, int& exit_code);

}  // namespace volley::apps
