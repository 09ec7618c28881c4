// volley_test_server --port N [--status 200] [--body TEXT] [--stall-at MS --stall-for MS]
//                    [--delay MS] [--degrade-above RPS --degrade-delay MS]
//                    [--leak-kb-per-request N]
// Serves until SIGINT/SIGTERM. Listens on 127.0.0.1 only. /slow?ms=N answers after N ms; see
// loopback_server.hpp for the degrade mode. --leak-kb-per-request N allocates and writes N KiB per
// request and never frees it (a leak on purpose, for soak tests of process.rss_slope).
#include "support/loopback_server.hpp"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>

int main(int argc, char** argv) {
    volley::testing::LoopbackServerOptions options;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const char* value = argv[i + 1];
        if (flag == "--port")
            options.port = static_cast<std::uint16_t>(std::atoi(value));
        else if (flag == "--status")
            options.status = std::atoi(value);
        else if (flag == "--body")
            options.body = value;
        else if (flag == "--stall-at")
            options.stall_at = std::chrono::milliseconds(std::atoi(value));
        else if (flag == "--stall-for")
            options.stall_for = std::chrono::milliseconds(std::atoi(value));
        else if (flag == "--delay")
            options.response_delay = std::chrono::milliseconds(std::atoi(value));
        else if (flag == "--degrade-above")
            options.degrade_above_rps = std::atof(value);
        else if (flag == "--degrade-delay")
            options.degrade_delay = std::chrono::milliseconds(std::atoi(value));
        else if (flag == "--leak-kb-per-request")
            options.leak_kb_per_request =
                static_cast<std::size_t>(std::strtoull(value, nullptr, 10));
        else {
            std::cerr << "unknown option " << flag << "\n";
            return 2;
        }
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);  // the server thread inherits the mask
    volley::testing::LoopbackServer server(options);
    std::cout << server.port() << std::endl;
    int signal = 0;
    sigwait(&set, &signal);
    return 0;
}
