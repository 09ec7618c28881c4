// Runs a program as a child process for end-to-end tests, with captured output, a hard
// timeout (the child is killed; a test never hangs) and optional signals sent on cue.
#pragma once

#include <chrono>
#include <csignal>
#include <string>
#include <vector>

namespace volley::testing {

struct ProcessResult {
    int exit_code = -1;  // 128 + signal when the child died of a signal
    std::string out;
    std::string err;
    bool timed_out = false;
};

struct SignalCue {
    std::chrono::milliseconds after;
    int signal = SIGINT;
};

ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::seconds timeout,
                          const std::vector<SignalCue>& signals = {});

// The volley binary under test (VOLLEY_BINARY env, else the build's).
std::string volley_binary();

// A fresh empty directory under the system temp dir.
std::string make_temp_dir(const std::string& prefix);

// Reads a whole file; empty string if missing.
std::string read_file(const std::string& path);

}  // namespace volley::testing
