// Fuzz target: the interval-log reader (reports/hlog.hpp) and `volley report FILE.hlog`'s
// summing (reports/hlog_report.hpp), which decodes every histogram. A log that does not parse
// must end in one of the documented exceptions, never a crash, a hang or undefined behaviour.
// Seeds: HdrHistogram's own logs (tests/fixtures/hlog/README.md names their origin).
#include "reports/hlog.hpp"
#include "reports/hlog_report.hpp"

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        std::istringstream in(text);
        const auto log = volley::reports::read_hlog(in);
        for (const auto& tag : log.tags()) (void)volley::reports::accumulate(log, tag);
        (void)volley::reports::accumulate(log, std::nullopt);
    } catch (const std::runtime_error&) {
    } catch (const std::out_of_range&) {
    } catch (const std::invalid_argument&) {}
    try {
        std::istringstream in(text);
        const volley::reports::HlogReportOptions options;
        (void)volley::reports::render_hlog_report(volley::reports::read_hlog_report(in, options),
                                                  options);
    } catch (const std::runtime_error&) {
    } catch (const std::out_of_range&) {
    } catch (const std::invalid_argument&) {}
    return 0;
}
