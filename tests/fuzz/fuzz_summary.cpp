// Fuzz target: the summary.json reader as compare, report and history use it — the text parsed
// and checked (reports::parse_summary_text, what read_summary does with the file), the typed
// summary the renderers read (parse_run_summary) rendered in every format, the comparison of
// the summary with itself, and the history's record and interval counts. Bad input must end in
// std::runtime_error (SummaryError, history::RunReadError are ones), never a crash, a hang or
// undefined behaviour. Seeds: summary.json of real runs of the volley binary against a loopback
// server (tests/fuzz/corpus/summary/README.md).
#include "history/run_record.hpp"
#include "reports/compare.hpp"
#include "reports/html_report.hpp"
#include "reports/junit_report.hpp"
#include "reports/markdown_report.hpp"
#include "reports/run_outputs.hpp"
#include "reports/run_summary.hpp"
#include "reports/timeseries_csv.hpp"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace volley;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    boost::json::object summary;
    try {
        summary = reports::parse_summary_text(text, "fuzz/summary.json");
    } catch (const std::runtime_error&) {
        return 0;
    }
    try {
        const auto compared = reports::compare_runs(summary, summary, 0.1);
        (void)reports::render_compare_console(compared);
        (void)reports::render_compare_markdown(compared);
    } catch (const std::runtime_error&) {}
    try {
        (void)history::run_record_from_summary(summary, "fuzz");
        (void)history::interval_counts_from_summary(summary);
    } catch (const std::runtime_error&) {}
    try {
        const auto rendered = reports::parse_run_summary(summary, "fuzz/summary.json");
        (void)reports::render_markdown(rendered);
        (void)reports::render_html(rendered);
        (void)reports::render_junit(rendered);
        (void)reports::render_timeseries_csv(rendered);
    } catch (const std::runtime_error&) {}
    return 0;
}
