// The process source (observe/process_source.hpp): this test's own process and children it
// forks, read from the real /proc (RSS after touching a known amount of memory, open files and
// threads exactly, CPU against the process's own CPU clock, gone processes), and a /proc tree
// built in a temp directory for the choice by name (oldest, found again after it exits).
#include "observe/process_source.hpp"
#include "support/loopback_server.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

using namespace volley;
using namespace volley::observe;
namespace fs = std::filesystem;

namespace {

SampleContext interval_of(double seconds) {
    SampleContext context;
    context.interval_s = seconds;
    return context;
}

std::map<std::string, reports::ObservedValue> by_series(const SourceSample& sample) {
    std::map<std::string, reports::ObservedValue> out;
    for (const auto& value : sample.values) out.emplace(value.series, value);
    return out;
}

double gauge(const SourceSample& sample, const std::string& series) {
    const auto values = by_series(sample);
    const auto found = values.find(series);
    REQUIRE(found != values.end());
    CHECK(found->second.kind == reports::ObservedKind::gauge);
    return found->second.point.num;
}

std::unique_ptr<ObserveSource> self_source() {
    return make_process_source(ProcessSourceSpec{static_cast<int>(getpid()), ""});
}

double process_cpu_s() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// A forked child that names itself `comm` and waits to be killed. The constructor returns once
// the child has its name (it says so on a pipe).
class Child {
public:
    explicit Child(const char* comm) {
        int ready[2];
        REQUIRE(pipe(ready) == 0);
        pid_ = fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            prctl(PR_SET_NAME, comm, 0, 0, 0);
            const char byte = 1;
            (void)!write(ready[1], &byte, 1);
            for (;;) pause();
        }
        close(ready[1]);
        char byte = 0;
        const auto n = read(ready[0], &byte, 1);
        close(ready[0]);
        REQUIRE(n == 1);
    }
    ~Child() { stop(); }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    [[nodiscard]] int pid() const { return pid_; }
    void stop() {
        if (pid_ <= 0) return;
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

private:
    int pid_ = -1;
};

// /proc/PID/stat with the given comm, utime + stime split 2:1, threads and start time.
void write_process(const fs::path& root, int pid, const std::string& comm, std::uint64_t ticks,
                   int threads, std::uint64_t start, std::uint64_t rss_kb, int fds) {
    const fs::path dir = root / std::to_string(pid);
    fs::create_directories(dir / "fd");
    std::ofstream(dir / "stat") << pid << " (" << comm << ") S 1 " << pid << " " << pid
                                << " 0 -1 4194560 100 0 0 0 " << ticks - ticks / 3 << " "
                                << ticks / 3 << " 0 0 20 0 " << threads << " 0 " << start
                                << " 1000000 250 18446744073709551615\n";
    std::ofstream(dir / "status") << "Name:\t" << comm << "\nVmPeak:\t  999 kB\nVmRSS:\t  "
                                  << rss_kb << " kB\nThreads:\t" << threads << "\n";
    for (int fd = 0; fd < fds; ++fd) std::ofstream(dir / "fd" / std::to_string(fd)) << "";
}

struct TempProc {
    TempProc() {
        root = fs::temp_directory_path() /
               ("volley-proc-" + std::to_string(getpid()) + "-" + std::to_string(++serial));
        fs::create_directories(root);
    }
    ~TempProc() {
        std::error_code ignored;
        fs::remove_all(root, ignored);
    }
    TempProc(const TempProc&) = delete;
    TempProc& operator=(const TempProc&) = delete;
    fs::path root;
    static inline int serial = 0;
};

}  // namespace

TEST_CASE("process: RSS grows by the memory touched between samples", "[process]") {
    auto source = self_source();
    CHECK(source->name() == "process");
    const SourceSample before = source->sample(interval_of(0));
    constexpr std::size_t bytes = 64u << 20;
    auto block = std::make_unique<char[]>(bytes);  // value-initialised: every page written
    std::memset(block.get(), 0x5a, bytes);  // (and touched again, whatever the allocator did)
    const SourceSample after = source->sample(interval_of(1));
    const double delta = gauge(after, "process.rss") - gauge(before, "process.rss");
    CHECK(delta == Approx(static_cast<double>(bytes)).epsilon(0.10));
    CHECK(by_series(after).at("process.rss").unit == "bytes");
    CHECK(block[bytes - 1] == 0x5a);
}

TEST_CASE("process: open files and threads are counted exactly", "[process]") {
    auto source = self_source();
    const SourceSample before = source->sample(interval_of(0));
    std::vector<int> fds;
    for (int i = 0; i < 7; ++i) fds.push_back(open("/dev/null", O_RDONLY | O_CLOEXEC));
    for (int fd : fds) REQUIRE(fd >= 0);

    std::mutex mutex;
    std::condition_variable cv;
    bool release = false;
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i) {
        threads.emplace_back([&] {
            std::unique_lock lock(mutex);
            cv.wait(lock, [&] { return release; });
        });
    }
    const SourceSample during = source->sample(interval_of(1));
    CHECK(gauge(during, "process.open_fds") - gauge(before, "process.open_fds") == 7);
    CHECK(gauge(during, "process.threads") - gauge(before, "process.threads") == 3);
    {
        const std::lock_guard lock(mutex);
        release = true;
    }
    cv.notify_all();
    for (auto& thread : threads) thread.join();
    for (int fd : fds) close(fd);
    const SourceSample after = source->sample(interval_of(1));
    CHECK(gauge(after, "process.open_fds") == gauge(before, "process.open_fds"));
    CHECK(gauge(after, "process.threads") == gauge(before, "process.threads"));
}

TEST_CASE("process: CPU is the utime + stime spent over the interval's seconds", "[process]") {
    auto source = self_source();
    const SourceSample baseline = source->sample(interval_of(0));
    CHECK(by_series(baseline).count("process.cpu") == 0);  // a counter's baseline: no figure
    const double start = process_cpu_s();
    volatile std::uint64_t sink = 0;
    while (process_cpu_s() - start < 0.3) sink = sink + 1;  // spends CPU, however fast it runs
    const double spent = process_cpu_s() - start;
    const SourceSample sample = source->sample(interval_of(2.0));
    const auto cpu = by_series(sample).at("process.cpu");
    CHECK(cpu.kind == reports::ObservedKind::rate);
    CHECK(cpu.unit == "cores");
    CHECK(cpu.point.den == 2.0);
    // /proc counts in clock ticks (10 ms at 100 Hz): the two readings differ by a few ticks.
    CHECK(cpu.point.num == Approx(spent).margin(0.05));
}

TEST_CASE("process: a pid that does not exist, or exits, fails the sample", "[process]") {
    int gone = 0;
    {
        Child child("volley-gone");
        gone = child.pid();
    }
    auto missing = make_process_source(ProcessSourceSpec{gone, ""});
    CHECK_THROWS_MATCHES(missing->sample(interval_of(0)), SourceError,
                         Catch::Message("no process with pid " + std::to_string(gone)));

    Child child("volley-exits");
    const int pid = child.pid();
    auto source = make_process_source(ProcessSourceSpec{pid, ""});
    const SourceSample first = source->sample(interval_of(0));
    CHECK(gauge(first, "process.threads") == 1);
    child.stop();
    CHECK_THROWS_MATCHES(source->sample(interval_of(1)), SourceError,
                         Catch::Message("process " + std::to_string(pid) + " exited"));
    CHECK_THROWS_AS(source->sample(interval_of(1)), SourceError);
}

TEST_CASE("process: by name, the real /proc", "[process]") {
    Child child("volley-probe");
    auto source = make_process_source(ProcessSourceSpec{std::nullopt, "volley-probe"});
    const SourceSample sample = source->sample(interval_of(0));
    CHECK(gauge(sample, "process.threads") == 1);
    CHECK(gauge(sample, "process.rss") > 0);
    child.stop();
    CHECK_THROWS_MATCHES(source->sample(interval_of(1)), SourceError,
                         Catch::Message("no process named volley-probe"));
}

TEST_CASE("process: by name, the oldest; found again after it exits", "[process]") {
    TempProc proc;
    write_process(proc.root, 300, "worker", 900, 4, 5000, 2048, 3);  // started later
    write_process(proc.root, 200, "worker", 600, 2, 1000, 1024, 5);  // the oldest
    write_process(proc.root, 100, "other", 10, 1, 10, 64, 1);
    write_process(proc.root, 400, "my (odd) name", 10, 1, 10, 64, 1);
    fs::create_directories(proc.root / "self");  // not a pid: ignored
    std::ofstream(proc.root / "uptime") << "1.0 1.0\n";

    auto source =
        make_process_source(ProcessSourceSpec{std::nullopt, "worker"}, proc.root, /*ticks*/ 100);
    const SourceSample first = source->sample(interval_of(0));
    CHECK(gauge(first, "process.rss") == 1024.0 * 1024);
    CHECK(gauge(first, "process.threads") == 2);
    CHECK(gauge(first, "process.open_fds") == 5);

    write_process(proc.root, 200, "worker", 750, 2, 1000, 1536, 5);  // 150 ticks = 1.5 s of CPU
    const SourceSample second = source->sample(interval_of(3));
    const auto cpu = by_series(second).at("process.cpu");
    CHECK(cpu.point.num == Approx(1.5));
    CHECK(cpu.point.den == 3);
    CHECK(gauge(second, "process.rss") == 1536.0 * 1024);

    fs::remove_all(proc.root / "200");  // it exits: the next oldest worker takes its place
    const SourceSample third = source->sample(interval_of(1));
    CHECK(gauge(third, "process.threads") == 4);
    CHECK(by_series(third).count("process.cpu") == 0);  // another process: a new baseline
    write_process(proc.root, 300, "worker", 1000, 4, 5000, 2048, 3);
    CHECK(by_series(source->sample(interval_of(1))).at("process.cpu").point.num == Approx(1.0));

    fs::remove_all(proc.root / "300");
    CHECK_THROWS_MATCHES(source->sample(interval_of(1)), SourceError,
                         Catch::Message("no process named worker"));
    // A process whose comm has spaces and parentheses.
    auto odd =
        make_process_source(ProcessSourceSpec{std::nullopt, "my (odd) name"}, proc.root, 100);
    CHECK(gauge(odd->sample(interval_of(0)), "process.threads") == 1);
}

TEST_CASE("process: a pid reused by another process is not the same process", "[process]") {
    TempProc proc;
    write_process(proc.root, 42, "service", 100, 3, 777, 100, 2);
    auto source = make_process_source(ProcessSourceSpec{42, ""}, proc.root, 100);
    (void)source->sample(interval_of(0));
    write_process(proc.root, 42, "service", 5, 1, 999, 100, 2);  // new start time
    CHECK_THROWS_MATCHES(source->sample(interval_of(1)), SourceError,
                         Catch::Message("process 42 exited"));
}

TEST_CASE("process: the spec names a pid or a name", "[process]") {
    CHECK_THROWS_AS(make_process_source(ProcessSourceSpec{}), std::invalid_argument);
    CHECK_THROWS_AS(make_process_source(ProcessSourceSpec{1, "init"}), std::invalid_argument);
    CHECK_THROWS_AS(make_process_source(ProcessSourceSpec{0, ""}), std::invalid_argument);
}

TEST_CASE("process: a loopback server in leak mode grows RSS by the KiB per request it says",
          "[process]") {
    testing::LoopbackServerOptions options;
    options.leak_kb_per_request = 1024;
    testing::LoopbackServer server(options);
    auto source = self_source();  // the server runs on a thread of this process
    const SourceSample before = source->sample(interval_of(0));

    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(server.port());
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
    constexpr int requests = 32;
    const std::string request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    for (int i = 0; i < requests; ++i) {
        REQUIRE(write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
        // The response is written after the request's block was leaked: read it whole.
        std::string response;
        char buffer[512];
        while (response.find("\r\n\r\nok") == std::string::npos) {
            const ssize_t n = read(fd, buffer, sizeof buffer);
            REQUIRE(n > 0);
            response.append(buffer, static_cast<std::size_t>(n));
        }
    }
    close(fd);
    CHECK(server.requests() == requests);
    const SourceSample after = source->sample(interval_of(1));
    const double delta = gauge(after, "process.rss") - gauge(before, "process.rss");
    CHECK(delta == Approx(requests * 1024.0 * 1024).epsilon(0.10));
}
