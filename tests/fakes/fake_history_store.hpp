// The HistoryStore seam's fake (history/store.hpp): runs held in memory, listed with the query's
// filters as the real stores do. add() is not supported (the tests put samples in directly).
#pragma once

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "history/store.hpp"

namespace volley::testing {

class FakeHistoryStore final : public history::HistoryStore {
public:
    void put(history::RunSample sample) {
        const auto id = sample.record.id;
        runs_[id] = std::move(sample);
    }
    [[nodiscard]] std::string location() const override { return "fake history"; }
    std::string add(const std::filesystem::path&) override {
        throw history::StoreError("fake history: add is not supported");
    }
    [[nodiscard]] history::RunListing list(const history::RunQuery& query) override {
        history::RunListing listing;
        for (const auto& [id, sample] : runs_) {
            const auto& r = sample.record;
            if (!query.scenario_name.empty() && r.scenario_name != query.scenario_name) continue;
            if (!query.scenario_hash.empty() && r.scenario_hash != query.scenario_hash) continue;
            if (query.passing_only && r.verdict != "pass") continue;
            listing.runs.push_back(r);
        }
        std::sort(listing.runs.begin(), listing.runs.end(), [](const auto& a, const auto& b) {
            return a.started_unix_s != b.started_unix_s ? a.started_unix_s < b.started_unix_s
                                                        : a.id < b.id;
        });
        if (query.last > 0 && listing.runs.size() > query.last)
            listing.runs.erase(listing.runs.begin(),
                               listing.runs.end() - static_cast<std::ptrdiff_t>(query.last));
        listing.skipped = skipped;
        return listing;
    }
    [[nodiscard]] history::RunSample sample(const std::string& id) override {
        const auto found = runs_.find(id);
        if (found == runs_.end()) throw history::UnknownRunError("fake history: no run " + id);
        if (unreadable.count(id) != 0)
            throw history::RunReadError(id + "/latency.hlog: hlog line 7: bad histogram");
        return found->second;
    }
    std::vector<std::string> skipped;
    std::set<std::string> unreadable;  // sample() of these throws RunReadError

private:
    std::map<std::string, history::RunSample> runs_;
};

}  // namespace volley::testing
