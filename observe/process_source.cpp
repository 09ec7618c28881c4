#include "observe/process_source.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace volley::observe {
namespace {

namespace fs = std::filesystem;

// What /proc/PID/stat says of a process (proc(5): fields 2, 14, 15, 20, 22).
struct StatLine {
    std::string comm;
    std::uint64_t cpu_ticks = 0;  // utime + stime
    std::uint64_t threads = 0;
    std::uint64_t start_ticks = 0;  // since boot: with the pid, identifies the process
};

std::optional<std::string> read_whole(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return text.str();
}

std::optional<std::uint64_t> to_u64(std::string_view text) {
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// "PID (comm) S ppid …": comm may hold spaces and parentheses, so it ends at the LAST ')'.
std::optional<StatLine> parse_stat(std::string_view text) {
    const auto open = text.find('(');
    const auto close = text.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open)
        return std::nullopt;
    StatLine line;
    line.comm = std::string(text.substr(open + 1, close - open - 1));
    std::vector<std::string_view> fields;  // fields[0] is field 3 (state)
    std::string_view rest = text.substr(close + 1);
    while (!rest.empty()) {
        const auto start = rest.find_first_not_of(" \n");
        if (start == std::string_view::npos) break;
        rest.remove_prefix(start);
        const auto end = rest.find_first_of(" \n");
        fields.push_back(rest.substr(0, end));
        if (end == std::string_view::npos) break;
        rest.remove_prefix(end);
    }
    const auto field = [&](std::size_t number) -> std::optional<std::uint64_t> {
        if (number < 3 || number - 3 >= fields.size()) return std::nullopt;
        return to_u64(fields[number - 3]);
    };
    const auto utime = field(14);
    const auto stime = field(15);
    const auto threads = field(20);
    const auto start = field(22);
    if (!utime || !stime || !threads || !start) return std::nullopt;
    line.cpu_ticks = *utime + *stime;
    line.threads = *threads;
    line.start_ticks = *start;
    return line;
}

// VmRSS of /proc/PID/status in bytes; nullopt when absent (a kernel thread, a zombie).
std::optional<std::uint64_t> parse_vm_rss(std::string_view status) {
    constexpr std::string_view key = "VmRSS:";
    const auto at = status.find(key);
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view rest = status.substr(at + key.size());
    rest = rest.substr(0, rest.find('\n'));
    const auto digits = rest.find_first_of("0123456789");
    if (digits == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(digits);
    const auto end = rest.find_first_not_of("0123456789");
    const auto kib = to_u64(rest.substr(0, end));
    if (!kib) return std::nullopt;
    return *kib * 1024;  // the kernel writes "kB": KiB
}

class ProcessSource final : public ObserveSource {
public:
    ProcessSource(ProcessSourceSpec spec, fs::path proc_root, long clock_ticks_per_s)
        : spec_(std::move(spec)),
          proc_(std::move(proc_root)),
          ticks_per_s_(static_cast<double>(clock_ticks_per_s)) {
        if (spec_.pid.has_value() == !spec_.name.empty())
            throw std::invalid_argument("process source: give a pid or a name (one of them)");
        if (spec_.pid && *spec_.pid <= 0)
            throw std::invalid_argument("process source: pid must be > 0");
        if (clock_ticks_per_s <= 0)
            throw std::invalid_argument("process source: clock ticks per second must be > 0");
    }

    [[nodiscard]] std::string name() const override { return "process"; }

    SourceSample sample(const SampleContext& context) override {
        try {
            return read(context);
        } catch (...) {
            baseline_ticks_.reset();  // the next good sample is a new baseline
            throw;
        }
    }

private:
    struct Tracked {
        int pid = 0;
        std::uint64_t start_ticks = 0;
    };

    fs::path dir_of(int pid) const { return proc_ / std::to_string(pid); }

    std::optional<StatLine> stat_of(int pid) const {
        const auto text = read_whole(dir_of(pid) / "stat");
        if (!text) return std::nullopt;
        return parse_stat(*text);
    }

    // The oldest process whose comm is the spec's name, or nullopt.
    std::optional<Tracked> find_by_name() const {
        std::optional<Tracked> best;
        std::error_code ec;
        for (fs::directory_iterator it(proc_, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string entry = it->path().filename().string();
            const auto pid = to_u64(entry);
            if (!pid || *pid == 0 || *pid > 0x7fffffffU) continue;
            const auto stat = stat_of(static_cast<int>(*pid));  // it may exit meanwhile
            if (!stat || stat->comm != spec_.name) continue;
            const Tracked candidate{static_cast<int>(*pid), stat->start_ticks};
            if (!best || candidate.start_ticks < best->start_ticks ||
                (candidate.start_ticks == best->start_ticks && candidate.pid < best->pid))
                best = candidate;
        }
        if (ec) throw SourceError(fmt::format("cannot list {}: {}", proc_.string(), ec.message()));
        return best;
    }

    // The process to read now with its stat line: the tracked one while it lives, else (by
    // name) the oldest of that name.
    std::pair<Tracked, StatLine> current() {
        if (tracked_) {
            auto stat = stat_of(tracked_->pid);
            if (stat && stat->start_ticks == tracked_->start_ticks) return {*tracked_, *stat};
            if (spec_.pid) throw SourceError(fmt::format("process {} exited", *spec_.pid));
            tracked_.reset();
            baseline_ticks_.reset();
        }
        Tracked found;
        if (spec_.pid) {
            found.pid = *spec_.pid;
        } else {
            const auto by_name = find_by_name();
            if (!by_name) throw SourceError(fmt::format("no process named {}", spec_.name));
            found = *by_name;
        }
        auto stat = stat_of(found.pid);
        if (!stat) {
            if (spec_.pid) throw SourceError(fmt::format("no process with pid {}", found.pid));
            throw SourceError(
                fmt::format("process {} ({}) exited while it was read", found.pid, spec_.name));
        }
        found.start_ticks = stat->start_ticks;
        tracked_ = found;
        return {found, *stat};
    }

    SourceSample read(const SampleContext& context) {
        const auto [process, stat] = current();
        const fs::path dir = dir_of(process.pid);
        const auto status = read_whole(dir / "status");
        if (!status) throw SourceError(fmt::format("process {} exited", process.pid));
        std::uint64_t fds = 0;
        std::error_code ec;
        for (fs::directory_iterator it(dir / "fd", ec), end; !ec && it != end; it.increment(ec))
            ++fds;
        if (ec)
            throw SourceError(
                fmt::format("cannot list {}: {}", (dir / "fd").string(), ec.message()));

        SourceSample out;
        if (const auto rss = parse_vm_rss(*status)) {
            out.values.push_back({"process.rss",
                                  reports::ObservedKind::gauge,
                                  "bytes",
                                  {static_cast<double>(*rss), 0}});
        }
        out.values.push_back({"process.open_fds",
                              reports::ObservedKind::gauge,
                              "count",
                              {static_cast<double>(fds), 0}});
        out.values.push_back({"process.threads",
                              reports::ObservedKind::gauge,
                              "count",
                              {static_cast<double>(stat.threads), 0}});
        // A counter that went down is another process's (or a reset): a new baseline.
        if (baseline_ticks_ && stat.cpu_ticks >= *baseline_ticks_ && context.interval_s > 0) {
            const double cpu_s =
                static_cast<double>(stat.cpu_ticks - *baseline_ticks_) / ticks_per_s_;
            out.values.push_back(
                {"process.cpu", reports::ObservedKind::rate, "cores", {cpu_s, context.interval_s}});
        }
        baseline_ticks_ = stat.cpu_ticks;
        return out;
    }

    ProcessSourceSpec spec_;
    fs::path proc_;
    double ticks_per_s_;
    std::optional<Tracked> tracked_;
    std::optional<std::uint64_t> baseline_ticks_;  // CPU ticks at the last good sample
};

}  // namespace

std::unique_ptr<ObserveSource> make_process_source(const ProcessSourceSpec& spec) {
    return make_process_source(spec, "/proc", sysconf(_SC_CLK_TCK));
}

std::unique_ptr<ObserveSource> make_process_source(const ProcessSourceSpec& spec,
                                                   std::filesystem::path proc_root,
                                                   long clock_ticks_per_s) {
    return std::make_unique<ProcessSource>(spec, std::move(proc_root), clock_ticks_per_s);
}

}  // namespace volley::observe
