// `volley compare --baseline SPEC`: which earlier runs a new run is judged against
// (docs/history.md "Baselines").
//   a run directory, or a run id of the store  that run
//   last-pass                                 the newest passing run of the same scenario hash
//   last:N                                    the newest N passing runs of that hash, pooled
// The new run itself (same started_at) is never its own baseline.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "history/store.hpp"

namespace volley::history {

struct BaselineSpec {
    enum class Kind { run, last_pass, last_n };
    Kind kind = Kind::run;
    std::string run;        // Kind::run: a directory or a store id
    std::size_t count = 1;  // Kind::last_n: N ≥ 1
};

// Throws std::invalid_argument ("--baseline: …") for "last:" without a positive count or an
// empty text.
[[nodiscard]] BaselineSpec parse_baseline(std::string_view text);

// No baseline run answers the spec (e.g. no earlier passing run of the scenario).
class NoBaselineError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// last-pass / last:N found no earlier passing run of the scenario at all: the new run is the
// first of its history (not an error of the input).
class NoEarlierRunError : public NoBaselineError {
public:
    using NoBaselineError::NoBaselineError;
};

struct Baseline {
    std::vector<RunSample> runs;       // oldest first; more than one for last:N (pooled)
    std::string description;           // "run X", "last passing run X", "last 7 passing runs (…)"
    std::vector<std::string> skipped;  // runs of the history that could not be read ("PATH: why")
};

// Resolves `spec` for the run `fresh` against `store`. A Kind::run that names an existing
// directory is read from it, otherwise it is the store's id. Throws NoBaselineError, StoreError,
// RunReadError.
[[nodiscard]] Baseline resolve_baseline(const BaselineSpec& spec, HistoryStore& store,
                                        const RunRecord& fresh);

}  // namespace volley::history
