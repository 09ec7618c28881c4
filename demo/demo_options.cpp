#include "demo/demo_options.hpp"

#include <boost/asio/ip/address.hpp>

#include <stdexcept>

namespace volley::demo {

namespace {

constexpr int kMaxThreads = 256;
constexpr int kMaxItems = 1'000'000;
constexpr std::chrono::hours kMaxDuration{24};

void check_duration(const char* flag, std::chrono::nanoseconds value) {
    if (value.count() < 0)
        throw std::invalid_argument(std::string(flag) + ": must not be negative");
    if (value > kMaxDuration) throw std::invalid_argument(std::string(flag) + ": at most 24h");
}

}  // namespace

void check_demo_options(const DemoOptions& o) {
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(o.host, ec);
    if (ec)
        throw std::invalid_argument("--host: \"" + o.host +
                                    "\" is not an IP address (e.g. 127.0.0.1 or ::1)");
    if (!address.is_loopback() && !o.allow_remote)
        throw std::invalid_argument("--host: " + o.host +
                                    " is not a loopback address; the demo service is a test "
                                    "service: add --allow-remote to serve other hosts");
    if (o.threads < 1 || o.threads > kMaxThreads)
        throw std::invalid_argument("--threads: must be 1.." + std::to_string(kMaxThreads));
    check_duration("--latency", o.latency);
    check_duration("--latency-jitter", o.latency_jitter);
    check_duration("--stall-for", o.stall_for);
    if (!(o.error_rate >= 0.0 && o.error_rate <= 1.0))
        throw std::invalid_argument("--error-rate: must be 0%..100%");
    if (o.page_size < 1) throw std::invalid_argument("--page-size: must be at least 1");
    if (o.items < 0 || o.items > kMaxItems)
        throw std::invalid_argument("--items: must be 0.." + std::to_string(kMaxItems));
    if (o.stall_after && *o.stall_after == 0)
        throw std::invalid_argument(
            "--stall-after: must be at least 1 (the stall starts after that request)");
    if (o.stall_after && o.stall_for.count() == 0)
        throw std::invalid_argument("--stall-after: needs --stall-for DURATION (e.g. 2s)");
    if (!o.stall_after && o.stall_for.count() > 0)
        throw std::invalid_argument("--stall-for: needs --stall-after N");
}

}  // namespace volley::demo
