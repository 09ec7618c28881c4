// Run outputs on a full disk (reports/run_outputs.hpp, docs/outputs.md "How files are written").
// Each case runs in a child process whose files may not grow past kLimitBytes (RLIMIT_FSIZE,
// SIGXFSZ ignored): a write past it fails with EFBIG as one past a full disk fails with ENOSPC,
// with no mount. The child reports what it saw through a pipe.
#include "reports/run_outputs.hpp"

#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

using namespace volley;
using namespace std::chrono_literals;

namespace {

constexpr rlim_t kLimitBytes = 1000;

std::filesystem::path fresh_dir(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("volley-atomic-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> names_in(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// Runs `body` in a child with the file size limit; returns what it returned (its message).
std::string on_a_small_disk(const std::function<std::string()>& body) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        std::signal(SIGXFSZ, SIG_IGN);
        const rlimit limit{kLimitBytes, kLimitBytes};
        std::string message = "setrlimit failed";
        if (::setrlimit(RLIMIT_FSIZE, &limit) == 0) {
            try {
                message = body();
            } catch (const std::exception& e) {
                message = std::string("unexpected exception: ") + e.what();
            }
        }
        (void)!::write(fds[1], message.data(), message.size());
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string message;
    char buffer[512];
    for (::ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;)
        message.append(buffer, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    return message;
}

}  // namespace

TEST_CASE(
    "write_file_atomically: a file the disk cannot hold leaves no temporary file and the "
    "old file as it was",
    "[reports][outputs]") {
    const auto dir = fresh_dir("write");
    const auto path = dir / "summary.json";
    std::ofstream(path) << "old summary";
    const auto message = on_a_small_disk([&]() -> std::string {
        try {
            reports::write_file_atomically(path, std::string(5000, 'x'));
            return "written";
        } catch (const reports::OutputWriteError& e) {
            return e.what();
        }
    });
    CHECK(message == "cannot write " + path.string() + ": File too large");
    CHECK(names_in(dir) == std::vector<std::string>{"summary.json"});
    CHECK(read_text(path) == "old summary");

    const auto small = on_a_small_disk([&]() -> std::string {
        reports::write_file_atomically(dir / "junit.xml", std::string(500, 'j'));
        return "written";
    });
    CHECK(small == "written");
    CHECK(read_text(dir / "junit.xml") == std::string(500, 'j'));
    CHECK(names_in(dir) == std::vector<std::string>{"junit.xml", "summary.json"});
    std::filesystem::remove_all(dir);
}

TEST_CASE(
    "latency.hlog that the disk cannot hold is removed and its failure kept, the run goes "
    "on",
    "[reports][outputs]") {
    const auto dir = fresh_dir("hlog");
    const auto path = dir / "latency.hlog";
    const auto message = on_a_small_disk([&]() -> std::string {
        reports::HlogRecorder recorder(path, {"a", "b"}, {}, 1'700'000'000.0);
        engine::IntervalStats stats(2);
        for (int second = 0; second < 50; ++second) {
            stats.per_request[0].response_time.record(1'000'000 + second);
            const engine::IntervalReport report{static_cast<std::size_t>(second),
                                                std::chrono::seconds(second),
                                                std::chrono::seconds(second + 1), stats};
            if (recorder.on_interval(report)) return "the recorder stopped the run";
            if (recorder.failure()) break;
        }
        recorder.close();
        return recorder.failure() ? recorder.failure()->what() : "no failure";
    });
    CHECK(message == "cannot write " + path.string() + ": File too large");
    CHECK(names_in(dir).empty());  // no half log
    std::filesystem::remove_all(dir);
}
