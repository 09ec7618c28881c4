// `volley demo serve` as a user runs it (the binary under test, VOLLEY_BINARY or the build's):
// bad flags exit 2 naming the flag, a remote host needs --allow-remote, and a server on port 0
// prints its address and stops cleanly on SIGTERM and SIGINT.
#include "support/process.hpp"

#include <catch2/catch.hpp>

#include <regex>

using namespace std::chrono_literals;
using volley::testing::run_process;
using volley::testing::volley_binary;

namespace {

volley::testing::ProcessResult demo_serve(
    std::vector<std::string> flags, const std::vector<volley::testing::SignalCue>& cues = {}) {
    flags.insert(flags.begin(), {volley_binary(), "demo", "serve"});
    return run_process(flags, 60s, cues);
}

}  // namespace

TEST_CASE("volley demo serve: a bad flag value exits 2 with a message naming the flag") {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
        {{"--latency", "5"}, "--latency:"},
        {{"--latency-jitter", "-1ms"}, "--latency-jitter:"},
        {{"--error-rate", "120%"}, "--error-rate:"},
        {{"--error-rate", "10"}, "--error-rate:"},
        {{"--port", "70000"}, "--port:"},
        {{"--threads", "0"}, "--threads:"},
        {{"--page-size", "0"}, "--page-size:"},
        {{"--items", "-1"}, "--items:"},
        {{"--stall-after", "5"}, "--stall-after:"},
        {{"--stall-for", "1s"}, "--stall-for:"},
        {{"--stall-after", "0", "--stall-for", "1s"}, "--stall-after:"},
        {{"--host", "localhost"}, "--host:"},
        {{"--host", "192.0.2.1"}, "--allow-remote"},
        {{"--port", "x"}, "--port"},
    };
    for (const auto& [flags, expected] : cases) {
        const auto result = demo_serve(flags);
        INFO(flags.front() << " " << flags.back() << "\n" << result.out << result.err);
        CHECK_FALSE(result.timed_out);
        CHECK(result.exit_code == 2);
        CHECK(result.err.find(expected) != std::string::npos);
    }
}

// Started by a shell that waits for the "listening on" line (however slow the start, e.g. a
// sanitized build), then sends the signal and exits with volley's exit code; the process
// helper's timeout bounds it all.
TEST_CASE("volley demo serve: prints where it listens and stops cleanly on SIGTERM and SIGINT") {
    for (const std::string signal : {"TERM", "INT"}) {
        const std::string script =
            "out=$(mktemp); \"$0\" demo serve --port 0 > \"$out\" & pid=$!; "
            "until grep -q '^listening on' \"$out\"; do kill -0 $pid 2>/dev/null || break; "
            "sleep 0.05; done; kill -" +
            signal +
            " $pid; wait $pid; code=$?; cat \"$out\"; "
            "rm -f \"$out\"; exit $code";
        const auto result = run_process({"/bin/sh", "-c", script, volley_binary()}, 60s);
        INFO("SIG" << signal << "\n" << result.out << result.err);
        CHECK_FALSE(result.timed_out);
        CHECK(result.exit_code == 0);
        CHECK(std::regex_search(result.out,
                                std::regex(R"(^listening on http://127\.0\.0\.1:[1-9][0-9]*\n)")));
        CHECK(result.out.find("stopped") != std::string::npos);
    }
}
