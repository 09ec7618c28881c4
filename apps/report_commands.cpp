#include "apps/report_commands.hpp"

#include "apps/cli_checks.hpp"
#include "apps/run_command.hpp"
#include "reports/console.hpp"
#include "reports/hlog_report.hpp"
#include "reports/run_outputs.hpp"
#include "reports/run_summary.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>

namespace volley::apps {

namespace {

struct ReportOptions {
    std::string path;
    std::vector<std::string> formats;
    bool latency = false;
    // FILE.hlog form (HistogramLogProcessor's options).
    reports::HlogReportOptions hlog;
    std::optional<std::string> tag;
};

// Flags that belong to one form only; given with the other, they are an error.
struct FormFlags {
    std::vector<const CLI::Option*> directory_only;
    std::vector<const CLI::Option*> hlog_only;
};

void refuse_flags(const std::vector<const CLI::Option*>& flags, const std::string& why) {
    for (const CLI::Option* flag : flags) {
        if (flag->count() > 0) throw std::invalid_argument(flag->get_name() + " " + why);
    }
}

int report_directory(const ReportOptions& o) {
    check_formats("--format", o.formats, reports::kRerenderFormats);
    const auto summary = reports::read_run_summary(o.path);
    const auto files = reports::write_reports(o.path, summary, o.formats);
    std::cout << reports::render_console(summary, o.latency);
    for (const auto& f : files.written) std::cout << "  wrote " << f.string() << "\n";
    for (const auto& failure : files.failed) std::cerr << "error: " << failure.what() << "\n";
    return files.failed.empty() ? kExitPass : kExitCannotRun;
}

// docs/hdr.md §14: what HistogramLogProcessor prints for the log.
int report_hlog(const ReportOptions& o) {
    reports::HlogReportOptions options = o.hlog;
    options.tag = o.tag;
    const reports::HlogReport report = reports::read_hlog_report(o.path, options);
    for (const std::string& warning : report.warnings) {
        std::cerr << "warning: " << o.path << ": " << warning << "\n";
    }
    std::cout << reports::render_hlog_report(report, options);
    return kExitPass;
}

int report_command(const ReportOptions& o, const FormFlags& flags) {
    try {
        std::error_code error;
        if (std::filesystem::is_directory(o.path, error)) {
            refuse_flags(flags.hlog_only,
                         "applies to an interval log (FILE.hlog), not a run directory");
            return report_directory(o);
        }
        if (!std::filesystem::exists(o.path, error)) {
            throw std::invalid_argument(o.path + ": no such run directory or interval log (.hlog)");
        }
        refuse_flags(flags.directory_only, "applies to a run directory, not an interval log");
        return report_hlog(o);
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitUsage;
    }
}

}  // namespace

void add_report_commands(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<ReportOptions>();
    auto flags = std::make_shared<FormFlags>();
    auto* report = app.add_subcommand(
        "report",
        "Re-render the reports of a saved run from its summary.json, or print the percentile "
        "distribution of an HdrHistogram interval log (FILE.hlog) as HistogramLogProcessor does");
    report
        ->add_option("path", o->path,
                     "Run directory (holds summary.json), or an interval log written by volley, "
                     "HdrHistogram, jHiccup or another tool")
        ->required();
    flags->directory_only.push_back(
        report
            ->add_option(
                "--format", o->formats,
                "Formats: md,html,junit,csv,hgrm (default all; hgrm when latency.hlog is there)")
            ->delimiter(','));
    flags->directory_only.push_back(
        report->add_flag("--latency", o->latency, "Print the full latency percentile spectrum"));

    auto& h = o->hlog;
    flags->hlog_only = {
        report->add_option("--tag", o->tag,
                           "FILE.hlog: the lines with Tag=TAG (default: untagged)"),
        report->add_option("--start", h.start_s,
                           "FILE.hlog: skip intervals starting before this many seconds after the "
                           "log's StartTime (default 0)"),
        report->add_option("--end", h.end_s,
                           "FILE.hlog: stop at the first interval starting after this many seconds "
                           "(default: the whole log)"),
        report
            ->add_option("--output-value-unit-ratio", h.output_value_unit_ratio,
                         "FILE.hlog: divide values by this for output (default 1000000: ns as ms)")
            ->check(CLI::PositiveNumber),
        report
            ->add_option("--percentiles-output-ticks-per-half", h.percentiles_ticks_per_half,
                         "FILE.hlog: percentile rows per halving of the distance to 100% "
                         "(default 5)")
            ->check(CLI::Range(1, 1000)),
        report
            ->add_option("--correct-co", h.expected_interval,
                         "FILE.hlog: correct each interval for coordinated omission with this "
                         "expected interval, in recorded units (default 0: none)")
            ->check(CLI::NonNegativeNumber),
        report->add_flag("--csv", h.csv, "FILE.hlog: the distribution as CSV"),
    };
    report->callback([o, flags, &exit_code] { exit_code = report_command(*o, *flags); });
}

}  // namespace volley::apps
