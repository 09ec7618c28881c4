// Five real nights of one scenario (labels night=1..5; night 3 fails its error-rate threshold)
// and one run of another scenario, made once per test process by the real pipeline
// (history_runs.hpp) in a results directory. The directory names sort against time (night 1 is
// "e-night1", night 5 "a-night5"), so a listing in name order is visibly wrong. Tests that
// change files copy the directory first (copy_results).
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "history_runs.hpp"

namespace volley::history::testing {

struct NightlyRuns {
    std::filesystem::path root;          // the results directory
    std::vector<std::string> night_ids;  // night 1..5, oldest first
    std::string other_id;                // scenario "other", made last

    NightlyRuns() {
        root = std::filesystem::temp_directory_path() /
               ("volley-history-nights-" + std::to_string(::getpid()));
        std::filesystem::remove_all(root);
        for (int night = 1; night <= 5; ++night) {
            FakeRunOptions options;
            options.duration = "2s";  // two intervals: a band that can have a width
            options.labels = {{"night", std::to_string(night)}};
            if (night == 3) {
                options.behaviour = [](std::uint64_t serial) {
                    volley::testing::FakeResponse response;
                    response.delay = std::chrono::milliseconds(1);
                    response.outcome = serial % 3 == 0 ? volley::engine::Outcome::ok
                                                       : volley::engine::Outcome::http_5xx;
                    response.status = serial % 3 == 0 ? 200 : 503;
                    return response;
                };
            }
            const auto id = std::string(1, static_cast<char>('a' + 5 - night)) + "-night" +
                            std::to_string(night);
            make_run_dir(root / id, options);
            night_ids.push_back(id);
        }
        FakeRunOptions other;
        other.name = "other";
        other.duration = "1s";
        other_id = "other-run";
        make_run_dir(root / other_id, other);
    }
    ~NightlyRuns() { std::filesystem::remove_all(root); }
    NightlyRuns(const NightlyRuns&) = delete;
    NightlyRuns& operator=(const NightlyRuns&) = delete;
};

// Made on first use, shared by every test of the process.
inline const NightlyRuns& nightly_runs() {
    static const NightlyRuns runs;
    return runs;
}

// A fresh copy of the nightly results directory (for tests that corrupt or add files).
inline std::filesystem::path copy_results(const std::string& name) {
    auto copy = std::filesystem::temp_directory_path() /
                ("volley-history-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(copy);
    std::filesystem::copy(nightly_runs().root, copy, std::filesystem::copy_options::recursive);
    return copy;
}

}  // namespace volley::history::testing
