#include "history/baseline.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace volley::history {

BaselineSpec parse_baseline(std::string_view text) {
    BaselineSpec spec;
    if (text.empty())
        throw std::invalid_argument("--baseline: empty; give a run, last-pass or last:N");
    if (text == "last-pass") {
        spec.kind = BaselineSpec::Kind::last_pass;
        return spec;
    }
    constexpr std::string_view last_prefix = "last:";
    if (text.substr(0, last_prefix.size()) == last_prefix) {
        const auto digits = text.substr(last_prefix.size());
        std::size_t count = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
        if (ec != std::errc{} || end != digits.data() + digits.size() || count == 0) {
            throw std::invalid_argument(fmt::format(
                "--baseline: \"{}\": expected last:N with N a whole number ≥ 1 (e.g. last:7)",
                text));
        }
        spec.kind = BaselineSpec::Kind::last_n;
        spec.count = count;
        return spec;
    }
    spec.run = std::string(text);
    return spec;
}

Baseline resolve_baseline(const BaselineSpec& spec, HistoryStore& store, const RunRecord& fresh) {
    Baseline baseline;
    if (spec.kind == BaselineSpec::Kind::run) {
        std::error_code ec;
        if (std::filesystem::is_directory(spec.run, ec)) {
            baseline.runs.push_back(read_run_sample(spec.run));
        } else {
            baseline.runs.push_back(store.sample(spec.run));
        }
        baseline.description = fmt::format("run {}", baseline.runs.front().record.id);
        return baseline;
    }
    if (fresh.scenario_hash.empty()) {
        throw NoBaselineError(fmt::format(
            "run {} has no scenario.hash (written by an older volley): name the baseline run "
            "instead of {}",
            fresh.id, spec.kind == BaselineSpec::Kind::last_pass ? "last-pass" : "last:N"));
    }
    RunQuery query;
    query.scenario_hash = fresh.scenario_hash;
    query.passing_only = true;
    query.last = 0;  // all: the fresh run itself is left out below, then the newest N kept
    auto listing = store.list(query);
    baseline.skipped = std::move(listing.skipped);
    std::vector<RunRecord> earlier;
    for (auto& record : listing.runs) {
        const bool is_fresh =
            record.started_at == fresh.started_at && record.scenario_hash == fresh.scenario_hash;
        if (!is_fresh && record.started_unix_s <= fresh.started_unix_s)
            earlier.push_back(std::move(record));
    }
    const std::size_t wanted = spec.kind == BaselineSpec::Kind::last_pass ? 1 : spec.count;
    if (earlier.empty()) {
        throw NoEarlierRunError(
            fmt::format("no earlier passing run of scenario \"{}\" (hash {}) in the history {}",
                        fresh.scenario_name, fresh.scenario_hash, store.location()));
    }
    // Newest first, until `wanted` runs are read: a run whose files cannot be read is skipped,
    // named, and the next older one takes its place.
    std::vector<std::string> taken;
    for (auto it = earlier.rbegin(); it != earlier.rend() && baseline.runs.size() < wanted; ++it) {
        try {
            baseline.runs.push_back(store.sample(it->id));
            taken.push_back(it->id);
        } catch (const RunReadError& e) {
            baseline.skipped.emplace_back(e.what());
        }
    }
    if (baseline.runs.empty()) {
        throw NoBaselineError(fmt::format(
            "no readable earlier passing run of scenario \"{}\" (hash {}) in the history {}",
            fresh.scenario_name, fresh.scenario_hash, store.location()));
    }
    std::reverse(baseline.runs.begin(), baseline.runs.end());
    std::reverse(taken.begin(), taken.end());
    std::string ids;
    for (const auto& id : taken) ids += (ids.empty() ? "" : ", ") + id;
    if (spec.kind == BaselineSpec::Kind::last_pass) {
        baseline.description = fmt::format("last passing run {}", ids);
    } else {
        baseline.description = fmt::format(
            "last {} passing run{} ({}{})", baseline.runs.size(),
            baseline.runs.size() == 1 ? "" : "s", ids,
            baseline.runs.size() < wanted ? fmt::format("; {} asked, the history has fewer", wanted)
                                          : "");
    }
    return baseline;
}

}  // namespace volley::history
