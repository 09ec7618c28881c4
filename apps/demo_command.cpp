#include "apps/demo_command.hpp"

#include "demo/demo_server.hpp"
#include "pipeline/exit_codes.hpp"
#include "thresholds/units.hpp"

#include <csignal>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>

#include <pthread.h>

namespace volley::apps {
namespace {

// The flags as written; turned into demo::DemoOptions by to_options.
struct DemoFlags {
    std::string host = "127.0.0.1";
    int port = 8090;
    int threads = 1;
    bool allow_remote = false;
    std::string latency = "0ms";
    std::string latency_jitter = "0ms";
    std::string error_rate = "0%";
    int page_size = 10;
    int items = 50;
    std::uint64_t stall_after = 0;
    CLI::Option* stall_after_opt = nullptr;
    std::string stall_for = "0s";
};

std::chrono::nanoseconds duration_flag(const std::string& flag, const std::string& text) {
    try {
        return thresholds::parse_duration(text);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(flag + ": " + e.what());
    }
}

// Throws std::invalid_argument naming the flag.
demo::DemoOptions to_options(const DemoFlags& f) {
    demo::DemoOptions o;
    o.host = f.host;
    if (f.port < 0 || f.port > 65535) throw std::invalid_argument("--port: must be 0..65535");
    o.port = static_cast<std::uint16_t>(f.port);
    o.threads = f.threads;
    o.allow_remote = f.allow_remote;
    o.latency = duration_flag("--latency", f.latency);
    o.latency_jitter = duration_flag("--latency-jitter", f.latency_jitter);
    try {
        o.error_rate = thresholds::parse_percent_ratio(f.error_rate);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string("--error-rate: ") + e.what());
    }
    o.page_size = f.page_size;
    o.items = f.items;
    if (f.stall_after_opt != nullptr && f.stall_after_opt->count() > 0)
        o.stall_after = f.stall_after;
    o.stall_for = duration_flag("--stall-for", f.stall_for);
    demo::check_demo_options(o);
    return o;
}

// SIGINT/SIGTERM blocked in this thread and the server's threads started after it, then taken
// by sigwait: the server stops from the main thread, never inside a signal handler.
void block_stop_signals(sigset_t& set) {
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int run_demo_serve(const DemoFlags& flags) {
    std::unique_ptr<demo::DemoServer> server;
    try {
        server = std::make_unique<demo::DemoServer>(to_options(flags));
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: " << e.what() << "\n";
        return pipeline::kExitUsage;
    }
    sigset_t stop_signals;
    block_stop_signals(stop_signals);
    try {
        server->start();
    } catch (const std::exception& e) {
        std::cerr << "volley demo serve: " << e.what() << "\n";
        return pipeline::kExitCannotRun;
    }
    const bool v6 = flags.host.find(':') != std::string::npos;
    std::cout << "listening on http://" << (v6 ? "[" + flags.host + "]" : flags.host) << ":"
              << server->port() << std::endl;  // flushed: tests read the port from this line
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    server->stop();
    std::cout << "volley demo serve: stopped\n";
    return 0;  // stopped as asked
}

}  // namespace

void add_demo_command(CLI::App& app, int& exit_code) {
    auto* demo_cmd = app.add_subcommand("demo", "A demo HTTP service to try volley against");
    demo_cmd->require_subcommand(1);
    auto flags = std::make_shared<DemoFlags>();
    auto* serve = demo_cmd->add_subcommand(
        "serve",
        "Serve the demo service (logins, cookies, pagination, knobs) until SIGINT/SIGTERM");
    serve->add_option("--host", flags->host, "Address to listen on (default 127.0.0.1)");
    serve->add_option("--port", flags->port, "Port (default 8090; 0: an ephemeral port)");
    serve->add_option("--threads", flags->threads, "Server threads (default 1)");
    serve->add_flag("--allow-remote", flags->allow_remote,
                    "Allow a --host that is not a loopback address");
    serve->add_option("--latency", flags->latency, "Added before every answer (default 0ms)");
    serve->add_option("--latency-jitter", flags->latency_jitter,
                      "Plus a uniform draw in [0, this] (default 0ms)");
    serve->add_option("--error-rate", flags->error_rate,
                      "Share answered 503, deterministically (e.g. 10%: every 10th; default 0%)");
    serve->add_option("--page-size", flags->page_size, "Items per page of /items (default 10)");
    serve->add_option("--items", flags->items, "Number of items (default 50)");
    flags->stall_after_opt = serve->add_option("--stall-after", flags->stall_after,
                                               "Stall after the N-th request (with --stall-for)");
    serve->add_option("--stall-for", flags->stall_for, "How long the stall lasts (e.g. 2s)");
    serve->callback([&exit_code, flags] { exit_code = run_demo_serve(*flags); });
}

}  // namespace volley::apps
