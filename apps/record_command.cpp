#include "apps/record_command.hpp"

#include "apps/run_command.hpp"
#include "replay/record_proxy.hpp"
#include "targets/http_target.hpp"
#include "targets/tls_context.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

namespace volley::apps {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto kStopGracePeriod = 5s;

// "" when `path` names a readable regular file, else what is wrong, for an error message.
std::string unreadable_file(const std::string& path) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) return "no such file";
    if (!std::filesystem::is_regular_file(status)) return "not a regular file";
    if (std::FILE* file = std::fopen(path.c_str(), "rb")) {
        std::fclose(file);
        return "";
    }
    return "cannot be read";
}

struct ListenAddress {
    std::string host;
    unsigned short port = 0;
};

// Throws std::invalid_argument naming what is wrong with HOST:PORT. HOST is an IP address
// literal (IPv6 in brackets); PORT 0 picks a free port.
ListenAddress parse_listen(const std::string& listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("expected HOST:PORT");
    ListenAddress out;
    out.host = listen.substr(0, colon);
    if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']')
        out.host = out.host.substr(1, out.host.size() - 2);
    if (out.host.empty())
        throw std::invalid_argument(
            "the HOST is missing: give the address to listen on, e.g. 127.0.0.1:" +
            listen.substr(colon + 1));
    boost::system::error_code address_error;
    (void)asio::ip::make_address(out.host, address_error);
    if (address_error)
        throw std::invalid_argument(fmt::format(
            "HOST '{}' is not an IP address (e.g. 127.0.0.1, 0.0.0.0 or [::1])", out.host));
    const std::string port_text = listen.substr(colon + 1);
    try {
        std::size_t used = 0;
        const unsigned long port = std::stoul(port_text, &used);
        if (used != port_text.size() || port > 65535) throw std::invalid_argument("port");
        out.port = static_cast<unsigned short>(port);
    } catch (const std::exception&) {
        throw std::invalid_argument("bad port");
    }
    return out;
}

// Checks the TLS options against each other and the upstream's scheme; throws
// std::invalid_argument with the message for the user.
void check_tls_options(const RecordOptions& options, const targets::ParsedUrl& upstream) {
    if (options.tls_cert.empty() != options.tls_key.empty())
        throw std::invalid_argument(options.tls_cert.empty() ? "--tls-key needs --tls-cert"
                                                             : "--tls-cert needs --tls-key");
    if (!upstream.tls && options.insecure)
        throw std::invalid_argument("--insecure applies to https:// upstreams only; " +
                                    options.upstream + " is plain http");
    if (!upstream.tls && !options.ca_file.empty())
        throw std::invalid_argument("--ca-file applies to https:// upstreams only; " +
                                    options.upstream + " is plain http");
    if (options.insecure && !options.ca_file.empty())
        throw std::invalid_argument(
            "--insecure skips certificate verification, so --ca-file would not be used; give one "
            "of them");
    for (const auto& [flag, path] :
         {std::pair<std::string, std::string>{"--tls-cert", options.tls_cert},
          {"--tls-key", options.tls_key},
          {"--ca-file", options.ca_file}}) {
        if (path.empty()) continue;
        if (const auto problem = unreadable_file(path); !problem.empty())
            throw std::invalid_argument(fmt::format("{} {}: {}", flag, path, problem));
    }
}

}  // namespace

int record_command(const RecordOptions& options) {
    ListenAddress listen;
    try {
        listen = parse_listen(options.listen);
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: --listen '" << options.listen << "': " << e.what() << "\n";
        return kExitUsage;
    }
    replay::RecordUpstream upstream;
    std::optional<asio::ssl::context> client_tls;
    try {
        upstream.url = targets::parse_base_url(options.upstream);
        upstream.host_header = targets::host_header_value(upstream.url);
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: --upstream: " << e.what() << "\n";
        return kExitUsage;
    }
    try {
        check_tls_options(options, upstream.url);
        if (upstream.url.tls) {
            targets::TlsClientOptions tls;
            tls.insecure = options.insecure;
            tls.ca_file = options.ca_file;
            upstream.tls.emplace(targets::make_tls_client_context(tls));
            upstream.verify_name = !options.insecure;
        }
        if (!options.tls_cert.empty())
            client_tls.emplace(replay::make_tls_server_context(options.tls_cert, options.tls_key));
    } catch (const std::invalid_argument& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitUsage;
    }
    if (options.insecure) {
        std::cerr << fmt::format(
            "WARNING: --insecure: the certificate of {}:{} is NOT verified; anyone on the way to "
            "it can read and change "
            "the traffic being recorded\n",
            upstream.url.host, upstream.url.port);
    }

    asio::io_context io{1};
    std::unique_ptr<replay::GorWriter> writer;
    try {
        writer = std::make_unique<replay::GorWriter>(options.output);
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitCannotRun;
    }
    std::unique_ptr<replay::RecordProxy> proxy;
    try {
        tcp::resolver resolver(io);
        upstream.endpoints = resolver.resolve(upstream.url.host, upstream.url.port);
        const tcp::endpoint endpoint(asio::ip::make_address(listen.host), listen.port);
        tcp::acceptor acceptor(io);
        acceptor.open(endpoint.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen();
        proxy = std::make_unique<replay::RecordProxy>(io, std::move(acceptor), std::move(upstream),
                                                      std::move(client_tls), *writer);
    } catch (const std::exception& e) {
        std::cerr << "error: cannot listen on " << options.listen << " for " << options.upstream
                  << ": " << e.what() << "\n";
        return kExitCannotRun;
    }
    const auto local = proxy->local_endpoint();
    if (!options.quiet) {
        std::cout << fmt::format("recording {}:{}{} -> {} into {} (Ctrl-C to stop)",
                                 local.address().to_string(), local.port(),
                                 options.tls_cert.empty() ? "" : " (TLS)", options.upstream,
                                 options.output)
                  << std::endl;
    }

    asio::signal_set signals(io, SIGINT, SIGTERM);
    asio::steady_timer grace(io);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        proxy->stop();
        // Exchanges in progress get a moment to finish; then everything stops.
        grace.expires_after(kStopGracePeriod);
        grace.async_wait([&](const boost::system::error_code& timer_ec) {
            if (!timer_ec) io.stop();
        });
    });
    proxy->start();
    // Runs until a signal's stop has let every exchange finish, or its grace period ended.
    while (true) {
        io.run_for(100ms);
        if (io.stopped()) break;
        if (proxy->stopping() && proxy->idle()) break;
    }
    const std::uint64_t recorded = writer->requests();
    const std::uint64_t handshake_failures = proxy->client_handshake_failures();
    if (!writer->close()) {
        std::cerr << "error: writing " << options.output << " failed\n";
        return kExitCannotRun;
    }
    if (!options.quiet) {
        std::cout << fmt::format("{} request(s) recorded in {}", recorded, options.output);
        if (handshake_failures > 0)
            std::cout << fmt::format("; {} client(s) dropped after a failed TLS handshake",
                                     handshake_failures);
        std::cout << std::endl;
    }
    return kExitPass;
}

}  // namespace volley::apps
