// Runs a program as a child process for end-to-end tests, with captured output, a hard
// timeout (the child is killed; a test never hangs) and optional signals sent on cue.
#pragma once

#include <chrono>
#include <csignal>
#include <cstdint>
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

// A program running in the background for the length of a test (a server), killed with
// SIGTERM (then SIGKILL) when the object goes. Output goes to /dev/null.
class BackgroundProcess {
public:
    explicit BackgroundProcess(const std::vector<std::string>& argv);
    ~BackgroundProcess();
    BackgroundProcess(const BackgroundProcess&) = delete;
    BackgroundProcess& operator=(const BackgroundProcess&) = delete;

private:
    int pid_ = 0;
};

// Waits until something accepts TCP connections on 127.0.0.1:port; false after `timeout`.
bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout);

// A TCP port on 127.0.0.1 that nothing listens on right now.
std::uint16_t free_port();

// The volley binary under test (VOLLEY_BINARY env, else the build's).
std::string volley_binary();

// A fresh empty directory under the system temp dir.
std::string make_temp_dir(const std::string& prefix);

// Reads a whole file; empty string if missing.
std::string read_file(const std::string& path);

}  // namespace volley::testing
