// Every command printed in README.md and docs/*.md works as printed: the list beside them
// (doc_commands.txt) must match their fenced blocks line for line, and each listed command is
// run as its mode there says. Also: `--help` of every subcommand.
#include "integration/support.hpp"
#include "support/loopback_server.hpp"
#include "support/tls_server.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

using namespace volley::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string kSource = VOLLEY_SOURCE_DIR;

struct DocCommand {
    std::string file;     // "README.md", "docs/replay.md"
    std::string mode;     // "run 0,99", "interrupt 130", "record", "skip: …"
    std::string command;  // as printed
};

std::string trim(const std::string& text) {
    const auto begin = text.find_first_not_of(" \t");
    if (begin == std::string::npos) return "";
    return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

// The command lines of a Markdown file's fenced blocks: lines starting with `volley `,
// `build-release/volley ` or `scripts/`, without a trailing "  # comment".
std::vector<std::string> fenced_commands(const std::string& markdown) {
    std::vector<std::string> out;
    std::istringstream in(markdown);
    std::string line;
    bool fenced = false;
    while (std::getline(in, line)) {
        if (line.rfind("```", 0) == 0) {
            fenced = !fenced;
            continue;
        }
        if (!fenced) continue;
        if (line.rfind("volley ", 0) != 0 && line.rfind("build-release/volley ", 0) != 0 &&
            line.rfind("scripts/", 0) != 0)
            continue;
        if (const auto comment = line.find("  #"); comment != std::string::npos)
            line = line.substr(0, comment);
        out.push_back(trim(line));
    }
    return out;
}

std::vector<DocCommand> listed_commands() {
    std::vector<DocCommand> out;
    std::istringstream in(read_file(kSource + "/tests/integration/doc_commands.txt"));
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        const auto first = line.find(" | ");
        const auto second = line.find(" | ", first + 3);
        REQUIRE(second != std::string::npos);
        out.push_back({line.substr(0, first), line.substr(first + 3, second - first - 3),
                       line.substr(second + 3)});
    }
    return out;
}

std::vector<std::string> documents() {
    std::vector<std::string> files{"README.md"};
    for (const auto& entry : fs::directory_iterator(kSource + "/docs")) {
        if (entry.path().extension() == ".md")
            files.push_back("docs/" + entry.path().filename().string());
    }
    std::sort(files.begin() + 1, files.end());
    return files;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
}

// `-o DIR` of a command, if any.
std::optional<std::string> out_dir(const std::string& command) {
    const auto at = command.find(" -o ");
    if (at == std::string::npos) return std::nullopt;
    const auto start = at + 4;
    return command.substr(start, command.find(' ', start) - start);
}

// Runs the listed commands of the documents in one scratch directory.
class DocRunner {
public:
    DocRunner()
        : scratch_(make_temp_dir("volley-doc-")),
          server_(LoopbackServerOptions{}),
          record_port_(free_port()) {
        fs::create_directory_symlink(kSource + "/scenarios", scratch_ + "/scenarios");
        fs::create_directory_symlink(kSource + "/docs", scratch_ + "/docs");  // docs/examples
        fs::copy_file(kSource + "/tests/fixtures/replay/access.log", scratch_ + "/access.log");
        write_checkout_example();
    }

    // The command with the binary under test and the test's servers in place of the printed ones.
    std::string resolve(std::string command) {
        for (const std::string prefix : {"build-release/volley ", "volley "}) {
            if (command.rfind(prefix, 0) == 0) {
                command = "'" + volley_binary() + "' " + command.substr(prefix.size());
                break;
            }
        }
        replace_all(command, "127.0.0.1:8080", "127.0.0.1:" + std::to_string(server_.port()));
        replace_all(command, "127.0.0.1:8079", "127.0.0.1:" + std::to_string(record_port_));
        // docs/metrics.md's --metrics-listen: any free port (9464 may be taken here).
        replace_all(command, "127.0.0.1:9464", "127.0.0.1:0");
        if (command.find("127.0.0.1:8443") != std::string::npos) {
            if (!tls_) tls_.emplace();
            replace_all(command, "127.0.0.1:8443", "127.0.0.1:" + std::to_string(tls_->port()));
        }
        return command;
    }

    // `sh -c "cd SCRATCH && exec COMMAND"`: the shell expands globs and quotes as a user's does;
    // exec makes signals reach volley itself.
    std::vector<std::string> shell(const std::string& command) const {
        return {"/bin/sh", "-c", "cd '" + scratch_ + "' && exec " + command};
    }

    void run(const DocCommand& listed) {
        const std::string command = resolve(listed.command);
        INFO(listed.file << ": " << listed.command << "\n  as " << command);
        if (listed.mode == "record") {
            record(command, listed.command);
            return;
        }
        const bool interrupt = listed.mode.rfind("interrupt ", 0) == 0;
        REQUIRE((interrupt || listed.mode.rfind("run ", 0) == 0));
        std::set<int> codes;
        std::istringstream list(listed.mode.substr(listed.mode.find(' ') + 1));
        for (std::string code; std::getline(list, code, ',');) codes.insert(std::stoi(code));
        std::vector<SignalCue> signals;
        if (interrupt) signals.push_back({2000ms, SIGINT});
        const auto result = run_process(shell(command), 120s, signals);
        INFO("exit " << result.exit_code << "\n" << result.out << result.err);
        CHECK_FALSE(result.timed_out);
        CHECK(codes.count(result.exit_code) == 1);
        const bool makes_results = listed.command.find(" run ") != std::string::npos ||
                                   listed.command.find(" replay ") != std::string::npos;
        if (const auto dir = out_dir(listed.command); dir && makes_results) {
            // `--local` (docs/distributed.md) leaves the merged run in DIR/merged.
            const bool local = listed.command.find(" --local") != std::string::npos;
            CHECK(fs::exists(scratch_ + "/" + *dir + (local ? "/merged" : "") + "/summary.json"));
        }
    }

private:
    // Starts the recorder, sends a second of traffic through it, stops it.
    void record(const std::string& command, const std::string& printed) {
        const auto capture = out_dir(printed);
        REQUIRE(capture);
        fs::remove(scratch_ + "/" + *capture);
        {
            BackgroundProcess recorder(shell(command));
            REQUIRE(wait_for_port(record_port_, 10s));
            const auto traffic = run_volley(
                {"run", "-u",
                 "http://127.0.0.1:" + std::to_string(record_port_) + "/entities/1/ancestors", "-r",
                 "20", "-d", "1s", "-q", "-o", scratch_ + "/record-traffic"});
            INFO(traffic.err);
            REQUIRE(traffic.exit_code == 0);
        }  // SIGTERM: the recorder flushes the capture and exits
        CHECK(fs::file_size(scratch_ + "/" + *capture) > 0);
    }

    // docs/scenarios.md's first example, saved as the file its comment names.
    void write_checkout_example() {
        const std::string doc = read_file(kSource + "/docs/scenarios.md");
        const auto start = doc.find("# checkout.yaml\n");
        REQUIRE(start != std::string::npos);
        const auto end = doc.find("```", start);
        std::string yaml = doc.substr(start, end - start);
        replace_all(yaml, "127.0.0.1:8080", "127.0.0.1:" + std::to_string(server_.port()));
        std::ofstream(scratch_ + "/checkout.yaml") << yaml;
    }

    std::string scratch_;
    LoopbackServer server_;
    std::uint16_t record_port_;
    std::optional<TlsServer> tls_;
};

}  // namespace

TEST_CASE("doc_commands.txt lists exactly the commands printed in README.md and docs/*.md") {
    const auto listed = listed_commands();
    const auto files = documents();
    for (const auto& file : files) {
        std::vector<std::string> in_list;
        for (const auto& c : listed) {
            if (c.file == file) in_list.push_back(c.command);
        }
        INFO(file);
        CHECK(fenced_commands(read_file(kSource + "/" + file)) == in_list);
    }
    const std::set<std::string> known(files.begin(), files.end());
    for (const auto& c : listed) {
        INFO(c.file << ": " << c.command);
        CHECK(known.count(c.file) == 1);
        const bool mode_known = c.mode == "record" || c.mode.rfind("run ", 0) == 0 ||
                                c.mode.rfind("interrupt ", 0) == 0 ||
                                c.mode.rfind("skip: ", 0) == 0;
        CHECK(mode_known);
    }
}

TEST_CASE("every command printed in README.md and docs/*.md works as printed") {
    DocRunner runner;
    std::size_t ran = 0;
    for (const auto& listed : listed_commands()) {
        if (listed.mode.rfind("skip: ", 0) == 0) continue;
        runner.run(listed);
        ++ran;
    }
    CHECK(ran >= 15);
}

TEST_CASE("--help of every subcommand exits 0 and describes its flags") {
    const auto top = run_volley({"--help"});
    CHECK(top.exit_code == 0);
    const std::vector<std::vector<std::string>> commands{{"run"},
                                                         {"validate"},
                                                         {"report"},
                                                         {"compare"},
                                                         {"replay"},
                                                         {"record"},
                                                         {"slo"},
                                                         {"resolver"},
                                                         {"resolver", "serve"},
                                                         {"resolver", "init"},
                                                         {"resolver", "refresh"},
                                                         {"demo"},
                                                         {"demo", "serve"},
                                                         {"history"},
                                                         {"history", "add"},
                                                         {"k8s"}};
    for (auto args : commands) {
        INFO(args.front() << " " << args.back());
        CHECK(top.out.find("  " + args.front()) != std::string::npos);
        args.emplace_back("--help");
        const auto help = run_volley(args);
        CHECK(help.exit_code == 0);
        CHECK(help.out.find("Usage:") != std::string::npos);
    }
}
